/**
 * A resource generated code types as `number` (an Integer without a range: Device Memory Free)
 * never hands out a bigint. A device (node-coap, not ours) answers 2^60: the typed handle refuses
 * it with E_CLIENT_PAYLOAD, a path read gives the bigint; on the client side an instance refuses
 * to hold such a value (a server's write then gets 4.00).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as coap from 'coap';
import type { IncomingMessage, OutgoingMessage } from 'coap';
import { Device } from '../../registry/index.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';

let server: LwM2MServer;
let device: coap.Server;
let agent: coap.Agent;

function answer(req: IncomingMessage, res: OutgoingMessage): void {
  const text = (v: string): void => {
    res.code = '2.05';
    res.setOption('Content-Format', 'text/plain');
    res.end(v);
  };
  if (req.method === 'GET' && req.url === '/3/0/10') return text(String(2n ** 60n));
  if (req.method === 'GET' && req.url === '/3/0/21') return text('4096');
  res.code = '4.04';
  res.end();
}

before(async () => {
  server = new LwM2MServer({ port: 0, requestTimeoutMs: 3000 });
  await server.start();
  device = coap.createServer({ type: 'udp4' }, answer);
  await new Promise<void>((r) => device.listen(0, '127.0.0.1', () => r()));
  agent = new coap.Agent({ socket: (device as unknown as { _sock: import('node:dgram').Socket })._sock });
  const registered = new Promise<void>((r) => server.once('registered', () => r()));
  await new Promise<void>((resolve, reject) => {
    const req = coap.request({ hostname: '127.0.0.1', port: server.address().port, method: 'POST', pathname: '/rd', query: 'ep=big-dev&lt=60&lwm2m=1.1&b=U', agent, options: { 'Content-Format': 'application/link-format' } });
    req.on('response', (res: IncomingMessage) => (res.code === '2.01' ? resolve() : reject(new Error(`Register: ${res.code}`))));
    req.on('error', reject);
    req.end(Buffer.from('</1/0>,</3/0>'));
  });
  await registered;
});

after(async () => {
  await server.stop();
  await new Promise<void>((r) => device.close(() => r()));
});

test('a number-typed resource: the typed handle refuses a value beyond 2^53, a path read gives the bigint', async () => {
  const d = server.client('big-dev').object(Device).instance(0);
  assert.equal(await d.memoryTotal.read(), 4096);
  await assert.rejects(d.memoryFree.read(), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_CLIENT_PAYLOAD');
    assert.match(e.message, /typed number.*1152921504606846976/);
    return true;
  });
  const node = await server.client('big-dev').read('/3/0/10');
  assert.equal(node.kind === 'resource' ? node.value : undefined, 2n ** 60n);
});

test('a client instance refuses to hold a value beyond 2^53 in a number-typed resource, and takes the largest safe one', async () => {
  const dev = new BasicDevice({});
  assert.throws(() => dev.memoryFree.set(2n ** 60n as unknown as number), (e: Error & { code?: string }) => e.code === 'E_VALUE_RANGE' && /its type \(number\)/.test(e.message));
  dev.memoryFree.set(Number.MAX_SAFE_INTEGER);
  assert.equal(await dev.memoryFree.get(), Number.MAX_SAFE_INTEGER);
});
