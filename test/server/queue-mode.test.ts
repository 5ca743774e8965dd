/** Queue mode: requests to a sleeping client wait for its next Update, then go out in order. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { Device } from '../../registry/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { FakeDevice } from './fixtures/fake-device.js';

let server: LwM2MServer;
let device: FakeDevice;
before(async () => {
  server = new LwM2MServer({ port: 0, queueAwakeMs: 300, requestTimeoutMs: 5000 });
  await server.start();
  device = await FakeDevice.start();
});
after(async () => {
  await device.close();
  await server.stop();
});

test('awake after Register, sleeping after the awake time, a waiting Read goes out on Update', async () => {
  const awake = once(server, 'awake');
  assert.equal(await device.register(server.address(), ['ep=sleepy', 'lwm2m=1.1', 'Q']), 0x41);
  assert.deepEqual(await awake, ['sleepy']);
  const dev = server.client('sleepy').object(Device).instance(0);
  assert.equal(await dev.batteryLevel.read(), 57, 'awake: the Read goes out at once');

  await once(server, 'sleeping');
  const before = device.requests.length;
  let done = false;
  const pending = dev.batteryLevel.read().then((v) => { done = true; return v; });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(done, false, 'asleep: the Read waits');
  assert.equal(device.requests.length, before, 'nothing was sent to the sleeping client');

  device.values.set(9, { kind: 'resource', id: 9, value: 61 });
  const woke = once(server, 'awake');
  assert.equal(await device.update(server.address()), 0x44);
  await woke;
  assert.equal(await pending, 61);
  assert.match(device.requests.at(-1)!, /^GET \/3\/0\/9/);
});

test('a client without Q is never queued', async () => {
  const plain = await FakeDevice.start();
  try {
    await plain.register(server.address(), ['ep=plain', 'lwm2m=1.1']);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await server.client('plain').object(Device).instance(0).batteryLevel.read(), 57);
  } finally {
    await plain.close();
  }
});
