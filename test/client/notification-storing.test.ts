/**
 * Notification storing while a server account is disabled (/1/x/4): the client De-registers,
 * keeps what it would have reported (bounded per observation by hqmax, the oldest dropped with
 * a log line), and once it has registered again sends it in order on the observation's token,
 * Sends included. The peer is a plain CoAP endpoint acting as the server, which keeps its
 * observation across the De-register (our LwM2MServer drops observations on De-register, as
 * the spec suggests, and would answer RST).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ResponseCode } from '../../runtime/coap/codes.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { FakeServer, cleanup, client } from './helpers.js';

after(cleanup);

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('disabled: notifications (hqmax of them) and Sends are stored, then sent in order after the new Register', async () => {
  const server = await FakeServer.start();
  const order: string[] = [];
  server.answer = (req) => {
    if (req.method === 'POST' && req.path.join('/') === 'dp') {
      order.push('send');
      return { code: ResponseCode.Changed };
    }
    return undefined;
  };
  const warnings: string[] = [];
  const logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (_: object, msg?: string) => { warnings.push(msg ?? ''); } };
  const device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 70 });
  const c = client({ endpoint: 'disabled', objects: [device], lwm2mVersion: '1.2', logger, servers: [{ uri: server.uri, shortServerId: 1, lifetime: 60 }] });
  const registered = c.next('registered');
  await c.start();
  await registered;
  const peer = c.address();
  const ask = (method: 'PUT' | 'POST', path: string, query: string[] = [], payload?: string) => server.endpoint.request(peer, {
    method, path: path.split('/').filter(Boolean), query, ...(payload === undefined ? {} : { contentFormat: ContentFormat.TEXT, payload: new TextEncoder().encode(payload) }),
  });

  assert.equal((await ask('PUT', '/1/0/5', [], '1')).code, ResponseCode.Changed, 'Disable Timeout: 1 s');
  assert.equal((await ask('PUT', '/3/0/9', ['hqmax=2'])).code, ResponseCode.Changed);
  const values: number[] = [];
  const obs = await server.endpoint.observe(peer, { method: 'GET', path: ['3', '0', '9'], accept: ContentFormat.TEXT }, (n) => {
    const v = Number(new TextDecoder().decode(n.payload));
    values.push(v);
    order.push(String(v));
  });
  assert.equal(new TextDecoder().decode(obs.response!.payload), '70');

  const deregistered = server.waitFor((r) => r.method === 'DELETE');
  assert.equal((await ask('POST', '/1/0/4')).code, ResponseCode.Changed);
  await deregistered;
  assert.equal(c.status()[0]?.state, 'disabled');
  for (const v of [71, 72, 73]) {
    device.batteryLevel.set(v);
    await turn();
  }
  assert.deepEqual(await c.send(['/3/0/9'], { format: ContentFormat.SENML_JSON }), { delivered: [], stored: [1] });
  assert.deepEqual(values, [], 'nothing reaches a disabled server');

  await c.next('registered');
  await server.waitFor((r) => r.method === 'POST' && r.path === '/dp');
  assert.deepEqual(order, ['72', '73', 'send'], 'in order; 71 went when hqmax=2 was reached');
  assert.ok(warnings.some((w) => w.includes('hqmax')), `a log line for the dropped one: ${JSON.stringify(warnings)}`);
  assert.equal(server.seen.filter((r) => r.method === 'POST' && r.path === '/rd').length, 2, 'registered again after the Disable Timeout');
});

test('disabled with /1/x/6 false: nothing is stored; a Send to it is refused', async () => {
  const server = await FakeServer.start();
  const device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 80 });
  const c = client({ endpoint: 'disabled-nostore', objects: [device], lwm2mVersion: '1.2', servers: [{ uri: server.uri, shortServerId: 1, lifetime: 60 }] });
  const registered = c.next('registered');
  await c.start();
  await registered;
  const peer = c.address();
  const put = (path: string, payload: string) => server.endpoint.request(peer, { method: 'PUT', path: path.split('/').filter(Boolean), contentFormat: ContentFormat.TEXT, payload: new TextEncoder().encode(payload) });
  assert.equal((await put('/1/0/5', '1')).code, ResponseCode.Changed);
  assert.equal((await put('/1/0/6', '0')).code, ResponseCode.Changed);
  const values: number[] = [];
  await server.endpoint.observe(peer, { method: 'GET', path: ['3', '0', '9'], accept: ContentFormat.TEXT }, (n) => values.push(Number(new TextDecoder().decode(n.payload))));
  assert.equal((await server.endpoint.request(peer, { method: 'POST', path: ['1', '0', '4'] })).code, ResponseCode.Changed);
  await server.waitFor((r) => r.method === 'DELETE');
  device.batteryLevel.set(81);
  await turn();
  await assert.rejects(c.send(['/3/0/9'], { shortServerId: 1 }), (e: Error & { code?: string }) => e.code === 'E_CLIENT_SEND' && /6/.test(e.message));
  await c.next('registered');
  // Back: a change now is notified, the one of the disabled time never is.
  device.batteryLevel.set(82);
  const deadline = Date.now() + 3000;
  while (!values.includes(82) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(values, [82]);
});

test('the per-server bound (maxStoredReports): the oldest go first, each with a log line', async () => {
  const server = await FakeServer.start();
  const warnings: string[] = [];
  const logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (_: object, msg?: string) => { warnings.push(msg ?? ''); } };
  const device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 10 });
  const c = client({ endpoint: 'bounded', objects: [device], logger, maxStoredReports: 3, servers: [{ uri: server.uri, shortServerId: 1, lifetime: 60 }] });
  const registered = c.next('registered');
  await c.start();
  await registered;
  const peer = c.address();
  const text = (s: string) => ({ contentFormat: ContentFormat.TEXT, payload: new TextEncoder().encode(s) });
  assert.equal((await server.endpoint.request(peer, { method: 'PUT', path: ['1', '0', '5'], ...text('1') })).code, ResponseCode.Changed);
  const values: number[] = [];
  await server.endpoint.observe(peer, { method: 'GET', path: ['3', '0', '9'], accept: ContentFormat.TEXT }, (n) => values.push(Number(new TextDecoder().decode(n.payload))));
  assert.equal((await server.endpoint.request(peer, { method: 'POST', path: ['1', '0', '4'] })).code, ResponseCode.Changed);
  await server.waitFor((r) => r.method === 'DELETE');
  for (const v of [11, 12, 13, 14, 15]) {
    device.batteryLevel.set(v);
    await turn();
  }
  await c.next('registered');
  const deadline = Date.now() + 5000;
  while (values.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(values, [13, 14, 15]);
  assert.equal(warnings.filter((w) => w.includes('full')).length, 2);
});
