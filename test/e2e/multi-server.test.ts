/**
 * One client process registered with two server processes at once (one Security and Server
 * instance each): both manage it, each sees the other's writes, and stopping the client
 * de-registers from both.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ok, startServer } from './fixtures/e2e-setup.js';
import { LineProcess } from './fixtures/line-process.js';

const EP = 'e2e-two-servers';
let a: LineProcess;
let b: LineProcess;
let client: LineProcess;

before(async () => {
  [a, b] = await Promise.all([startServer(), startServer()]);
  client = await LineProcess.start('client-process.ts', { endpoint: EP, serverPort: a.port, extraServerPorts: [b.port] });
  await Promise.all([a, b].map((s) => s.waitFor((l) => l['event'] === 'registered' && l['endpoint'] === EP, 10_000)));
  await client.waitFor((l) => l['event'] === 'registered' && l['ssid'] === 1);
  await client.waitFor((l) => l['event'] === 'registered' && l['ssid'] === 2);
});
after(async () => {
  await client?.stop();
  await Promise.all([a?.stop(), b?.stop()]);
});

test('both servers read and write the one device; each sees what the other wrote', async () => {
  await ok(a, 'write', EP, { path: '/33100/0/0', node: { kind: 'resource', id: 0, value: 'from A' } });
  assert.deepEqual(await ok(b, 'read', EP, { path: '/33100/0/0' }), { kind: 'resource', id: 0, value: 'from A' });
  await ok(b, 'writeComposite', EP, { values: { '/33100/0/0': 'from B', '/33100/0/1': 6 } });
  const r = (await ok(a, 'readComposite', EP, { paths: ['/33100/0/0', '/33100/0/1'] })) as Map<string, { value: unknown }>;
  assert.deepEqual([r.get('/33100/0/0')?.value, r.get('/33100/0/1')?.value], ['from B', 6]);
});

test('without an Access Control object a server reads both Server instances; attributes are per server; stop de-registers from both', async () => {
  const servers = (await ok(a, 'read', EP, { path: '/1' })) as { instances: Map<number, { resources: Map<number, { value: unknown }> }> };
  assert.deepEqual([...servers.instances.values()].map((i) => i.resources.get(0)?.value).sort(), [1, 2]);
  await ok(a, 'writeAttributes', EP, { path: '/33100/0/1', attributes: { pmax: 30 } });
  const fromB = (await ok(b, 'discover', EP, { path: '/33100/0/1' })) as Array<{ attributes: Record<string, unknown> }>;
  assert.equal(fromB[0]?.attributes['pmax'], undefined, 'attributes are per server');
  const sinceA = a.mark();
  const sinceB = b.mark();
  await client.command('stop');
  await Promise.all([a.waitFor((l) => l['event'] === 'deregistered', 3000, sinceA), b.waitFor((l) => l['event'] === 'deregistered', 3000, sinceB)]);
});
