/**
 * `lwm2m-sdk bootstrap-server --dtls` in its own process: the endpoint's psk from the JSON file
 * is the identity that may bootstrap; a client in this process bootstraps over coaps and
 * registers with the DM server the file names.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { BasicDevice, LwM2MClient } from '../../runtime/client/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';

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
