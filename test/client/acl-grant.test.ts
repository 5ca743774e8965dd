/**
 * One device, two servers with different rights set by the application through
 * access.grant(): server A may read, write and execute /3/0, server B may only read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Device } from '../../registry/index.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { LwM2MServer, ServerError } from '../../runtime/server/index.js';
import { cleanup, client } from './helpers.js';

test('each server can do exactly what its ACL allows, and a refusal changes nothing', async () => {
  const a = new LwM2MServer({ port: 0 });
  const b = new LwM2MServer({ port: 0 });
  await a.start();
  await b.start();
  let reboots = 0;
  const device = new BasicDevice({ manufacturer: 'Acme', reboot: () => { reboots++; } });
  const c = client({
    endpoint: 'two-servers', objects: [device],
    servers: [{ uri: `coap://127.0.0.1:${a.address().port}`, shortServerId: 1, lifetime: 60 }, { uri: `coap://127.0.0.1:${b.address().port}`, shortServerId: 2, lifetime: 60 }],
  });
  await c.access.grant({ object: Device, instance: 0, server: 1, rights: ['read', 'write', 'execute'] });
  await c.access.grant({ object: Device, instance: 0, server: 2, rights: ['read'] });
  await assert.rejects(c.access.grant({ object: Device, instance: 0, server: 2, rights: ['create'] }), /create is granted on the object itself/);
  try {
    const registered = Promise.all([a, b].map((s) => new Promise<void>((ok) => s.once('registered', () => ok()))));
    await c.start();
    await registered;
    const onA = a.client('two-servers').object(Device).instance(0);
    const onB = b.client('two-servers').object(Device).instance(0);
    assert.equal(await onA.manufacturer.read(), 'Acme');
    assert.equal(await onB.manufacturer.read(), 'Acme');
    await onA.utcOffset.write('+01:00');
    const denied = (e: unknown) => e instanceof ServerError && e.responseCode === '4.01';
    await assert.rejects(onB.utcOffset.write('+05:00'), denied);
    assert.equal(await onA.utcOffset.read(), '+01:00', 'the refused Write changed nothing');
    await assert.rejects(onB.reboot.execute(), denied);
    assert.equal(reboots, 0);
    await onA.reboot.execute();
    assert.equal(reboots, 1);
  } finally {
    await cleanup();
    await Promise.all([a.stop(), b.stop()]);
  }
});
