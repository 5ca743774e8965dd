/** Interop with node-coap (npm `coap`) as an independent peer: it as server, then it as client. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as coap from 'coap';
import type { IncomingMessage, OutgoingMessage } from 'coap';
import { ResponseCode } from '../../runtime/coap/codes.js';
import type { ServerObservation } from '../../runtime/coap/observe.js';
import type { CoapResponse } from '../../runtime/coap/request.js';
import { closeAll, udpEndpoint, until } from './helpers.js';

after(closeAll);

const text = (b: Uint8Array): string => Buffer.from(b).toString();

async function nodeCoapServer(handler: (req: IncomingMessage, res: OutgoingMessage) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const server = coap.createServer({ type: 'udp4' }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** node-coap's Agent closes its socket by itself when idle and then throws on close(). */
function closeAgent(agent: coap.Agent): void {
  try {
    agent.close();
  } catch {
    // already closed
  }
}

/** One node-coap request through its own agent; resolves with the response. */
function nodeCoapRequest(params: coap.CoapRequestParams, payload?: Buffer): Promise<IncomingMessage> {
  const agent = new coap.Agent({ type: 'udp4' });
  return new Promise((resolve, reject) => {
    const req = coap.request({ hostname: '127.0.0.1', agent, ...params });
    req.on('response', (res: IncomingMessage) => {
      resolve(res);
      closeAgent(agent);
    });
    req.on('error', (e: Error) => {
      reject(e);
      closeAgent(agent);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

test('our client against a node-coap server: GET, PUT, a block-wise response, observe', async () => {
  const big = Buffer.alloc(2500, 'b');
  let observer: OutgoingMessage | undefined;
  const s = await nodeCoapServer((req, res) => {
    const path = req.url.split('?')[0];
    if (path === '/hello') res.end(`hello ${req.method}`);
    else if (path === '/put') res.end(`got ${req.payload.length}`);
    else if (path === '/big') res.end(big);
    else if (path === '/obs' && req.headers.Observe === 0) {
      observer = res;
      res.write('n0');
    } else {
      res.code = '4.04';
      res.end();
    }
  });
  const client = await udpEndpoint();
  const peer = { address: '127.0.0.1', port: s.port };
  const r1 = await client.request(peer, { method: 'GET', path: '/hello' });
  assert.equal(r1.code, ResponseCode.Content);
  assert.equal(text(r1.payload), 'hello GET');
  const r2 = await client.request(peer, { method: 'PUT', path: '/put', payload: 'abc' });
  assert.equal(text(r2.payload), 'got 3');
  const r3 = await client.request(peer, { method: 'GET', path: '/big' });
  assert.equal(r3.payload.length, 2500);
  assert.equal((await client.request(peer, { method: 'GET', path: '/nope' })).code, ResponseCode.NotFound);
  const got: CoapResponse[] = [];
  const obs = await client.observe(peer, { method: 'GET', path: '/obs' }, (n) => got.push(n));
  assert.equal(obs.active, true);
  assert.equal(text(obs.response!.payload), 'n0');
  observer!.write('n1');
  observer!.write('n2');
  await until(() => got.length === 2);
  assert.deepEqual(got.map((n) => text(n.payload)), ['n1', 'n2']);
  obs.forget();
  observer!.end();
  await s.close();
});

test('node-coap as client against our server: GET, POST, a block-wise response, observe', async () => {
  const server = await udpEndpoint();
  let so: ServerObservation | undefined;
  server.onRequest((r) => {
    const path = `/${r.path.join('/')}`;
    if (path === '/obs' && r.observeRequested) {
      so = r.acceptObserve();
      return { code: ResponseCode.Content, payload: 'v0' };
    }
    if (path === '/big') return { code: ResponseCode.Content, payload: Buffer.alloc(3000, 'q'), contentFormat: 0 };
    return { code: r.method === 'POST' ? ResponseCode.Changed : ResponseCode.Content, payload: `${r.method} ${path} ${r.payload.length}` };
  });
  const port = server.address().port;
  const g = await nodeCoapRequest({ port, pathname: '/3/0/0' });
  assert.equal(g.code, '2.05');
  assert.equal(g.payload.toString(), 'GET /3/0/0 0');
  const p = await nodeCoapRequest({ port, pathname: '/3/0/4', method: 'POST' }, Buffer.from('args'));
  assert.equal(p.code, '2.04');
  assert.equal(p.payload.toString(), 'POST /3/0/4 4');
  const n = await nodeCoapRequest({ port, pathname: '/3/0/1', confirmable: false });
  assert.equal(n.payload.toString(), 'GET /3/0/1 0');
  const b = await nodeCoapRequest({ port, pathname: '/big' });
  assert.equal(b.payload.length, 3000);

  const agent = new coap.Agent({ type: 'udp4' });
  const values: string[] = [];
  const req = coap.request({ hostname: '127.0.0.1', port, pathname: '/obs', observe: true, agent });
  const stream = await new Promise<IncomingMessage>((resolve) => {
    req.on('response', (res: IncomingMessage) => resolve(res));
    req.end();
  });
  stream.on('data', (d: Buffer) => values.push(d.toString()));
  await until(() => so !== undefined);
  await so!.notify({ code: ResponseCode.Content, payload: 'v1' });
  await so!.notify({ code: ResponseCode.Content, payload: 'v2' }, { confirmable: true });
  await until(() => values.includes('v2'));
  assert.deepEqual(values.filter((v) => v !== 'v0'), ['v1', 'v2']);
  // node-coap's eager deregistration (close(true)) throws here: its Agent has already closed
  // its socket. Cancellation is covered against our own client and libcoap instead.
  so!.cancel();
  closeAgent(agent);
});
