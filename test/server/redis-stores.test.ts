/**
 * What only the Redis stores have to show (the shared contract is store-contract.test.ts):
 * processes sharing a prefix share state and other prefixes do not; keys carry an expiry;
 * concurrent expiry and registration from two connections stay consistent; tagged JSON keeps
 * bytes, bigints, dates and maps; a server whose Redis is gone answers 5.00 and keeps running,
 * and an observation it cannot store is cancelled.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { LwM2MServer } from '../../runtime/server/lwm2m-server.js';
import { connectRedis } from '../../runtime/server/redis-connection.js';
import { fromStoreJson, toStoreJson } from '../../runtime/server/redis-json.js';
import { RedisObservationStore } from '../../runtime/server/redis-observation-store.js';
import { RedisRegistrationStore } from '../../runtime/server/redis-registration-store.js';
import type { Registration } from '../../runtime/server/registration.js';
import { MemoryRegistrationStore } from '../../runtime/server/registration-store.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { FakeDevice } from './fixtures/fake-device.js';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

function registration(id: string, endpoint: string, port: number, expiresAt: number): Registration {
  return {
    id, endpoint, lifetime: 60, lwm2mVersion: '1.2', binding: 'U', queueMode: false,
    objects: { rootPath: '/', contentFormats: [], objects: [{ id: 3, version: '1.2', instances: [0] }] },
    address: { address: '127.0.0.1', port }, identity: { type: 'psk', identity: `${endpoint}-id` },
    registeredAt: expiresAt - 60_000, updatedAt: expiresAt - 60_000, expiresAt,
  };
}

test('stores with the same prefix share registrations; another prefix sees none of them', async () => {
  const a = new RedisRegistrationStore(redis.redis, { prefix: 'share:' });
  const other = await connectRedis(redis.url);
  try {
    const b = new RedisRegistrationStore(other, { prefix: 'share:' });
    const c = new RedisRegistrationStore(other, { prefix: 'elsewhere:' });
    const r = registration('s1', 'shared-dev', 5001, Date.now() + 60_000);
    await a.add(r);
    assert.deepEqual(await b.byEndpoint('shared-dev'), r);
    assert.deepEqual(await b.byAddress('127.0.0.1:5001'), r);
    assert.equal(await c.byEndpoint('shared-dev'), undefined);
    assert.equal(await c.size(), 0);
    assert.deepEqual(await b.remove('s1'), r);
    assert.equal(await a.get('s1'), undefined);
  } finally {
    await other.close();
  }
});

test('registration keys expire in Redis a grace period after the registration does', async () => {
  const s = new RedisRegistrationStore(redis.redis, { prefix: 'ttl:', graceMs: 120_000 });
  const expiresAt = Date.now() + 60_000;
  await s.add(registration('t1', 'ttl-dev', 5002, expiresAt));
  for (const key of ['ttl:r:t1', 'ttl:e:ttl-dev', 'ttl:a:127.0.0.1:5002']) {
    const pttl = Number(await redis.redis.sendCommand(['PTTL', key]));
    // expiresAt + grace - now, give or take the time this test took.
    assert.ok(pttl > 170_000 && pttl <= 180_000, `${key}: PTTL ${pttl}`);
  }
});

test('observations under the same prefix expire with their registration, pushed out by its Update', async () => {
  const regs = new RedisRegistrationStore(redis.redis, { prefix: 'ttlo:', graceMs: 120_000 });
  const obs = new RedisObservationStore(redis.redis, { prefix: 'ttlo:' });
  const expiresAt = Date.now() + 60_000;
  const r = registration('to1', 'ttl-obs', 5003, expiresAt);
  await regs.add(r);
  await obs.add({ token: 'beef', registrationId: 'to1', endpoint: 'ttl-obs', paths: ['/3/0/9'], composite: false, format: 112, createdAt: 1 });
  const at = async (key: string): Promise<number> => Number(await redis.redis.sendCommand(['PEXPIRETIME', key]));
  const regAt = await at('ttlo:r:to1');
  assert.ok(regAt > expiresAt);
  assert.equal(await at('ttlo:o:beef'), regAt);
  assert.equal(await at('ttlo:or:to1'), regAt);
  await regs.replace({ ...r, expiresAt: expiresAt + 30_000 });
  const later = await at('ttlo:r:to1');
  assert.equal(later, regAt + 30_000);
  assert.equal(await at('ttlo:o:beef'), later);
  assert.equal(await at('ttlo:or:to1'), later);
  // Without a registration under the prefix, an observation has no expiry.
  await obs.add({ token: 'cafe', registrationId: 'elsewhere', endpoint: 'x', paths: ['/3/0/9'], composite: false, format: 112, createdAt: 1 });
  assert.equal(await at('ttlo:o:cafe'), -1);
});

test('two connections removing expired registrations at once get each one exactly once', async () => {
  const other = await connectRedis(redis.url);
  try {
    const a = new RedisRegistrationStore(redis.redis, { prefix: 'race:' });
    const b = new RedisRegistrationStore(other, { prefix: 'race:' });
    const base = Date.now();
    for (let i = 0; i < 40; i++) await a.add(registration(`x${i}`, `race-${i}`, 6000 + i, base + (i < 30 ? -1000 : 60_000)));
    const [ga, gb] = await Promise.all([a.removeExpired(base), b.removeExpired(base)]);
    const ids = [...ga, ...gb].map((r) => r.id).sort();
    assert.deepEqual(ids, Array.from({ length: 30 }, (_, i) => `x${i}`).sort());
    assert.equal(await a.size(), 10);
  } finally {
    await other.close();
  }
});

test('the same endpoint registered through two connections at once ends with one registration and consistent indexes', async () => {
  const other = await connectRedis(redis.url);
  try {
    const a = new RedisRegistrationStore(redis.redis, { prefix: 'dup:' });
    const b = new RedisRegistrationStore(other, { prefix: 'dup:' });
    const t = Date.now() + 60_000;
    const [ra, rb] = await Promise.all([a.add(registration('d1', 'same', 7001, t)), b.add(registration('d2', 'same', 7002, t))]);
    // One of the two came second and replaced the other.
    assert.equal([ra, rb].filter((x) => x !== undefined).length, 1);
    const winner = (await a.byEndpoint('same'))!;
    const loser = winner.id === 'd1' ? 'd2' : 'd1';
    assert.equal(await a.size(), 1);
    assert.equal(await a.get(loser), undefined);
    assert.equal(await a.byAddress(`127.0.0.1:${loser === 'd1' ? 7001 : 7002}`), undefined);
    assert.equal((await a.byAddress(`127.0.0.1:${winner.address.port}`))?.id, winner.id);
  } finally {
    await other.close();
  }
});

test('tagged JSON keeps bytes, Buffers, bigints beyond 2^64, dates and maps; plain objects stay plain', () => {
  const value = {
    bytes: new Uint8Array([0, 1, 254, 255]), buffer: Buffer.from('hi'), big: 2n ** 64n + 1n, negative: -(2n ** 63n),
    when: new Date('2026-11-25T12:00:00.000Z'), map: new Map<number, unknown>([[0, 'a'], [7, new Uint8Array([9])]]),
    nested: [{ deep: new Date(0) }], plain: { $other: 1, two: 2 }, nothing: null,
  };
  const back = fromStoreJson<typeof value>(toStoreJson(value));
  assert.deepEqual(back.bytes, value.bytes);
  assert.ok(back.bytes instanceof Uint8Array);
  assert.deepEqual([...back.buffer], [...value.buffer]);
  assert.equal(back.big, value.big);
  assert.equal(back.negative, value.negative);
  assert.equal(back.when.getTime(), value.when.getTime());
  assert.deepEqual(back.map, value.map);
  assert.equal(back.nested[0]!.deep.getTime(), 0);
  assert.deepEqual(back.plain, { $other: 1, two: 2 });
  assert.equal(back.nothing, null);
});

test('a server whose Redis is gone answers a Register with 5.00 at once, keeps running, and registers again once Redis is back', { timeout: 20_000 }, async () => {
  const own = await startRedis();
  const conn = await connectRedis(own.url);
  const server = new LwM2MServer({ port: 0, store: new RedisRegistrationStore(conn, { prefix: 'down:' }), observationStore: new RedisObservationStore(conn, { prefix: 'down:' }) });
  await server.start();
  const device = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  const register = () => device.request(server.address(), { method: 'POST', path: ['rd'], query: ['ep=down-dev', 'lt=60'], contentFormat: 40, payload: '</3/0>', timeoutMs: 5000 });
  try {
    assert.equal((await register()).code, 0x41);
    await own.kill();
    assert.equal((await register()).code, 0xa0);
    assert.equal((await register()).code, 0xa0);
    // Still serving: a request outside the registration interface gets its 4.04.
    assert.equal((await device.request(server.address(), { method: 'GET', path: ['nothing'], timeoutMs: 5000 })).code, 0x84);
    // The connection comes back by itself (with back-off): Register until it does.
    await own.restart();
    let code = 0;
    for (let i = 0; i < 100 && code !== 0x41; i++) {
      code = (await register()).code;
      if (code !== 0x41) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(code, 0x41);
    assert.equal((await server.store.byEndpoint('down-dev'))?.endpoint, 'down-dev');
  } finally {
    await device.close();
    await server.stop();
    await conn.close();
    await own.stop();
  }
});

test('an observation the store cannot keep is not kept: observe rejects and the device sees it cancelled', { timeout: 20_000 }, async () => {
  const own = await startRedis();
  const conn = await connectRedis(own.url);
  const server = new LwM2MServer({ port: 0, store: new MemoryRegistrationStore(), observationStore: new RedisObservationStore(conn, { prefix: 'lost:' }), requestTimeoutMs: 3000 });
  await server.start();
  const device = await FakeDevice.start();
  try {
    const registered = once(server, 'registered');
    assert.equal(await device.register(server.address(), ['ep=lost-dev', 'lt=60', 'lwm2m=1.1']), 0x41);
    await registered;
    await own.kill();
    await assert.rejects(server.client('lost-dev').observe('/3/0/9', () => undefined), /offline|closed|connect/i);
    assert.equal(device.observer?.endedBy, 'cancelled');
  } finally {
    await device.close();
    await server.stop();
    await conn.close();
    await own.stop();
  }
});
