/**
 * The store contract, run against the in-memory stores and the Redis stores (a redis-server of
 * the test's own): what one puts in comes back equal (bytes, bigints and object links too),
 * indexes follow every change, and expiry hands each registration out once.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MemoryObservationStore, type ObservationStore, type StoredObservation } from '../../runtime/server/observation-store.js';
import { RedisObservationStore } from '../../runtime/server/redis-observation-store.js';
import { RedisRegistrationStore } from '../../runtime/server/redis-registration-store.js';
import { RedisSecurityStore } from '../../runtime/server/redis-security-store.js';
import type { Registration } from '../../runtime/server/registration.js';
import { MemoryRegistrationStore, type RegistrationStore } from '../../runtime/server/registration-store.js';
import { MemorySecurityStore, type SecurityStore } from '../../runtime/server/security-store.js';
import { ServerError } from '../../runtime/server/server-error.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
let prefixes = 0;
const fresh = (): { prefix: string } => ({ prefix: `contract${++prefixes}:` });

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

interface Kind {
  readonly name: string;
  registrations(): RegistrationStore;
  observations(): ObservationStore;
  security(): SecurityStore;
}

const kinds: Kind[] = [
  { name: 'memory', registrations: () => new MemoryRegistrationStore(), observations: () => new MemoryObservationStore(), security: () => new MemorySecurityStore() },
  {
    name: 'redis',
    registrations: () => new RedisRegistrationStore(redis.redis, fresh()),
    observations: () => new RedisObservationStore(redis.redis, fresh()),
    security: () => new RedisSecurityStore(redis.redis, fresh()),
  },
];

const spki = (): Uint8Array => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));

function registration(id: string, endpoint: string, port: number, extra: Partial<Registration> = {}): Registration {
  const now = 1_700_000_000_000;
  return {
    id, endpoint, lifetime: 60, lwm2mVersion: '1.1', binding: 'U', queueMode: false,
    objects: { rootPath: '/', contentFormats: [112, 11543], objects: [{ id: 1, version: '1.1', instances: [0] }, { id: 3, version: '1.1', instances: [0] }, { id: 3303, version: '1.0', instances: [0, 1] }] },
    address: { address: '127.0.0.1', port }, registeredAt: now, updatedAt: now, expiresAt: now + 60_000,
    ...extra,
  };
}

function observation(token: string, registrationId: string, path: string, createdAt: number): StoredObservation {
  return { token, registrationId, endpoint: `ep-${registrationId}`, paths: [path], composite: false, format: 112, attributes: { pmin: 1, gt: 20.5 }, createdAt };
}

for (const kind of kinds) {
  describe(`${kind.name} registration store`, () => {
    test('a registration comes back equal, by id, endpoint and address (identity bytes, sms, object model)', async () => {
      const s = kind.registrations();
      const cert = new Uint8Array([0x30, 0x82, 0, 1, 0xff, 0x00]);
      const r = registration('a1', 'urn:dev:1', 5001, { sms: '+331234', queueMode: true, identity: { type: 'x509', subject: 'C=FR\nCN=urn:dev:1', certificate: cert } });
      assert.equal(await s.add(r), undefined);
      for (const got of [await s.get('a1'), await s.byEndpoint('urn:dev:1'), await s.byAddress('127.0.0.1:5001')]) {
        assert.deepEqual(got, r);
      }
      const got = (await s.get('a1'))!;
      assert.ok(got.identity?.type === 'x509' && got.identity.certificate instanceof Uint8Array);
      const rpk = registration('a2', 'dev-rpk', 5002, { identity: { type: 'rpk', publicKey: spki() } });
      await s.add(rpk);
      assert.deepEqual(await s.byEndpoint('dev-rpk'), rpk);
      assert.equal(await s.size(), 2);
      assert.deepEqual((await s.all()).map((x) => x.id).sort(), ['a1', 'a2']);
    });

    test('a new registration of the same endpoint replaces the old one and is returned with it', async () => {
      const s = kind.registrations();
      const old = registration('b1', 'dev', 5001);
      await s.add(old);
      const next = registration('b2', 'dev', 5002);
      assert.deepEqual(await s.add(next), old);
      assert.equal(await s.get('b1'), undefined);
      assert.equal(await s.byAddress('127.0.0.1:5001'), undefined);
      assert.deepEqual(await s.byEndpoint('dev'), next);
      assert.equal(await s.size(), 1);
    });

    test('replace moves the address index; an unknown id is not replaced', async () => {
      const s = kind.registrations();
      const r = registration('c1', 'dev', 5001);
      await s.add(r);
      const moved = { ...r, address: { address: '127.0.0.1', port: 6001 }, updatedAt: r.updatedAt + 1000, expiresAt: r.expiresAt + 1000 };
      assert.equal(await s.replace(moved), true);
      assert.equal(await s.byAddress('127.0.0.1:5001'), undefined);
      assert.deepEqual(await s.byAddress('127.0.0.1:6001'), moved);
      assert.deepEqual(await s.get('c1'), moved);
      assert.equal(await s.replace(registration('nope', 'other', 7000)), false);
      assert.equal(await s.byEndpoint('other'), undefined);
    });

    test('removing a registration leaves an index another one took over in place', async () => {
      const s = kind.registrations();
      await s.add(registration('d1', 'one', 5001));
      // A second client now sits at the first one's address.
      await s.add(registration('d2', 'two', 5001));
      assert.equal((await s.byAddress('127.0.0.1:5001'))?.id, 'd2');
      assert.equal((await s.remove('d1'))?.id, 'd1');
      assert.equal((await s.byAddress('127.0.0.1:5001'))?.id, 'd2');
      assert.equal(await s.byEndpoint('one'), undefined);
      assert.equal(await s.remove('d1'), undefined);
    });

    test('removeExpired hands each expired registration out once, and only those', async () => {
      const s = kind.registrations();
      const base = registration('e0', 'x', 1).expiresAt;
      for (let i = 1; i <= 5; i++) await s.add(registration(`e${i}`, `ep${i}`, 5000 + i, { expiresAt: base + i * 1000 }));
      const gone = await s.removeExpired(base + 3000);
      assert.deepEqual(gone.map((r) => r.id).sort(), ['e1', 'e2']);
      assert.deepEqual(await s.removeExpired(base + 3000), []);
      assert.equal(await s.byEndpoint('ep1'), undefined);
      assert.equal(await s.byAddress('127.0.0.1:5002'), undefined);
      assert.equal(await s.size(), 3);
      // An Update that pushes the expiry out keeps it.
      const r3 = (await s.get('e3'))!;
      await s.replace({ ...r3, expiresAt: base + 10_000 });
      assert.deepEqual((await s.removeExpired(base + 6000)).map((r) => r.id).sort(), ['e4', 'e5']);
      assert.deepEqual((await s.all()).map((r) => r.id), ['e3']);
    });
  });

  describe(`${kind.name} observation store`, () => {
    test('observations by token and by registration, oldest first; remove and removeByRegistration', async () => {
      const s = kind.observations();
      const a = observation('0a0b', 'r1', '/3/0/9', 1000);
      const b = observation('0c0d', 'r1', '/3/0/13', 2000);
      const c: StoredObservation = { ...observation('0e0f', 'r2', '/3303/0/5700', 1500), composite: true, paths: ['/3303/0/5700', '/3/0/9'] };
      await s.add(b);
      await s.add(a);
      await s.add(c);
      assert.deepEqual(await s.get('0a0b'), a);
      assert.deepEqual(await s.get('0e0f'), c);
      assert.deepEqual(await s.byRegistration('r1'), [a, b]);
      assert.deepEqual(await s.remove('0a0b'), a);
      assert.equal(await s.remove('0a0b'), undefined);
      assert.deepEqual(await s.byRegistration('r1'), [b]);
      assert.deepEqual(await s.removeByRegistration('r1'), [b]);
      assert.equal(await s.get('0c0d'), undefined);
      assert.deepEqual(await s.byRegistration('r1'), []);
      assert.deepEqual(await s.byRegistration('r2'), [c]);
      assert.deepEqual(await s.get('ffff'), undefined);
    });

    test('a token added again moves to its new registration', async () => {
      const s = kind.observations();
      await s.add(observation('aa', 'r1', '/3/0/9', 1));
      const moved = observation('aa', 'r2', '/3/0/9', 2);
      await s.add(moved);
      assert.deepEqual(await s.byRegistration('r1'), []);
      assert.deepEqual(await s.byRegistration('r2'), [moved]);
      assert.deepEqual(await s.get('aa'), moved);
    });
  });

  describe(`${kind.name} security store`, () => {
    test('entries by endpoint, PSK identity, public key and CN; keys stay bytes', async () => {
      const s = kind.security();
      const key = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
      const pub = spki();
      await s.set({ endpoint: 'p', credentials: { mode: 'psk', identity: 'p-id', key } });
      await s.set({ endpoint: 'r', credentials: { mode: 'rpk', publicKey: pub } });
      await s.set({ endpoint: 'urn:dev:x', credentials: { mode: 'x509' } });
      await s.set({ endpoint: 'open', allowNoSec: true });
      const p = await s.byPskIdentity('p-id');
      assert.deepEqual(p, { endpoint: 'p', credentials: { mode: 'psk', identity: 'p-id', key }, allowNoSec: false });
      assert.ok(p?.credentials?.mode === 'psk' && p.credentials.key instanceof Uint8Array);
      assert.equal((await s.byPublicKey(pub))?.endpoint, 'r');
      assert.equal(await s.byPublicKey(spki()), undefined);
      assert.equal((await s.byCommonName('urn:dev:x'))?.endpoint, 'urn:dev:x');
      assert.deepEqual(await s.get('open'), { endpoint: 'open', allowNoSec: true });
      assert.equal(await s.byPskIdentity('nobody'), undefined);
      assert.deepEqual((await s.all()).map((e) => e.endpoint).sort(), ['open', 'p', 'r', 'urn:dev:x']);
    });

    test('credentials belong to one endpoint; new credentials free the old ones; remove', async () => {
      const s = kind.security();
      await s.set({ endpoint: 'a', credentials: { mode: 'psk', identity: 'id-1', key: new Uint8Array([1]) } });
      await assert.rejects(s.set({ endpoint: 'b', credentials: { mode: 'psk', identity: 'id-1', key: new Uint8Array([2]) } }), (e: unknown) => e instanceof ServerError && e.code === 'E_ARGUMENT');
      assert.equal(await s.get('b'), undefined);
      await s.set({ endpoint: 'a', credentials: { mode: 'psk', identity: 'id-2', key: new Uint8Array([3]) } });
      assert.equal(await s.byPskIdentity('id-1'), undefined);
      await s.set({ endpoint: 'b', credentials: { mode: 'psk', identity: 'id-1', key: new Uint8Array([2]) } });
      assert.equal((await s.byPskIdentity('id-1'))?.endpoint, 'b');
      assert.equal((await s.remove('a'))?.endpoint, 'a');
      assert.equal(await s.byPskIdentity('id-2'), undefined);
      assert.equal(await s.remove('a'), undefined);
      await assert.rejects(s.set({ endpoint: '', allowNoSec: true }), (e: unknown) => e instanceof ServerError && e.code === 'E_ARGUMENT');
      await assert.rejects(s.set({ endpoint: 'k', credentials: { mode: 'rpk', publicKey: new Uint8Array([1, 2]) } }), (e: unknown) => e instanceof ServerError && e.code === 'E_ARGUMENT');
    });

    test('watch tells each set and remove made through the store, with the entries before and after', async () => {
      const s = kind.security();
      const changes: { endpoint: string; previous: unknown; current: unknown }[] = [];
      const unwatch = s.watch!((c) => changes.push({ endpoint: c.endpoint, previous: c.previous?.credentials, current: c.current?.credentials }));
      const k1 = new Uint8Array([1]);
      const k2 = new Uint8Array([2]);
      await s.set({ endpoint: 'w', credentials: { mode: 'psk', identity: 'w-1', key: k1 } });
      await s.set({ endpoint: 'w', credentials: { mode: 'psk', identity: 'w-2', key: k2 } });
      await assert.rejects(s.set({ endpoint: 'v', credentials: { mode: 'psk', identity: 'w-2', key: k2 } }));
      await s.remove('w');
      await s.remove('w');
      unwatch();
      await s.set({ endpoint: 'after', allowNoSec: true });
      assert.deepEqual(changes, [
        { endpoint: 'w', previous: undefined, current: { mode: 'psk', identity: 'w-1', key: k1 } },
        { endpoint: 'w', previous: { mode: 'psk', identity: 'w-1', key: k1 }, current: { mode: 'psk', identity: 'w-2', key: k2 } },
        { endpoint: 'w', previous: { mode: 'psk', identity: 'w-2', key: k2 }, current: undefined },
      ]);
    });

    test('a caller changing its key buffer later does not change what the store trusts', async () => {
      const s = kind.security();
      const key = new Uint8Array([9, 9, 9]);
      await s.set({ endpoint: 'm', credentials: { mode: 'psk', identity: 'm-id', key } });
      key[0] = 0;
      const got = await s.get('m');
      assert.ok(got?.credentials?.mode === 'psk');
      assert.deepEqual([...got.credentials.key], [9, 9, 9]);
    });
  });
}
