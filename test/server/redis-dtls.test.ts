/**
 * The DTLS server with its credentials in Redis (RedisSecurityStore), over real DTLS on
 * 127.0.0.1: the handshake takes its PSK from Redis, a credential added through another
 * process's store works at once, and one removed there stops being accepted at the next Update;
 * one removed through the server's own store ends its session at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectRedis } from '../../runtime/server/redis-connection.js';
import { redisStores } from '../../runtime/server/redis-stores.js';
import { cleanup as cleanupClients, client, device } from '../client/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { closeAll, dtlsPeer, KEY_A, KEY_B, register, startServer, update } from './dtls-helpers.js';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await cleanupClients();
  await closeAll();
  await redis.stop();
});

const dtls = { retransmit: { initialMs: 200 }, handshakeTimeoutMs: 3000 } as const;

test('PSK from Redis: an LwM2MClient registers over DTLS and is managed; the stored key is the one that works', { timeout: 20_000 }, async () => {
  const stores = redisStores(redis.redis, { prefix: 'dtls1:' });
  await stores.security.set({ endpoint: 'dev-a', credentials: { mode: 'psk', identity: 'id-a', key: KEY_A } });
  const server = await startServer({ ...stores, securityStore: stores.security, dtls });
  const registered = new Promise<void>((ok) => server.once('registered', () => ok()));
  const c = client({ endpoint: 'dev-a', objects: [device()], servers: [{ uri: `coaps://127.0.0.1:${server.address().port}`, shortServerId: 1, psk: { identity: 'id-a', key: KEY_A } }] });
  await c.start();
  await registered;
  assert.deepEqual((await stores.store.byEndpoint('dev-a'))?.identity, { type: 'psk', identity: 'id-a' });
  assert.deepEqual(await server.client('dev-a').read('/3/0/0'), { kind: 'resource', id: 0, value: 'Acme' });
  const gone = new Promise<void>((ok) => server.once('deregistered', () => ok()));
  await c.stop();
  await gone;
});

test('credentials changed through another connection: a new one is accepted at once, a removed one refused at the next Update (4.03)', { timeout: 20_000 }, async () => {
  const stores = redisStores(redis.redis, { prefix: 'dtls2:' });
  await stores.security.set({ endpoint: 'dev-a', credentials: { mode: 'psk', identity: 'id-a', key: KEY_A } });
  const server = await startServer({ ...stores, securityStore: stores.security, dtls });
  // Another process's view of the same Redis.
  const other = await connectRedis(redis.url);
  try {
    const elsewhere = redisStores(other, { prefix: 'dtls2:' });
    await elsewhere.security.set({ endpoint: 'dev-b', credentials: { mode: 'psk', identity: 'id-b', key: KEY_B } });
    const b = await dtlsPeer({ psk: { identity: 'id-b', key: KEY_B } });
    assert.equal((await register(b, server.address(), 'dev-b')).code, '2.01');
    assert.equal((await register(b, server.address(), 'dev-a')).code, '4.03');

    const a = await dtlsPeer({ psk: { identity: 'id-a', key: KEY_A } });
    const reg = await register(a, server.address(), 'dev-a');
    assert.equal(reg.code, '2.01');
    assert.equal((await update(a, server.address(), reg.location)).code, '2.04');
    await elsewhere.security.remove('dev-a');
    assert.equal((await update(a, server.address(), reg.location)).code, '4.03');
    assert.equal((await elsewhere.store.byEndpoint('dev-b'))?.identity?.type, 'psk');
  } finally {
    await other.close();
  }
});

test('credentials removed through the server\'s own Redis store end the DTLS session at once (watch): the next Update needs a handshake the store refuses', { timeout: 20_000 }, async () => {
  const stores = redisStores(redis.redis, { prefix: 'dtls3:' });
  await stores.security.set({ endpoint: 'dev-a', credentials: { mode: 'psk', identity: 'id-a', key: KEY_A } });
  const server = await startServer({ ...stores, securityStore: stores.security, dtls });
  const a = await dtlsPeer({ psk: { identity: 'id-a', key: KEY_A } });
  const reg = await register(a, server.address(), 'dev-a');
  assert.equal(reg.code, '2.01');
  await stores.security.remove('dev-a');
  await assert.rejects(update(a, server.address(), reg.location));
});
