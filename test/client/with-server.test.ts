/** Our client against the project's LwM2MServer (runtime/server), both in this process over UDP on 127.0.0.1. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { LwM2MServer } from '../../runtime/server/index.js';
import { createRegistry } from '../../registry/create-registry.js';
import { coreRegistry, Device } from '../../registry/index.js';
import { BasicDevice } from '../../runtime/client/index.js';
import type { Lwm2mVersion } from '../../runtime/client/index.js';
import { cleanup, client } from './helpers.js';
import { TestObject } from './fixtures.js';

const servers: LwM2MServer[] = [];
after(async () => {
  await cleanup();
  await Promise.allSettled(servers.map((s) => s.stop()));
});

async function startServer(): Promise<LwM2MServer> {
  const s = new LwM2MServer({ port: 0, registry: createRegistry(coreRegistry, TestObject), expiryCheckMs: 200 });
  servers.push(s);
  await s.start();
  return s;
}

for (const version of ['1.0', '1.1', '1.2'] as Lwm2mVersion[]) {
  test(`LwM2M ${version} client: registered, read, written, executed, discovered, created, deleted, updated, de-registered`, async () => {
    const server = await startServer();
    let rebooted = 0;
    const dev = new BasicDevice({ manufacturer: 'Acme', modelNumber: 'M1', batteryLevel: 80, reboot: () => { rebooted++; } });
    const endpoint = `with-server-${version}`;
    const c = client({
      endpoint, lwm2mVersion: version, objects: [dev, new TestObject.Instance(0, { value: 20, name: 'a' })],
      servers: [{ uri: `coap://127.0.0.1:${server.address().port}`, shortServerId: 1, lifetime: 60 }],
    });
    const registered = new Promise<void>((resolve) => server.on('registered', (r) => { if (r.endpoint === endpoint) resolve(); }));
    await c.start();
    await registered;
    const reg = await server.client(endpoint).registration();
    assert.equal(reg.lwm2mVersion, version);
    assert.deepEqual(reg.objects.objects.map((o) => o.id), [1, 3, 33000]);
    assert.equal(reg.objects.objects.find((o) => o.id === 3)?.version, Device.descriptor.version);

    const remote = server.client(endpoint);
    const d = remote.object(Device).instance(0);
    assert.equal(await d.manufacturer.read(), 'Acme');
    assert.equal(await d.batteryLevel.read(), 80);
    await d.timezone.write('Europe/Oslo');
    assert.equal(await dev.timezone.get(), 'Europe/Oslo');
    await d.reboot.execute();
    assert.equal(rebooted, 1);
    const links = await remote.discover('/3/0');
    assert.ok(links.some((l) => l.target === '/3/0/9'));
    await remote.writeAttributes('/3/0/9', { pmin: 5, pmax: 10 });
    assert.deepEqual(c.attributes.get(1, '/3/0/9'), { pmin: 5, pmax: 10 });
    const inst = await remote.read('/33000/0');
    assert.equal(inst.kind, 'instance');

    const updated = new Promise<void>((resolve) => server.on('updated', (r) => { if (r.endpoint === endpoint && r.objects.objects.some((o) => o.id === 33000 && o.instances.includes(5))) resolve(); }));
    const id = await remote.create(33000, { kind: 'object', id: 33000, instances: new Map([[5, { kind: 'instance', id: 5, resources: new Map([[0, { kind: 'resource', id: 0, value: 1.5 }]]) }]]) });
    assert.equal(id, 5);
    await updated;
    await remote.delete('/33000/5');
    assert.equal(c.tree.instance(33000, 5), undefined);
    // An instance node is sent inside an object node, as the codecs want at /o.
    assert.equal(await remote.create(33000, { kind: 'instance', id: 6, resources: new Map([[0, { kind: 'resource', id: 0, value: 2.5 }]]) }), 6);
    assert.notEqual(c.tree.instance(33000, 6), undefined);
    await remote.delete('/33000/6');

    const deregistered = new Promise<void>((resolve) => server.on('deregistered', (r) => { if (r.endpoint === endpoint) resolve(); }));
    await c.stop();
    await deregistered;
  });
}
