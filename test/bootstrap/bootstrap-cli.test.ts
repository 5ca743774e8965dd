/**
 * `lwm2m-sdk bootstrap-server --dtls` in its own process: the endpoint's psk from the JSON file
 * is the identity that may bootstrap; a client in this process bootstraps over coaps and
 * registers with the DM server the file names. With --redis, configurations live in Redis and
 * another process without the file serves them.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { BasicDevice, LwM2MClient } from '../../runtime/client/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { startRedis } from '../helpers/redis-server.js';

test('bootstrap-server --dtls: a client with the psk of its endpoint entry is bootstrapped over coaps', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const dir = mkdtempSync(join(tmpdir(), 'bs-cli-'));
  const file = join(dir, 'bs.json');
  writeFileSync(file, JSON.stringify({ endpoints: { 'cli-dev': { psk: { identity: 'cli-dev-bs', key: '0f0e0d0c0b0a09080706050403020100' }, servers: [{ shortServerId: 6, uri: `coap://127.0.0.1:${dm.address().port}`, lifetime: 120 }] } } }));
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('cli/main.ts'), 'bootstrap-server', '--config', file, '--dtls', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const logs: Record<string, unknown>[] = [];
  const listening = new Promise<number>((res) => lines.on('line', (l) => {
    const j = JSON.parse(l) as Record<string, unknown>;
    logs.push(j);
    if (j.msg === 'listening') res(j.port as number);
  }));
  let client: LwM2MClient | undefined;
  try {
    const port = await listening;
    client = new LwM2MClient({ endpoint: 'cli-dev', objects: [new BasicDevice({})], bootstrap: { uri: `coaps://127.0.0.1:${port}`, psk: { identity: 'cli-dev-bs', key: Uint8Array.from(Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex')) } } });
    const registered = once(dm, 'registered');
    await client.start();
    const [reg] = await registered;
    assert.deepEqual([reg.endpoint, reg.lifetime], ['cli-dev', 120]);
    assert.ok(logs.some((l) => l.msg === 'bootstrap request' && l.endpoint === 'cli-dev'));
  } finally {
    await client?.stop();
    child.kill('SIGTERM');
    await once(child, 'exit');
    await dm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts `lwm2m-sdk bootstrap-server` with these arguments; resolves with its port once it listens. */
function bootstrapProcess(args: string[]): { child: ChildProcess; port: Promise<number>; logs: Record<string, unknown>[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('cli/main.ts'), 'bootstrap-server', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const logs: Record<string, unknown>[] = [];
  const port = new Promise<number>((res, rej) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const j = JSON.parse(l) as Record<string, unknown>;
      logs.push(j);
      if (j.msg === 'listening') res(j.port as number);
    });
    child.once('exit', (code) => rej(new Error(`bootstrap-server exited with ${code}`)));
  });
  port.catch(() => undefined);
  return { child, port, logs };
}

test('bootstrap-server --redis: a second process with no file bootstraps a client from the configuration the first one put in Redis', async () => {
  const redis = await startRedis();
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const dir = mkdtempSync(join(tmpdir(), 'bs-cli-'));
  const file = join(dir, 'bs.json');
  writeFileSync(file, JSON.stringify({ endpoints: { 'redis-dev': { servers: [{ shortServerId: 9, uri: `coap://127.0.0.1:${dm.address().port}`, lifetime: 150 }] } } }));
  const first = bootstrapProcess(['--config', file, '--redis', redis.url, '--redis-prefix', 'bs-test:']);
  let second: ReturnType<typeof bootstrapProcess> | undefined;
  let client: LwM2MClient | undefined;
  try {
    await first.port;
    assert.equal(first.logs.find((l) => l.msg === 'listening')?.store, 'redis');
    second = bootstrapProcess(['--redis', redis.url, '--redis-prefix', 'bs-test:']);
    const port = await second.port;
    client = new LwM2MClient({ endpoint: 'redis-dev', objects: [new BasicDevice({})], bootstrap: { uri: `coap://127.0.0.1:${port}` } });
    const registered = once(dm, 'registered');
    await client.start();
    const [reg] = await registered;
    assert.deepEqual([reg.endpoint, reg.lifetime], ['redis-dev', 150]);
    assert.ok(second.logs.some((l) => l.msg === 'bootstrap request' && l.endpoint === 'redis-dev'));
    assert.ok(!first.logs.some((l) => l.msg === 'bootstrap request'));
  } finally {
    await client?.stop();
    for (const p of [first, second]) {
      if (p === undefined || p.child.exitCode !== null) continue;
      p.child.kill('SIGTERM');
      await once(p.child, 'exit');
    }
    await dm.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bootstrap-server: neither --config nor --redis is a usage error (exit 2); an unreachable Redis exits 1 naming the URL', async () => {
  const run = (args: string[]): Promise<{ code: number | null; out: string }> => new Promise((res) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('cli/main.ts'), 'bootstrap-server', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    child.once('exit', (code) => res({ code, out }));
  });
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.match(none.out, /--config FILE, --redis URL/);
  const badUrl = await run(['--redis', 'http://x']);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.out, /redis:\/\//);
  const down = await run(['--redis', 'redis://127.0.0.1:1']);
  assert.equal(down.code, 1);
  assert.match(down.out, /cannot connect to Redis/);
  assert.match(down.out, /redis:\/\/127\.0\.0\.1:1/);
});
