/**
 * The server's observations in its stores, over real UDP with a scripted device: observe and
 * cancel keep the store in step; de-registration, a new Register and expiry empty it; and a
 * server started afresh on the same port with the same stores (memory objects handed over, or
 * Redis) matches notifications again, or answers RST when the store cannot vouch for the token.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { decode, encode } from '../../runtime/coap/codec.js';
import { MessageType } from '../../runtime/coap/codes.js';
import type { ObservationEndReason } from '../../runtime/coap/observe.js';
import { encodeUint } from '../../runtime/coap/options.js';
import type { LwM2MNode } from '../../runtime/model/node.js';
import { LwM2MServer, MemoryObservationStore, MemoryRegistrationStore, RedisObservationStore, RedisRegistrationStore, type ObservationStore, type Registration, type RegistrationStore, type StoredObservation } from '../../runtime/server/index.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { FakeDevice } from './fixtures/fake-device.js';

let redis: TestRedis;
let prefixes = 0;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

interface Stores {
  readonly store: RegistrationStore;
  readonly observationStore: ObservationStore;
}
const kinds: { name: string; stores(): Stores }[] = [
  { name: 'memory', stores: () => ({ store: new MemoryRegistrationStore(), observationStore: new MemoryObservationStore() }) },
  {
    name: 'redis',
    stores: () => {
      const prefix = { prefix: `obs${++prefixes}:` };
      return { store: new RedisRegistrationStore(redis.redis, prefix), observationStore: new RedisObservationStore(redis.redis, prefix) };
    },
  },
];

async function started(stores: Stores, port = 0, extra: { now?: () => number; expiryCheckMs?: number } = {}): Promise<LwM2MServer> {
  const server = new LwM2MServer({ port, ...stores, ...extra, requestTimeoutMs: 3000, coap: { parameters: { ackTimeoutMs: 300 } } });
  await server.start();
  return server;
}

async function registered(server: LwM2MServer, device: FakeDevice, ep: string): Promise<Registration> {
  const event = once(server, 'registered') as Promise<[Registration]>;
  assert.equal(await device.register(server.address(), [`ep=${ep}`, 'lt=60', 'lwm2m=1.1', 'b=U']), 0x41);
  return (await event)[0];
}

const nextNotification = (server: LwM2MServer): Promise<[string, string, LwM2MNode, StoredObservation]> =>
  once(server, 'notification') as Promise<[string, string, LwM2MNode, StoredObservation]>;

function observerEnd(device: FakeDevice): Promise<ObservationEndReason> {
  return new Promise((ok) => device.observer!.onEnd(ok));
}

const valueOf = (node: LwM2MNode): unknown => (node.kind === 'resource' ? node.value : node);

for (const kind of kinds) {
  describe(`${kind.name} stores`, () => {
    test('observe keeps the observation in the store; its notifications reach the listener and the notification event; cancel takes it out', { timeout: 15_000 }, async () => {
      const stores = kind.stores();
      const server = await started(stores);
      const device = await FakeDevice.start();
      try {
        const reg = await registered(server, device, 'obs-1');
        const seen: unknown[] = [];
        const handle = await server.client('obs-1').observe('/3/0/9', (n) => seen.push(valueOf(n)), { attributes: { pmin: 0, gt: 60 } });
        assert.ok(device.requests.includes('PUT /3/0/9?pmin=0&gt=60 accept=- cf=-'), device.requests.join('\n'));
        const [stored] = await server.client('obs-1').observations();
        assert.ok(stored !== undefined);
        assert.equal(stored.registrationId, reg.id);
        assert.equal(stored.endpoint, 'obs-1');
        assert.deepEqual(stored.paths, ['/3/0/9']);
        assert.equal(stored.composite, false);
        assert.deepEqual(stored.attributes, { pmin: 0, gt: 60 });
        assert.match(stored.token, /^[0-9a-f]{2,16}$/);
        assert.deepEqual(await stores.observationStore.get(stored.token), stored);

        const n = nextNotification(server);
        await device.set(9, 61);
        const [endpoint, path, node, o] = await n;
        assert.deepEqual([endpoint, path, valueOf(node), o.token], ['obs-1', '/3/0/9', 61, stored.token]);
        assert.deepEqual(seen, [57, 61]);

        const ended = observerEnd(device);
        await handle.cancel();
        assert.equal(await ended, 'cancelled');
        assert.deepEqual(await server.client('obs-1').observations(), []);
        assert.equal(await stores.observationStore.get(stored.token), undefined);
      } finally {
        await device.close();
        await server.stop();
      }
    });

    test('de-registration, a new Register of the same endpoint, and expiry remove the registration\'s observations', { timeout: 15_000 }, async () => {
      let clock = Date.now();
      const stores = kind.stores();
      const server = await started(stores, 0, { now: () => clock, expiryCheckMs: 20 });
      const device = await FakeDevice.start();
      try {
        const settled = async (id: string): Promise<StoredObservation[]> => {
          // The server removes them right after its event; give the store a moment.
          for (let i = 0; i < 100; i++) {
            const left = await stores.observationStore.byRegistration(id);
            if (left.length === 0) return left;
            await new Promise((r) => setTimeout(r, 10));
          }
          return stores.observationStore.byRegistration(id);
        };
        // De-register.
        let reg = await registered(server, device, 'obs-2');
        await server.client('obs-2').observe('/3/0/9', () => undefined);
        assert.equal((await stores.observationStore.byRegistration(reg.id)).length, 1);
        const gone = once(server, 'deregistered');
        assert.equal(await device.deregister(server.address()), 0x42);
        await gone;
        assert.deepEqual(await settled(reg.id), []);

        // A new Register of the same endpoint starts afresh.
        reg = await registered(server, device, 'obs-2');
        await server.client('obs-2').observe('/3/0/9', () => undefined);
        const again = await registered(server, device, 'obs-2');
        assert.notEqual(again.id, reg.id);
        assert.deepEqual(await settled(reg.id), []);

        // Expiry.
        await server.client('obs-2').observe('/3/0/9', () => undefined);
        assert.equal((await stores.observationStore.byRegistration(again.id)).length, 1);
        const expired = once(server, 'expired');
        clock += 61_000;
        await expired;
        assert.deepEqual(await settled(again.id), []);
      } finally {
        await device.close();
        await server.stop();
      }
    });

    test('a server started afresh on the same port with the same stores gets the notifications of a stored observation', { timeout: 15_000 }, async () => {
      const stores = kind.stores();
      const first = await started(stores);
      const port = first.address().port;
      const device = await FakeDevice.start();
      let second: LwM2MServer | undefined;
      try {
        await registered(first, device, 'obs-3');
        await first.client('obs-3').observe('/3/0/9', () => undefined);
        const [stored] = await stores.observationStore.byRegistration((await stores.store.byEndpoint('obs-3'))!.id);
        await first.stop();

        second = await started(stores, port);
        // The registration is still there: device management goes on without a new Register.
        assert.equal(valueOf(await second.client('obs-3').read('/3/0/0')), 'Acme');
        let n = nextNotification(second);
        await device.set(9, 42);
        let [endpoint, path, node, o] = await n;
        assert.deepEqual([endpoint, path, valueOf(node), o.token], ['obs-3', '/3/0/9', 42, stored!.token]);
        n = nextNotification(second);
        await device.set(9, 43);
        [endpoint, path, node] = await n;
        assert.deepEqual([endpoint, path, valueOf(node)], ['obs-3', '/3/0/9', 43]);
        assert.equal(device.observer!.active, true);
        assert.deepEqual((await second.client('obs-3').observations()).map((x) => x.token), [stored!.token]);

        // Cancelled from the new process, on the old token.
        const ended = observerEnd(device);
        assert.equal(await second.client('obs-3').cancelObservations('/3/0/9'), 1);
        assert.equal(await ended, 'cancelled');
        assert.deepEqual(await second.client('obs-3').observations(), []);
      } finally {
        await device.close();
        await first.stop();
        await second?.stop();
      }
    });

    test('a notification on a token the store does not hold, or of a registration that is gone, is answered with RST', { timeout: 15_000 }, async () => {
      const stores = kind.stores();
      const first = await started(stores);
      const port = first.address().port;
      const device = await FakeDevice.start();
      let second: LwM2MServer | undefined;
      try {
        // Unknown token.
        const reg = await registered(first, device, 'obs-4');
        await first.client('obs-4').observe('/3/0/9', () => undefined);
        const [stored] = await stores.observationStore.byRegistration(reg.id);
        await first.stop();
        await stores.observationStore.remove(stored!.token);
        second = await started(stores, port);
        let notified = false;
        second.on('notification', () => { notified = true; });
        let ended = observerEnd(device);
        await device.set(9, 10);
        assert.equal(await ended, 'reset');

        // A stored token whose registration is gone.
        await second.client('obs-4').observe('/3/0/9', () => undefined);
        const [again] = await stores.observationStore.byRegistration(reg.id);
        await second.stop();
        await stores.store.remove(reg.id);
        second = await started(stores, port);
        second.on('notification', () => { notified = true; });
        ended = observerEnd(device);
        await device.set(9, 11);
        assert.equal(await ended, 'reset');
        assert.equal(await stores.observationStore.get(again!.token), undefined);
        assert.equal(notified, false);
      } finally {
        await device.close();
        await first.stop();
        await second?.stop();
      }
    });
  });
}

/** Sends a NON 2.05 notification with this token from a socket of its own; resolves with the answer's type (or 'none'). */
async function spoofNotification(server: LwM2MServer, tokenHex: string): Promise<string> {
  const sock = createSocket('udp4');
  await new Promise<void>((ok) => sock.bind(0, '127.0.0.1', ok));
  try {
    const mid = 4242;
    const bytes = encode({ type: MessageType.NON, code: 0x45, messageId: mid, token: new Uint8Array(Buffer.from(tokenHex, 'hex')), options: [{ number: 6, value: encodeUint(9) }, { number: 12, value: encodeUint(0) }], payload: new TextEncoder().encode('1') });
    const answer = new Promise<string>((ok) => {
      const t = setTimeout(() => ok('none'), 1500);
      sock.once('message', (msg) => {
        clearTimeout(t);
        const r = decode(new Uint8Array(msg));
        ok(r.ok && r.message.messageId === mid ? (r.message.type === MessageType.RST ? 'RST' : `type ${r.message.type}`) : 'other');
      });
    });
    sock.send(bytes, server.address().port, '127.0.0.1');
    return await answer;
  } finally {
    sock.close();
  }
}

test('a notification on a stored token from another address gets RST and the observation stays; an unknown token gets RST', { timeout: 15_000 }, async () => {
  const stores = { store: new MemoryRegistrationStore(), observationStore: new MemoryObservationStore() };
  const first = await started(stores);
  const port = first.address().port;
  const device = await FakeDevice.start();
  let second: LwM2MServer | undefined;
  try {
    const reg = await registered(first, device, 'obs-5');
    await first.client('obs-5').observe('/3/0/9', () => undefined);
    const [stored] = await stores.observationStore.byRegistration(reg.id);
    await first.stop();
    second = await started(stores, port);
    let notified = 0;
    second.on('notification', () => { notified++; });
    assert.equal(await spoofNotification(second, stored!.token), 'RST');
    assert.equal(await spoofNotification(second, '0102030405060708'), 'RST');
    assert.equal(notified, 0);
    assert.deepEqual(await stores.observationStore.get(stored!.token), stored);
    // The real client is still heard.
    const n = nextNotification(second);
    await device.set(9, 12);
    assert.equal(valueOf((await n)[2]), 12);
  } finally {
    await device.close();
    await first.stop();
    await second?.stop();
  }
});
