/**
 * The client's error answers as the server API reports them (E_CLIENT_RESPONSE with the
 * response code), between processes over UDP: 4.04, 4.05, 4.06, 4.00 for bad payloads and
 * refusals, 5.00 when application code throws; and the errors the server finds itself.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failure, ok, startClient, startServer } from './fixtures/e2e-setup.js';
import type { Line, LineProcess } from './fixtures/line-process.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

const EP = 'e2e-errors';
let server: LineProcess;
let client: LineProcess;

before(async () => {
  server = await startServer();
  client = await startClient(server, { endpoint: EP, lwm2mVersion: '1.1' });
});
after(async () => {
  await client?.stop();
  await server?.stop();
});

async function answered(op: string, extra: Line): Promise<unknown> {
  const [code, responseCode, message] = await failure(server, op, EP, extra);
  assert.equal(code, 'E_CLIENT_RESPONSE', message);
  return responseCode;
}

test('4.04: instances, resources and objects that do not exist; Security is hidden', async () => {
  assert.equal(await answered('read', { path: '/33100/9' }), '4.04');
  assert.equal(await answered('read', { path: '/3/0/20' }), '4.04');
  assert.equal(await answered('read', { path: '/33100/0/8/9' }), '4.04');
  assert.equal(await answered('read', { path: '/0/0' }), '4.04');
  assert.equal(await answered('write', { path: '/33100/9/0', node: { kind: 'resource', id: 0, value: 'x' } }), '4.04');
  assert.equal(await answered('execute', { path: '/33100/9/11' }), '4.04');
  assert.equal(await answered('delete', { path: '/33100/9' }), '4.04');
  assert.equal(await answered('discover', { path: '/4' }), '4.04');
});

test('4.05: a write of a read-only resource, a read of a write-only one, deleting what may not go', async () => {
  assert.equal(await answered('write', { path: '/33100/0/9', node: { kind: 'resource', id: 9, value: 'x' } }), '4.05');
  assert.equal(await answered('write', { path: '/3/0/0', node: { kind: 'resource', id: 0, value: 'Other' } }), '4.05');
  assert.equal(await answered('write', { path: '/33100/0', replace: false, node: { kind: 'instance', id: 0, resources: new Map([[9, { kind: 'resource', id: 9, value: 'x' }]]) } }), '4.05');
  assert.equal(await answered('read', { path: '/33100/0/10' }), '4.05');
  assert.equal(await answered('delete', { path: '/3/0' }), '4.05');
  assert.equal(await answered('create', { objectId: 1, node: { kind: 'instance', id: 5, resources: new Map() } }), '4.05');
  assert.equal((await client.command('get', { path: '/33100/0/9' }))['result'], 'fixed');
});

test('4.06: a format the client cannot answer in', async () => {
  assert.equal(await answered('read', { path: '/3/0/0', format: 11544 }), '4.06');
});

test('4.00: bad Execute arguments, bad attributes, a Create without mandatory values, a value the application refuses', async () => {
  assert.equal(await answered('execute', { path: '/33100/0/11', args: '0=unquoted' }), '4.00');
  assert.equal(await answered('writeAttributes', { path: '/33100/0/0', attributes: { gt: 5 } }), '4.00');
  assert.equal(await answered('create', { objectId: 33100, node: { kind: 'instance', id: 8, resources: new Map([[1, { kind: 'resource', id: 1, value: 1 }]]) } }), '4.00');
  assert.equal(await answered('write', { path: '/33100/0/0', node: { kind: 'resource', id: 0, value: 'refuse' } }), '4.00');
  assert.equal((await client.command('get', { path: '/33100/0/0' }))['result'], 'hello');
});

test('4.00 and 4.15 for malformed payloads sent as raw CoAP to the client process', async () => {
  const coap = new CoapEndpoint({ transport: await UdpTransport.bind({ address: '127.0.0.1', port: 0 }) });
  try {
    const peer = { address: '127.0.0.1', port: client.port };
    const send = async (method: 'PUT' | 'POST' | 'FETCH' | 'iPATCH', path: string, contentFormat: number | undefined, payload: Uint8Array | string): Promise<number> =>
      (await coap.request(peer, { method, path, payload, timeoutMs: 5000, ...(contentFormat === undefined ? {} : { contentFormat }) })).code;
    assert.equal(await send('PUT', '/33100/0', 11542, new Uint8Array([0xc8, 0x00, 0x09, 0x41])), 0x80, 'TLV shorter than its length');
    assert.equal(await send('PUT', '/33100/0/1', 0, 'twelve'), 0x80, 'text that is no integer');
    assert.equal(await send('PUT', '/33100/0', 110, '[{"n":'), 0x80, 'SenML JSON cut short');
    assert.equal(await send('PUT', '/33100/0', 112, new Uint8Array([0x9f, 0xff, 0x00])), 0x80, 'CBOR with trailing bytes');
    assert.equal(await send('PUT', '/33100/0/0', undefined, 'no format'), 0x80, 'no Content-Format');
    assert.equal(await send('iPATCH', '/', 110, '{}'), 0x80, 'Write-Composite body that is no SenML pack');
    assert.equal(await send('FETCH', '/', 110, 'nonsense'), 0x80, 'Read-Composite body that does not parse');
    assert.equal(await send('PUT', '/33100/0/0', 50, '{}'), 0x8f, 'application/json is no LwM2M format: 4.15');
    assert.equal((await client.command('get', { path: '/33100/0/0' }))['result'], 'hello');
  } finally {
    await coap.close();
  }
});

test('5.00: a getter, an execute and a write hook of the application that throw; the client keeps serving', async () => {
  await client.command('fail', { value: true });
  try {
    assert.equal(await answered('read', { path: '/33100/0/12' }), '5.00');
    assert.equal(await answered('execute', { path: '/33100/0/13' }), '5.00');
    assert.equal(await answered('write', { path: '/33100/0/0', node: { kind: 'resource', id: 0, value: 'throw' } }), '5.00');
  } finally {
    await client.command('fail', { value: false });
  }
  assert.deepEqual(await ok(server, 'read', EP, { path: '/33100/0/12' }), { kind: 'resource', id: 12, value: 1 });
});

test('errors found by the server before sending: bad paths, values outside the range, unknown endpoints', async () => {
  assert.equal((await failure(server, 'read', EP, { path: '/3/x' }))[0], 'E_ARGUMENT');
  assert.equal((await failure(server, 'write', EP, { path: '/33100/0/1', node: { kind: 'resource', id: 1, value: 99 } }))[0], 'E_ARGUMENT');
  assert.equal((await failure(server, 'writeAttributes', EP, { path: '/3/0/9', attributes: { pmin: 10, pmax: 5 } }))[0], 'E_ARGUMENT');
  assert.equal((await failure(server, 'read', 'nobody', { path: '/3/0' }))[0], 'E_CLIENT_UNKNOWN');
});
