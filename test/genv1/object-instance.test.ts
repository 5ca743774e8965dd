/** Generated instance classes at run time: values checked against the descriptor on the way in. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Device, LwM2MServer, coreRegistry } from '../../registry/index.js';
import { ModelError } from '../../runtime/model/model-error.js';

const base = { errorCode: new Map([[0, 0]]), supportedBindingAndModes: 'UQ', reboot: () => {} };

test('values, getters, multiple resources and execute handlers', async () => {
  let rebooted: string | undefined = 'never';
  let level = 57;
  const device = new Device.Instance(0, { ...base, manufacturer: 'Acme', batteryLevel: () => level, reboot: (args) => { rebooted = args; } });
  assert.equal(device.path, '/3/0');
  assert.equal(await device.manufacturer.get(), 'Acme');
  assert.equal(await device.batteryLevel.get(), 57);
  level = 58;
  assert.equal(await device.batteryLevel.get(), 58, 'a getter is called on each read');
  assert.deepEqual(await device.errorCode.get(), new Map([[0, 0]]));
  assert.equal(await device.modelNumber.get(), undefined);
  await device.reboot.execute("0='now'");
  assert.equal(rebooted, "0='now'");
  assert.deepEqual(device.presentResources(), [0, 4, 9, 11, 16]);
  assert.equal(device.constructor.name, 'DeviceInstance');
});

test('set() checks type and range, stores, and tells the listeners', async () => {
  const device = new Device.Instance(0, { ...base, batteryLevel: 50 });
  const changes: number[] = [];
  const off = device.onChange((_, id) => changes.push(id));
  device.batteryLevel.set(100);
  assert.equal(await device.batteryLevel.get(), 100);
  assert.throws(() => device.batteryLevel.set(101), (e: unknown) => {
    assert.ok(e instanceof ModelError);
    assert.equal(e.code, 'E_VALUE_RANGE');
    assert.match(e.message, /object 3 \(Device\) resource 9 \(Battery Level\): value 101 is outside the range 0\.\.100/);
    return true;
  });
  assert.equal(await device.batteryLevel.get(), 100, 'a refused value changes nothing');
  assert.throws(() => device.batteryLevel.set(1.5), /E_VALUE_TYPE|not of type integer|signed 64-bit/);
  assert.throws(() => device.errorCode.set(new Map([[0, 33]])), /outside the range 0\.\.32/);
  device.errorCode.set(new Map([[0, 1], [3, 2]]));
  off();
  device.batteryLevel.set(99);
  assert.deepEqual(changes, [9, 11]);
});

test('construction refuses unknown resources, bad values and missing mandatory ones', () => {
  assert.throws(() => new Device.Instance(0, { ...base, batteryLevel: 200 }), /Battery Level.*outside the range/);
  assert.throws(() => new Device.Instance(0, { ...base, nonsense: 1 } as never), /has no resource "nonsense"/);
  assert.throws(() => new Device.Instance(0, { errorCode: new Map(), reboot: () => {} } as never), /resource 16 \(Supported Binding and Modes\) is mandatory/);
  assert.throws(() => new Device.Instance(65535, base), /instance id 65535 is not in 0\.\.65534/);
  assert.throws(() => new Device.Instance(0, { ...base, errorCode: 0 } as never), /multiple resource: give a Map/);
});

test('the core registry holds every version of the core objects, newest by default', () => {
  assert.deepEqual(coreRegistry.ids(), [0, 1, 2, 3, 4, 5, 6, 7, 21]);
  assert.deepEqual(coreRegistry.versions(3), ['1.0', '1.1', '1.2']);
  assert.equal(coreRegistry.get(3), Device.descriptor);
  assert.equal(coreRegistry.get(1)?.version, LwM2MServer.descriptor.version);
  assert.equal(coreRegistry.get(1, '1.0')?.resources.length, 9);
  assert.equal(coreRegistry.size, 23);
});
