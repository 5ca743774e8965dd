/**
 * Every device-management operation from the server process to a 1.1 client process over
 * real UDP on 127.0.0.1: Read at every level, Write replace and partial update, Execute with
 * arguments, Discover, Write-Attributes, Create, Delete.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startClient, startServer, ok } from './fixtures/e2e-setup.js';
import type { LineProcess } from './fixtures/line-process.js';

const EP = 'e2e-dm';
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

const get = async (path: string): Promise<unknown> => (await client.command('get', { path }))['result'];

test('the registration lists the core objects and the test object with their versions', async () => {
  const r = (await ok(server, 'registration', EP)) as { lwm2mVersion: string; objects: { objects: Array<{ id: number; version: string; instances: number[] }> } };
  assert.equal(r.lwm2mVersion, '1.1');
  assert.deepEqual(r.objects.objects.map((o) => `${o.id}@${o.version}:${o.instances.join(',')}`), ['1@1.1:0', '3@1.2:0', '33100@1.0:0']);
});

test('Read: object, instance, resource, multiple resource, resource instance', async () => {
  const object = (await ok(server, 'read', EP, { path: '/33100' })) as { kind: string; instances: Map<number, { resources: Map<number, unknown> }> };
  assert.equal(object.kind, 'object');
  assert.deepEqual([...object.instances.keys()], [0]);
  const instance = (await ok(server, 'read', EP, { path: '/3/0' })) as { kind: string; resources: Map<number, { value?: unknown }> };
  assert.equal(instance.kind, 'instance');
  assert.equal(instance.resources.get(0)?.value, 'Acme');
  assert.equal(instance.resources.get(9)?.value, 77);
  assert.deepEqual(await ok(server, 'read', EP, { path: '/33100/0/0' }), { kind: 'resource', id: 0, value: 'hello' });
  assert.deepEqual(await ok(server, 'read', EP, { path: '/33100/0/8' }), { kind: 'multipleResource', id: 8, instances: new Map([[0, 10], [1, 20]]) });
  assert.deepEqual(await ok(server, 'read', EP, { path: '/33100/0/8/1' }), { kind: 'resourceInstance', id: 1, value: 20 });
  // Write-only and execute resources are left out of an instance read.
  const test0 = (await ok(server, 'read', EP, { path: '/33100/0' })) as { resources: Map<number, unknown> };
  assert.deepEqual([...test0.resources.keys()].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14]);
});

test('Write replace (PUT) and partial update (POST)', async () => {
  await ok(server, 'write', EP, { path: '/33100/0/0', node: { kind: 'resource', id: 0, value: 'written' } });
  assert.equal(await get('/33100/0/0'), 'written');
  // Replace of a multiple resource: exactly the given instances.
  await ok(server, 'write', EP, { path: '/33100/0/8', node: { kind: 'multipleResource', id: 8, instances: new Map([[5, 50]]) } });
  assert.deepEqual(await get('/33100/0/8'), new Map([[5, 50]]));
  // Partial update merges resource instances and leaves other resources alone.
  await ok(server, 'write', EP, { path: '/33100/0', replace: false, node: { kind: 'instance', id: 0, resources: new Map([[8, { kind: 'multipleResource', id: 8, instances: new Map([[6, 60]]) }], [1, { kind: 'resource', id: 1, value: 7 }]]) } });
  assert.deepEqual(await get('/33100/0/8'), new Map([[5, 50], [6, 60]]));
  assert.equal(await get('/33100/0/1'), 7);
  assert.equal(await get('/33100/0/0'), 'written');
  // Replace of an instance: optional writable resources not given lose their value.
  await ok(server, 'write', EP, { path: '/33100/0', node: { kind: 'instance', id: 0, resources: new Map<number, unknown>([
    [0, { kind: 'resource', id: 0, value: 'replaced' }], [1, { kind: 'resource', id: 1, value: 4 }], [3, { kind: 'resource', id: 3, value: false }],
    [8, { kind: 'multipleResource', id: 8, instances: new Map([[5, 50], [6, 60]]) }],
  ]) } });
  assert.equal(await get('/33100/0/0'), 'replaced');
  assert.equal(await get('/33100/0/3'), false);
  assert.equal(await get('/33100/0/2'), null, 'ratio was not in the payload');
  assert.equal(await get('/33100/0/9'), 'fixed', 'read-only resources are not touched by a replace');
  // A resource instance on its own.
  await ok(server, 'write', EP, { path: '/33100/0/8/9', node: { kind: 'resourceInstance', id: 9, value: 90 } });
  assert.equal((await get('/33100/0/8') as Map<number, number>).get(9), 90);
});

test('Execute with and without arguments', async () => {
  const since = client.mark();
  await ok(server, 'execute', EP, { path: '/33100/0/11', args: "0='on',1" });
  const e = await client.waitFor((l) => l['event'] === 'executed' && l['path'] === '/33100/0/11', 5000, since);
  assert.equal(e['args'], "0='on',1");
  await ok(server, 'execute', EP, { path: '/3/0/4' });
  const reboot = await client.waitFor((l) => l['event'] === 'executed' && l['path'] === '/3/0/4', 5000, since);
  assert.equal(reboot['args'], null);
});

test('Discover on an object, an instance and a resource; Write-Attributes shows in it', async () => {
  await ok(server, 'writeAttributes', EP, { path: '/33100/0/1', attributes: { pmin: 2, pmax: 20, gt: 5 } });
  const object = (await ok(server, 'discover', EP, { path: '/33100' })) as Array<{ target: string; attributes: Record<string, unknown> }>;
  assert.equal(object[0]?.target, '/33100');
  assert.ok(object.some((l) => l.target === '/33100/0'));
  const instance = (await ok(server, 'discover', EP, { path: '/33100/0' })) as Array<{ target: string; attributes: Record<string, unknown> }>;
  const count = instance.find((l) => l.target === '/33100/0/1');
  assert.deepEqual(count?.attributes, { pmin: 2, pmax: 20, gt: 5 });
  assert.equal(instance.find((l) => l.target === '/33100/0/8')?.attributes['dim'], 3);
  const resource = (await ok(server, 'discover', EP, { path: '/33100/0/8' })) as Array<{ target: string }>;
  assert.deepEqual(resource.map((l) => l.target), ['/33100/0/8', '/33100/0/8/5', '/33100/0/8/6', '/33100/0/8/9']);
  // A bare attribute name removes it.
  await ok(server, 'writeAttributes', EP, { path: '/3/0', attributes: { pmax: 60 } });
  const device = (await ok(server, 'discover', EP, { path: '/3/0' })) as Array<{ target: string; attributes: Record<string, unknown> }>;
  assert.deepEqual(device[0], { target: '/3/0', attributes: { pmax: 60 } });
});

test('Create and Delete: the client tells the server of the new instance with an Update', async () => {
  const since = server.mark();
  const id = await ok(server, 'create', EP, { objectId: 33100, node: { kind: 'instance', id: 4, resources: new Map([[0, { kind: 'resource', id: 0, value: 'made' }], [1, { kind: 'resource', id: 1, value: 2 }]]) } });
  assert.equal(id, 4);
  assert.equal(await get('/33100/4/0'), 'made');
  await server.waitFor((l) => l['event'] === 'updated' && l['endpoint'] === EP && (l['objects'] as Array<{ id: number; instances: number[] }>).some((o) => o.id === 33100 && o.instances.includes(4)), 5000, since);
  assert.deepEqual(await ok(server, 'read', EP, { path: '/33100/4/1' }), { kind: 'resource', id: 1, value: 2 });
  const beforeDelete = server.mark();
  await ok(server, 'delete', EP, { path: '/33100/4' });
  assert.equal(await get('/33100/4'), null);
  await server.waitFor((l) => l['event'] === 'updated' && l['endpoint'] === EP && (l['objects'] as Array<{ id: number; instances: number[] }>).some((o) => o.id === 33100 && !o.instances.includes(4)), 5000, beforeDelete);
});
