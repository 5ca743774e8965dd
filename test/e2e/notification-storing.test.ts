/**
 * Notification storing (/1/x/6) end to end over real UDP: our server observes a client through
 * a relay whose link is cut (the server goes away) and restored (it comes back); and a server
 * that stops, with a new one started on its port over the same stores. With storing
 * on, what changed meanwhile arrives afterwards, in order, on the same observation, and a Send
 * made meanwhile after it; with it off, nothing of the outage arrives.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { BasicDevice, LwM2MClient } from '../../runtime/client/index.js';
import type { LwM2MNode } from '../../runtime/model/node.js';
import type { LwM2MRecord } from '../../runtime/model/record.js';
import { LwM2MServer, MemoryObservationStore, MemoryRegistrationStore, type Registration } from '../../runtime/server/index.js';
import { UdpRelay } from './fixtures/udp-relay.js';

let server: LwM2MServer;
let relay: UdpRelay;
let client: LwM2MClient;
const device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 50 });
const registrations: string[] = [];

before(async () => {
  server = new LwM2MServer({ port: 0 });
  await server.start();
  relay = await UdpRelay.start(server.address());
  client = new LwM2MClient({
    endpoint: 'storing', objects: [device], lwm2mVersion: '1.2',
    servers: [{ uri: `coap://127.0.0.1:${relay.port}`, shortServerId: 1, lifetime: 60 }],
    // Short CoAP timing, so that an outage is noticed in a fraction of a second.
    coap: { ackTimeoutMs: 100, maxRetransmit: 1 }, retry: { initialDelayMs: 100, maxDelayMs: 200 }, requestTimeoutMs: 400,
  });
  client.on('registered', (r) => registrations.push(r.location));
  const registered = client.next('registered');
  await client.start();
  await registered;
});
after(async () => {
  await client.stop({ deregister: false });
  await relay.close();
  await server.stop();
});

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Values the server's observation delivers; until() waits (bounded, real time) for one. */
function collector() {
  const values: number[] = [];
  const waiters: (() => void)[] = [];
  return {
    values,
    listener: (node: LwM2MNode) => {
      if (node.kind === 'resource') values.push(node.value as number);
      for (const w of waiters.splice(0)) w();
    },
    async until(value: number, ms = 5000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!values.includes(value)) {
        if (Date.now() > deadline) throw new Error(`${value} never arrived; have ${JSON.stringify(values)}`);
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 100); });
      }
    },
  };
}

test('storing on: notifications of an outage arrive in order once the server is back, on the same observation', async () => {
  const dm = server.client('storing');
  await dm.writeAttributes('/3/0/9', { con: 1 });
  const c = collector();
  await dm.observe('/3/0/9', c.listener);
  device.batteryLevel.set(51);
  await c.until(51);
  // A round trip through the relay: the ACK of 51 has passed it before the link is cut.
  await dm.read('/3/0/9');

  relay.cut();
  const failed = client.next('registrationFailed');
  device.batteryLevel.set(52); // a CON that is never acknowledged: the client finds the server gone
  const f = await failed;
  assert.equal(f.operation, 'update', 'the client keeps its registration and retries the Update');
  // Each change is evaluated on its own turn (two sets in one turn report the later value only).
  device.batteryLevel.set(53);
  await turn();
  device.batteryLevel.set(54);
  // A Send meanwhile is stored too, with the value of its moment, and goes after the notifications.
  assert.deepEqual(await client.send(['/3/0/9'], { format: 110 }), { delivered: [], stored: [1] });
  const sent = once(server, 'send') as Promise<[Registration, readonly LwM2MRecord[]]>;
  let sendAfter = -1;
  void sent.then(() => { sendAfter = c.values.length; });
  const updated = client.next('updated');
  relay.restore();
  await updated;
  await c.until(54);
  assert.deepEqual(c.values, [50, 51, 52, 53, 54]);
  const [, records] = await sent;
  assert.deepEqual(records.map((r) => r.value), [54]);
  assert.equal(sendAfter, 5, 'the Send went after the stored notifications');
  assert.equal(registrations.length, 1, 'no new Register: the observation lived through the outage');
  assert.ok(relay.dropped > 0);
});

test('storing off (/1/x/6 false): what changed during the outage never arrives', async () => {
  const dm = server.client('storing');
  await dm.write('/1/0/6', { kind: 'resource', id: 6, value: false });
  const c = collector();
  await dm.observe('/3/0/9', c.listener);
  device.batteryLevel.set(60);
  await c.until(60);
  await dm.read('/3/0/9');

  relay.cut();
  const failedRegister = new Promise<void>((resolve) => {
    const on = (f: { operation: string }): void => { if (f.operation === 'register') { client.off('registrationFailed', on); resolve(); } };
    client.on('registrationFailed', on);
  });
  device.batteryLevel.set(61); // not acknowledged, not stored
  await failedRegister; // nothing stored: the client registers anew
  device.batteryLevel.set(62);
  const registered = client.next('registered');
  relay.restore();
  await registered;
  // The new registration ended the old observations; a new one sees only what comes now.
  const again = collector();
  await server.client('storing').observe('/3/0/9', again.listener);
  device.batteryLevel.set(63);
  await again.until(63);
  assert.deepEqual(again.values, [62, 63]);
  assert.ok(!c.values.includes(61) && !c.values.includes(62), `nothing of the outage on the old observation: ${JSON.stringify(c.values)}`);
  assert.equal(registrations.length, 2);
});

test('the server goes away and a new one comes back on its port (its stores kept): the stored notifications reach the new one', async () => {
  const store = new MemoryRegistrationStore();
  const observationStore = new MemoryObservationStore();
  const first = new LwM2MServer({ port: 0, store, observationStore });
  await first.start();
  const port = first.address().port;
  const dev = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 30 });
  const c = new LwM2MClient({
    endpoint: 'restarted', objects: [dev], lwm2mVersion: '1.2',
    servers: [{ uri: `coap://127.0.0.1:${port}`, shortServerId: 1, lifetime: 60 }],
    coap: { ackTimeoutMs: 100, maxRetransmit: 1 }, retry: { initialDelayMs: 100, maxDelayMs: 200 }, requestTimeoutMs: 400,
  });
  const registered = c.next('registered');
  await c.start();
  await registered;
  let second: LwM2MServer | undefined;
  try {
    await first.client('restarted').writeAttributes('/3/0/9', { con: 1 });
    const before = collector();
    await first.client('restarted').observe('/3/0/9', before.listener);
    dev.batteryLevel.set(31);
    await before.until(31);
    await first.client('restarted').read('/3/0/9');
    await first.stop(); // gone: nothing answers on its port

    const failed = c.next('registrationFailed');
    dev.batteryLevel.set(32);
    assert.equal((await failed).operation, 'update');
    await turn();
    dev.batteryLevel.set(33);

    second = new LwM2MServer({ port, store, observationStore });
    const got: number[] = [];
    const waiters: (() => void)[] = [];
    second.on('notification', (endpoint, path, node) => {
      if (endpoint === 'restarted' && path === '/3/0/9' && node.kind === 'resource') got.push(node.value as number);
      for (const w of waiters.splice(0)) w();
    });
    const updated = c.next('updated');
    await second.start();
    await updated;
    const deadline = Date.now() + 5000;
    while (!got.includes(33) && Date.now() < deadline) await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 100); });
    assert.deepEqual(got, [32, 33], 'the new server took the observation up again from its store and got what was stored, in order');
  } finally {
    await c.stop({ deregister: false });
    await second?.stop();
  }
});
