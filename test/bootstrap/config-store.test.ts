/**
 * The bootstrap configuration store contract, against the in-memory store and the Redis one (a
 * redis-server of the test's own); and two bootstrap servers sharing their configurations
 * through Redis.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import {
  BootstrapConfigError, BootstrapServer, MemoryBootstrapConfigStore, parseBootstrapConfig, type BootstrapConfig, type BootstrapConfigStore,
} from '../../runtime/bootstrap/index.js';
import { RedisBootstrapConfigStore } from '../../runtime/bootstrap/redis-bootstrap-config-store.js';
import { BasicDevice, LwM2MClient } from '../../runtime/client/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
let prefixes = 0;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const file: BootstrapConfig = parseBootstrapConfig({
  endpoints: { listed: { servers: [{ shortServerId: 1, uri: 'coap://a:1' }], psk: { identity: 'listed-bs', key: '0a0b' } } },
  default: { servers: [{ shortServerId: 9, uri: 'coap://default:9' }] },
});

const kinds: { name: string; make: (config: BootstrapConfig) => Promise<BootstrapConfigStore> }[] = [
  { name: 'memory', make: async (config) => new MemoryBootstrapConfigStore(config) },
  {
    name: 'redis',
    make: async (config) => {
      const s = new RedisBootstrapConfigStore(redis.redis, { prefix: `bscontract${++prefixes}:`, default: config.default });
      await s.load(config);
      return s;
    },
  },
];

for (const kind of kinds) {
  describe(`${kind.name} bootstrap config store`, () => {
    test('the file\'s entries and default; set with defaults filled in, replace, remove; all() lists the own entries', async () => {
      const store = await kind.make(file);
      assert.deepEqual((await store.get('listed'))?.psk, { identity: 'listed-bs', key: '0a0b' });
      assert.equal((await store.get('anyone'))?.servers[0]?.shortServerId, 9, 'the default');
      await store.set('dev', { servers: [{ shortServerId: 2, uri: 'coaps://b:5684', security: { mode: 'psk', identity: 'dev', key: 'ff' } }] });
      assert.deepEqual((await store.get('dev'))?.servers[0], { shortServerId: 2, uri: 'coaps://b:5684', lifetime: 86400, binding: 'U', security: { mode: 'psk', identity: 'dev', key: 'ff' } });
      await store.set('dev', { servers: [{ shortServerId: 3, uri: 'coap://c' }], acl: [{ object: 3, instance: 0, server: 3, rights: ['read'] }] });
      assert.equal((await store.get('dev'))?.servers[0]?.shortServerId, 3, 'replaced');
      assert.deepEqual([...(await store.all()).keys()].sort(), ['dev', 'listed']);
      assert.equal((await store.remove('dev'))?.acl?.[0]?.server, 3);
      assert.equal(await store.remove('dev'), undefined);
      assert.equal((await store.get('dev'))?.servers[0]?.shortServerId, 9, 'the default again');
    });

    test('a bad entry is refused with the key path, and the store is unchanged', async () => {
      const store = await kind.make(file);
      await assert.rejects(store.set('bad', { servers: [{ shortServerId: 0, uri: 'http://x' }] }), (e: unknown) =>
        e instanceof BootstrapConfigError && e.code === 'E_BS_CONFIG' && /endpoint bad: servers\.0\.shortServerId/.test(e.message) && /endpoint bad: servers\.0\.uri/.test(e.message));
      assert.deepEqual([...(await store.all()).keys()], ['listed']);
    });
  });
}

test('redis: a second store on the same prefix sees the first one\'s entries; garbage written by someone else is refused when read', async () => {
  const prefix = `bsshared${++prefixes}:`;
  const a = new RedisBootstrapConfigStore(redis.redis, { prefix });
  const b = new RedisBootstrapConfigStore(redis.redis, { prefix });
  await a.set('shared', { servers: [{ shortServerId: 4, uri: 'coap://d' }] });
  assert.equal((await b.get('shared'))?.servers[0]?.uri, 'coap://d');
  assert.equal(await b.get('other'), undefined, 'no default given: refused');
  await redis.redis.sendCommand(['HSET', `${prefix}bs:configs`, 'broken', '{"servers": "nope"']);
  await assert.rejects(b.get('broken'), (e: unknown) => e instanceof BootstrapConfigError && /Redis .*bs:configs broken/.test(e.message));
});

test('two bootstrap servers share their configurations through Redis: one given through the API of the other', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const prefix = `bsservers${++prefixes}:`;
  const first = new BootstrapServer({ port: 0, store: new RedisBootstrapConfigStore(redis.redis, { prefix }) });
  const second = new BootstrapServer({ port: 0, store: new RedisBootstrapConfigStore(redis.redis, { prefix }) });
  await Promise.all([first.start(), second.start()]);
  await first.store.set('roaming', { servers: [{ shortServerId: 12, uri: `coap://127.0.0.1:${dm.address().port}`, lifetime: 45 }] });
  const client = new LwM2MClient({ endpoint: 'roaming', objects: [new BasicDevice({})], bootstrap: { uri: `coap://127.0.0.1:${second.address().port}` } });
  try {
    const registered = once(dm, 'registered');
    await client.start();
    const [reg] = await registered;
    assert.deepEqual([reg.endpoint, reg.lifetime], ['roaming', 45]);
  } finally {
    await client.stop();
    await Promise.all([first.stop(), second.stop(), dm.stop()]);
  }
});
