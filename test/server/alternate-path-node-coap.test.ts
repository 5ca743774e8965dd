/**
 * An alternate root path from a client that is not ours: a device built on node-coap (npm
 * `coap`, an independent CoAP implementation) registers its objects under /lwm2m
 * (`</lwm2m>;rt="oma.lwm2m"`) from the socket its node-coap server answers on. The server must
 * address every request under that path, and keep it across an Update.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as coap from 'coap';
import type { IncomingMessage, OutgoingMessage } from 'coap';
import { resourceNode } from '../../runtime/model/node.js';
import { LwM2MServer, type Registration } from '../../runtime/server/index.js';

interface Seen { method: string; url: string; format: unknown; accept: unknown; payload: string }

let server: LwM2MServer;
let device: coap.Server;
let agent: coap.Agent;
let devicePort = 0;
const seen: Seen[] = [];

/** What the device answers: SenML JSON (ct=110, the only format it lists) under /lwm2m only. */
function answer(req: IncomingMessage, res: OutgoingMessage): void {
  seen.push({ method: req.method, url: req.url, format: req.headers['Content-Format'], accept: req.headers['Accept'], payload: req.payload.toString() });
  const json = (records: object[]): void => {
    res.code = '2.05';
    res.setOption('Content-Format', 'application/senml+json');
    res.end(JSON.stringify(records));
  };
  if (req.method === 'GET' && req.url === '/lwm2m/3/0/0') return json([{ bn: '/3/0/0', vs: 'Acme' }]);
  if (req.method === 'GET' && req.url === '/lwm2m/3/0') return json([{ bn: '/3/0/', n: '0', vs: 'Acme' }, { n: '9', v: 57 }]);
  if (req.method === 'PUT' && req.url === '/lwm2m/3/0/14') { res.code = '2.04'; return void res.end(); }
  if (req.method === 'POST' && req.url === '/lwm2m/3/0/4') { res.code = '2.04'; return void res.end(); }
  res.code = '4.04';
  res.end();
}

/** A request from the device's own socket (its node-coap Agent shares the server's socket). */
function send(method: 'POST' | 'DELETE', pathname: string, query: string, payload?: string): Promise<IncomingMessage> {
  const port = server.address().port;
  return new Promise((resolve, reject) => {
    const req = coap.request({ hostname: '127.0.0.1', port, method, pathname, query, agent, ...(payload === undefined ? {} : { options: { 'Content-Format': 'application/link-format' } }) });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(payload === undefined ? undefined : Buffer.from(payload));
  });
}

before(async () => {
  server = new LwM2MServer({ port: 0, requestTimeoutMs: 3000 });
  await server.start();
  device = coap.createServer({ type: 'udp4' }, answer);
  await new Promise<void>((r) => device.listen(0, '127.0.0.1', () => r()));
  const socket = (device as unknown as { _sock: import('node:dgram').Socket })._sock;
  devicePort = socket.address().port;
  agent = new coap.Agent({ socket });
});

after(async () => {
  await server.stop();
  await new Promise<void>((r) => device.close(() => r()));
});

test('node-coap device registers under /lwm2m: reads, writes and executes go under it; an Update keeps it; De-register', async () => {
  const registered = new Promise<Registration>((r) => server.once('registered', (reg) => r(reg)));
  const res = await send('POST', '/rd', 'ep=nc-alt&lt=60&lwm2m=1.1&b=U', '</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/1/0>,</lwm2m/3/0>');
  assert.equal(res.code, '2.01');
  // Repeated options collapse in node-coap's headers: read them off the parsed packet.
  const location = (res._packet.options ?? []).filter((o) => o.name === 'Location-Path').map((o) => Buffer.from(o.value as Buffer).toString());
  assert.equal(location[0], 'rd');
  assert.equal(location.length, 2);
  const reg = await registered;
  assert.equal(reg.endpoint, 'nc-alt');
  assert.equal(reg.address.port, devicePort);
  assert.equal(reg.objects.rootPath, '/lwm2m');
  assert.deepEqual(reg.objects.contentFormats, [110]);
  assert.deepEqual(reg.objects.objects.map((o) => [o.id, o.instances]), [[1, [0]], [3, [0]]]);

  const remote = server.client('nc-alt');
  assert.deepEqual(await remote.read('/3/0/0'), { kind: 'resource', id: 0, value: 'Acme' });
  const instance = await remote.read('/3/0');
  assert.equal(instance.kind, 'instance');
  await remote.write('/3/0/14', resourceNode(14, '+02:00'));
  await remote.execute('/3/0/4');
  assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), ['GET /lwm2m/3/0/0', 'GET /lwm2m/3/0', 'PUT /lwm2m/3/0/14', 'POST /lwm2m/3/0/4']);
  // SenML JSON both ways, as the device's ct asked; the written record names the LwM2M path, not the CoAP one.
  assert.equal(seen[0]!.accept, 'application/senml+json');
  assert.equal(seen[2]!.format, 'application/senml+json');
  assert.deepEqual((JSON.parse(seen[2]!.payload) as { bn?: string; n?: string; vs: string }[]).map((r) => [`${r.bn ?? ''}${r.n ?? ''}`, r.vs]), [['/3/0/14', '+02:00']]);

  // An Update with new links: the alternate path stays, the new instance is known.
  const updated = new Promise<Registration>((r) => server.once('updated', (u) => r(u)));
  const up = await send('POST', `/rd/${location[1]!}`, 'lt=90', '</lwm2m>;rt="oma.lwm2m";ct=110,</lwm2m/1/0>,</lwm2m/3/0>,</lwm2m/3303/0>');
  assert.equal(up.code, '2.04');
  const u = await updated;
  assert.equal(u.lifetime, 90);
  assert.equal(u.objects.rootPath, '/lwm2m');
  assert.deepEqual(u.objects.objects.map((o) => o.id), [1, 3, 3303]);
  seen.length = 0;
  assert.deepEqual(await remote.read('/3/0/0'), { kind: 'resource', id: 0, value: 'Acme' });
  assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), ['GET /lwm2m/3/0/0']);

  // Links outside the alternate path are refused (4.00), and change nothing.
  const bad = await send('POST', `/rd/${location[1]!}`, '', '</lwm2m>;rt="oma.lwm2m",</3/0>');
  assert.equal(bad.code, '4.00');
  assert.equal((await remote.registration()).objects.objects.length, 3);

  const gone = new Promise<Registration>((r) => server.once('deregistered', (d) => r(d)));
  const del = await send('DELETE', `/rd/${location[1]!}`, '');
  assert.equal(del.code, '2.02');
  assert.equal((await gone).endpoint, 'nc-alt');
  assert.equal(await server.store.size(), 0);
});
