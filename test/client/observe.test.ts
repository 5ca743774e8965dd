/**
 * Observe on the client, driven by our server over UDP: notifications follow the attributes,
 * with a manual clock for pmin and pmax (no sleeping through periods).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Device } from '../../registry/index.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { ManualClock } from '../coap/helpers.js';
import { cleanup, registeredClient } from './helpers.js';

const clock = new ManualClock();
let server: LwM2MServer;
let device: BasicDevice;
let free = 1000;

before(async () => {
  server = new LwM2MServer({ port: 0 });
  await server.start();
  device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 50, memoryFree: () => free });
  await registeredClient(server, { endpoint: 'observed', objects: [device], clock });
});
after(async () => {
  await cleanup();
  await server.stop();
});

/** Collects notifications; next() waits for one (real time, bounded), quiet() asserts none came. */
function collector() {
  const values: number[] = [];
  let waiter: (() => void) | undefined;
  return {
    listener: (v: number) => {
      values.push(v);
      waiter?.();
    },
    values,
    async next(): Promise<number> {
      const seen = values.length;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no notification (have ${JSON.stringify(values)})`)), 3000);
        waiter = () => { if (values.length > seen) { clearTimeout(t); resolve(); } };
      });
      return values.at(-1)!;
    },
    async quiet(ms = 300): Promise<void> {
      const seen = values.length;
      await new Promise((r) => setTimeout(r, ms));
      assert.equal(values.length, seen, `no notification expected, got ${JSON.stringify(values.slice(seen))}`);
    },
  };
}

const battery = () => server.client('observed').object(Device).instance(0).batteryLevel;

test('no attributes: the first Read, then every change', async () => {
  const c = collector();
  const obs = await battery().observe(c.listener);
  assert.deepEqual(c.values, [50]);
  device.batteryLevel.set(51);
  assert.equal(await c.next(), 51);
  device.batteryLevel.set(52);
  assert.equal(await c.next(), 52);
  await obs.cancel();
  device.batteryLevel.set(53);
  await c.quiet();
});

test('gt and lt: a crossing in either direction notifies, moves on one side do not', async () => {
  device.batteryLevel.set(50);
  const c = collector();
  const obs = await battery().observe({ gt: 80, lt: 20 }, c.listener);
  device.batteryLevel.set(60);
  await c.quiet();
  device.batteryLevel.set(85);
  assert.equal(await c.next(), 85, 'up through gt');
  device.batteryLevel.set(90);
  await c.quiet();
  device.batteryLevel.set(70);
  assert.equal(await c.next(), 70, 'down through gt');
  device.batteryLevel.set(10);
  assert.equal(await c.next(), 10, 'down through lt');
  await obs.cancel();
});

test('st: a step of at least st from the last value sent', async () => {
  // Write-Attributes merges: gt/lt of the previous test are removed with value-less parameters.
  await server.client('observed').clearAttributes('/3/0/9', ['gt', 'lt']);
  device.batteryLevel.set(50);
  const c = collector();
  const obs = await battery().observe({ st: 10 }, c.listener);
  device.batteryLevel.set(55);
  await c.quiet();
  device.batteryLevel.set(61);
  assert.equal(await c.next(), 61);
  device.batteryLevel.set(65);
  await c.quiet();
  await obs.cancel();
});

test('pmin holds a change back until it has passed; pmax sends without a change', async () => {
  await server.client('observed').clearAttributes('/3/0/9', ['st']);
  const c = collector();
  const obs = await battery().observe({ pmin: 10, pmax: 30 }, c.listener);
  const first = c.values.length;
  device.batteryLevel.set(40);
  await c.quiet();
  device.batteryLevel.set(41);
  clock.advance(10_000);
  assert.equal(await c.next(), 41, 'one notification when pmin has passed, with the latest value');
  assert.equal(c.values.length, first + 1);
  clock.advance(30_000);
  assert.equal(await c.next(), 41, 'pmax: a notification without a change');
  await obs.cancel();
});

test('epmax: a value from a getter is evaluated that often, and a change found is notified', async () => {
  const c = collector();
  const memory = server.client('observed').object(Device).instance(0).memoryFree;
  const obs = await memory.observe({ epmax: 5 }, c.listener);
  assert.deepEqual(c.values, [1000]);
  clock.advance(5_000);
  await c.quiet();
  free = 900;
  clock.advance(5_000);
  assert.equal(await c.next(), 900);
  await obs.cancel();
});

test('epmin: changes inside it are evaluated once it has passed, with the value of that moment', async () => {
  await server.client('observed').clearAttributes('/3/0/9', ['pmin', 'pmax']);
  device.batteryLevel.set(20);
  const c = collector();
  const obs = await battery().observe({ epmin: 10, epmax: 60 }, c.listener);
  assert.deepEqual(c.values, [20]);
  device.batteryLevel.set(21);
  device.batteryLevel.set(22);
  await c.quiet();
  clock.advance(9_000);
  await c.quiet();
  clock.advance(1_000);
  assert.equal(await c.next(), 22, 'one evaluation when epmin has passed, of the value then');
  assert.deepEqual(c.values, [20, 22]);
  clock.advance(10_000);
  device.batteryLevel.set(23);
  assert.equal(await c.next(), 23, 'after epmin a change is evaluated at once');
  await obs.cancel();
});

test('an inherited pmax below pmin is ignored: only pmin paces notifications', async () => {
  await server.client('observed').clearAttributes('/3/0/9', ['epmin', 'epmax']);
  await server.client('observed').writeAttributes('/3/0', { pmax: 5 });
  const c = collector();
  const obs = await battery().observe({ pmin: 20 }, c.listener);
  const first = c.values.length;
  clock.advance(5_000);
  await c.quiet();
  device.batteryLevel.set(30);
  clock.advance(15_000);
  assert.equal(await c.next(), 30);
  assert.equal(c.values.length, first + 1, 'no pmax notification at 5 s');
  await obs.cancel();
  await server.client('observed').clearAttributes('/3/0', ['pmax']);
  await server.client('observed').clearAttributes('/3/0/9', ['pmin']);
});

test('no polling: set() on the generated resource drives the notification; a getter changing unseen is not read again without epmax', async () => {
  const c = collector();
  const memory = server.client('observed').object(Device).instance(0).memoryFree;
  await server.client('observed').clearAttributes('/3/0/10', ['epmax']); // left by the epmax test
  free = 500;
  const obs = await memory.observe(c.listener);
  assert.deepEqual(c.values, [500]);
  free = 400;
  clock.advance(3_600_000); // an hour of the client's clock: nothing reads the getter on its own
  await c.quiet();
  const b = collector();
  const obs2 = await battery().observe(b.listener);
  device.batteryLevel.set(44); // the generated accessor's set()
  assert.equal(await b.next(), 44, 'the set() itself drives the notification, with the clock standing still');
  await obs.cancel();
  await obs2.cancel();
});
