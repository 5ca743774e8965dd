/**
 * Read-Composite (FETCH) and Write-Composite (iPATCH) from the server process to client
 * processes over UDP: SenML CBOR by default, SenML JSON and LwM2M CBOR (1.2) when asked,
 * every record checked before any is stored, and 1.0 clients refused before sending.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failure, ok, startClient, startServer } from './fixtures/e2e-setup.js';
import type { LineProcess } from './fixtures/line-process.js';

let server: LineProcess;
const clients: LineProcess[] = [];
let v11: LineProcess;
let v12: LineProcess;

before(async () => {
  server = await startServer();
  [v11, v12] = await Promise.all([
    startClient(server, { endpoint: 'composite-11', lwm2mVersion: '1.1' }),
    startClient(server, { endpoint: 'composite-12', lwm2mVersion: '1.2' }),
  ]);
  clients.push(v11, v12);
});
after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await server?.stop();
});

const paths = ['/3/0/0', '/33100/0/8', '/33100/0/0', '/3/0/9', '/33100/7', '/33100/0/10'];

for (const [name, format] of [['SenML CBOR (default)', undefined], ['SenML JSON', 110], ['SenML CBOR', 112]] as const) {
  test(`Read-Composite in ${name}: a value tree per path; absent and write-only paths left out`, async () => {
    const r = (await ok(server, 'readComposite', 'composite-11', { paths, ...(format === undefined ? {} : { format }) })) as Map<string, unknown>;
    assert.deepEqual([...r.keys()], ['/3/0/0', '/33100/0/8', '/33100/0/0', '/3/0/9']);
    assert.deepEqual(r.get('/3/0/0'), { kind: 'resource', id: 0, value: 'Acme' });
    assert.deepEqual(r.get('/33100/0/8'), { kind: 'multipleResource', id: 8, instances: new Map([[0, 10], [1, 20]]) });
    assert.deepEqual(r.get('/3/0/9'), { kind: 'resource', id: 9, value: 77 });
  });
}

test('Read-Composite of an instance and a resource inside it: both trees from one answer', async () => {
  const r = (await ok(server, 'readComposite', 'composite-11', { paths: ['/33100/0', '/33100/0/6', '/3/0/11/0'] })) as Map<string, { kind: string; resources?: Map<number, unknown> }>;
  assert.equal(r.get('/33100/0')?.kind, 'instance');
  assert.ok((r.get('/33100/0')?.resources?.size ?? 0) >= 10);
  assert.deepEqual(r.get('/33100/0/6'), { kind: 'resource', id: 6, value: { objectId: 3, instanceId: 0 } });
  assert.deepEqual(r.get('/3/0/11/0'), { kind: 'resourceInstance', id: 0, value: 0 });
});

test('Read-Composite in LwM2M CBOR from a 1.2 client; a 1.1 client answers 4.06 to it', async () => {
  const r = (await ok(server, 'readComposite', 'composite-12', { paths: ['/3/0/0', '/33100/0/7'], format: 11544 })) as Map<string, unknown>;
  assert.deepEqual(r.get('/3/0/0'), { kind: 'resource', id: 0, value: 'Acme' });
  assert.deepEqual(r.get('/33100/0/7'), { kind: 'resource', id: 7, value: 2n ** 63n + 5n });
  assert.deepEqual((await failure(server, 'readComposite', 'composite-11', { paths: ['/3/0/0'], format: 11544 })).slice(0, 2), ['E_CLIENT_RESPONSE', '4.06']);
});

for (const [name, endpoint, format] of [['SenML CBOR', 'composite-11', undefined], ['SenML JSON', 'composite-11', 110], ['LwM2M CBOR', 'composite-12', 11544]] as const) {
  test(`Write-Composite in ${name}: values, resource instances and a node over two objects`, async () => {
    const client = endpoint === 'composite-11' ? v11 : v12;
    const stamp = new Date(1_750_000_000_000);
    await ok(server, 'writeComposite', endpoint, {
      ...(format === undefined ? {} : { format }),
      values: {
        '/33100/0/0': `w-${name.length}`, '/33100/0/8/7': 70, '/33100/0/5': stamp, '/33100/0/4': new Uint8Array([9, 8]), '/3/0/14': '+01:00',
        '/33100/0/3': { kind: 'resource', id: 3, value: false },
      },
    });
    assert.equal((await client.command('get', { path: '/33100/0/0' }))['result'], `w-${name.length}`);
    assert.equal(((await client.command('get', { path: '/33100/0/8' }))['result'] as Map<number, number>).get(7), 70);
    assert.deepEqual((await client.command('get', { path: '/33100/0/5' }))['result'], stamp);
    assert.deepEqual((await client.command('get', { path: '/33100/0/4' }))['result'], new Uint8Array([9, 8]));
    assert.equal((await client.command('get', { path: '/3/0/14' }))['result'], '+01:00');
    assert.equal((await client.command('get', { path: '/33100/0/3' }))['result'], false);
  });
}

test('Write-Composite is all or nothing on the client: a refused value (4.00), a read-only (4.05) or missing (4.04) resource', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ '/33100/0/1': 9, '/33100/0/0': 'refuse' }, '4.00'],
    [{ '/33100/0/1': 9, '/33100/0/9': 'x' }, '4.05'],
    [{ '/33100/0/1': 9, '/33100/5/0': 'x' }, '4.04'],
  ];
  for (const [values, code] of cases) {
    const [c, rc] = await failure(server, 'writeComposite', 'composite-11', { values });
    assert.deepEqual([c, rc], ['E_CLIENT_RESPONSE', code], JSON.stringify(Object.keys(values)));
  }
  assert.notEqual((await v11.command('get', { path: '/33100/0/1' }))['result'], 9);
  // A value outside the resource's range never leaves the server.
  assert.equal((await failure(server, 'writeComposite', 'composite-11', { values: { '/33100/0/1': 99 } }))[0], 'E_ARGUMENT');
});

test('argument errors are found before sending: no paths, a Map at an instance path, LwM2M JSON is no composite format', async () => {
  assert.equal((await failure(server, 'readComposite', 'composite-11', { paths: [] }))[0], 'E_ARGUMENT');
  assert.equal((await failure(server, 'writeComposite', 'composite-11', { values: { '/33100/0': new Map([[1, 1]]) } }))[0], 'E_ARGUMENT');
  assert.equal((await failure(server, 'writeComposite', 'composite-11', { values: { '/33100/0/0': 'x' }, format: 11542 }))[0], 'E_ARGUMENT');
  assert.equal((await failure(server, 'readComposite', 'nobody', { paths: ['/3/0'] }))[0], 'E_CLIENT_UNKNOWN');
});

test('through typed handles: readValues gives typed values by key, writeValues().set(..).send() writes them', async () => {
  const v = (await ok(server, 'typedRead', 'composite-11')) as Record<string, unknown>;
  assert.equal(v['manufacturer'], 'Acme');
  assert.equal(v['battery'], 77);
  assert.ok(v['levels'] instanceof Map);
  assert.ok(v['stamp'] instanceof Date);
  assert.equal('gone' in v, false, 'an instance the client lacks is left out');
  await ok(server, 'typedWrite', 'composite-11', { value: 'Europe/Oslo' });
  assert.equal((await v11.command('get', { path: '/3/0/15' }))['result'], 'Europe/Oslo');
  assert.equal(((await v11.command('get', { path: '/33100/0/8' }))['result'] as Map<number, number>).get(3), 30);
  assert.equal((await v11.command('get', { path: '/33100/0/3' }))['result'], false);
});

test('a 1.0 client: composite operations are refused with E_ARGUMENT, nothing is sent', async () => {
  const v10 = await startClient(server, { endpoint: 'composite-10', lwm2mVersion: '1.0' });
  clients.push(v10);
  const [code, , message] = await failure(server, 'readComposite', 'composite-10', { paths: ['/3/0/0'] });
  assert.equal(code, 'E_ARGUMENT');
  assert.match(message, /1\.0.*1\.1 or later/);
  assert.equal((await failure(server, 'writeComposite', 'composite-10', { values: { '/33100/0/0': 'x' } }))[0], 'E_ARGUMENT');
});
