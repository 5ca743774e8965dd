/**
 * Server processes that share one redis-server, over real UDP: `lwm2m-sdk server --redis`
 * processes, a client in its own process (test/e2e/fixtures/client-process.ts) and a server in
 * this test's process. A device registered through one server is found and managed by
 * another; a server killed and started again on its port keeps the registration and gets the
 * notifications of the observation its predecessor made.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LwM2MServer, redisStores } from '../../runtime/server/index.js';
import { CliServer, type LogLine } from '../helpers/redis-cli-server.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { LineProcess } from '../e2e/fixtures/line-process.js';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const is = (msg: string, extra: LogLine = {}) => (l: LogLine): boolean => l['msg'] === msg && Object.entries(extra).every(([k, v]) => l[k] === v);

test('a device registered through one server process is managed by another; a restarted server keeps its registration and observation', { timeout: 60_000 }, async () => {
  const url = redis.url;
  const first = await CliServer.start(['--port', '0', '--redis', url, '--redis-prefix', 'restart:', '--observe', '/3/0/9']);
  const port = first.port;
  const client = await LineProcess.start('client-process.ts', { endpoint: 'redis-dev-1', serverPort: port, lifetime: 60 });
  let second: LwM2MServer | undefined;
  let restarted: CliServer | undefined;
  try {
    const reg = await first.waitFor(is('registered', { endpoint: 'redis-dev-1' }));
    assert.deepEqual((await first.waitFor(is('observing', { endpoint: 'redis-dev-1' })))['value'], 77);
    assert.equal((await client.command('set', { path: '/3/0/9', value: 50 }))['ok'], true);
    await first.waitFor(is('notification', { endpoint: 'redis-dev-1', path: '/3/0/9', value: 50 }));

    // Another server process (this one) over the same Redis: it finds the device and reads it.
    second = new LwM2MServer({ port: 0, ...redisStores(redis.redis, { prefix: 'restart:' }), requestTimeoutMs: 5000 });
    await second.start();
    const found = await second.store.byEndpoint('redis-dev-1');
    assert.equal(found?.id, reg['id']);
    assert.equal(found?.address.port, client.port);
    const battery = await second.client('redis-dev-1').read('/3/0/9');
    assert.deepEqual(battery.kind === 'resource' ? battery.value : battery, 50);
    const [observation] = await second.client('redis-dev-1').observations();
    assert.deepEqual(observation?.paths, ['/3/0/9']);

    // The first server dies; another takes its port with the same Redis.
    await first.kill();
    restarted = await CliServer.start(['--port', String(port), '--redis', url, '--redis-prefix', 'restart:']);
    assert.equal((await client.command('set', { path: '/3/0/9', value: 42 }))['ok'], true);
    await restarted.waitFor(is('notification', { endpoint: 'redis-dev-1', path: '/3/0/9', value: 42 }));
    await restarted.waitFor(is('observation taken up again', { endpoint: 'redis-dev-1' }));
    assert.equal((await client.command('set', { path: '/3/0/9', value: 43 }))['ok'], true);
    await restarted.waitFor(is('notification', { endpoint: 'redis-dev-1', path: '/3/0/9', value: 43 }));

    // The registration lived on: the client's Update is accepted, no new Register.
    const mark = client.mark();
    assert.equal((await client.command('update'))['ok'], true);
    await client.waitFor((l) => l['event'] === 'updated', 10_000, mark);
    await restarted.waitFor(is('updated', { endpoint: 'redis-dev-1', id: reg['id'] }));
    assert.equal(restarted.lines.some(is('registered')), false);

    // De-registered through the restarted server: nothing of it is left in Redis.
    assert.equal((await client.command('stop'))['ok'], true);
    await restarted.waitFor(is('deregistered', { endpoint: 'redis-dev-1' }));
    // The observations go right after the event: wait for them.
    let keys: unknown[] = [];
    for (let i = 0; i < 100; i++) {
      keys = (await redis.redis.sendCommand(['KEYS', 'restart:*'])) as unknown[];
      if (keys.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(keys, []);
  } finally {
    await client.stop();
    await first.kill();
    await restarted?.stop();
    await second?.stop();
  }
});
