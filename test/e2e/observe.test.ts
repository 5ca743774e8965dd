/**
 * Observe from the server process on a client process over UDP: the first value, then
 * notifications as the client's application changes values, filtered by gt and paced by
 * pmax; cancel stops them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ok, startClient, startServer } from './fixtures/e2e-setup.js';
import type { Line, LineProcess } from './fixtures/line-process.js';

const EP = 'e2e-observe';
let server: LineProcess;
let client: LineProcess;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

before(async () => {
  server = await startServer();
  client = await startClient(server, { endpoint: EP, lwm2mVersion: '1.1' });
});
after(async () => {
  await client?.stop();
  await server?.stop();
});

const notifications = (path: string, since: number): Line[] => server.events.slice(since).filter((l) => l['event'] === 'notification' && l['path'] === path);
const valueOf = (l: Line): unknown => (l['node'] as { value?: unknown }).value;

test('Observe with gt: the first value, then only changes that cross it; cancel ends them', async () => {
  const since = server.mark();
  await ok(server, 'observe', EP, { path: '/33100/0/1', attributes: { gt: 5 } });
  await server.waitFor((l) => l['event'] === 'notification' && l['path'] === '/33100/0/1', 3000, since);
  assert.deepEqual(notifications('/33100/0/1', since).map(valueOf), [3]);
  await client.command('set', { path: '/33100/0/1', value: 4 });
  await client.command('set', { path: '/33100/0/1', value: 8 });
  await server.waitFor((l) => l['event'] === 'notification' && valueOf(l) === 8, 3000, since);
  assert.deepEqual(notifications('/33100/0/1', since).map(valueOf), [3, 8], 'the change to 4 crosses nothing');
  await ok(server, 'cancel', EP, { path: '/33100/0/1' });
  const cancelled = server.mark();
  await client.command('set', { path: '/33100/0/1', value: 2 });
  await sleep(400);
  assert.deepEqual(notifications('/33100/0/1', cancelled), []);
});

test('Observe with pmax: a notification each period without a change', async () => {
  const since = server.mark();
  await ok(server, 'observe', EP, { path: '/33100/0/2', attributes: { pmax: 1 } });
  // The first value, then one per second: three within 3.5 s.
  const deadline = Date.now() + 3500;
  while (notifications('/33100/0/2', since).length < 3 && Date.now() < deadline) await sleep(100);
  assert.ok(notifications('/33100/0/2', since).length >= 3, `${notifications('/33100/0/2', since).length} notifications`);
  assert.ok(notifications('/33100/0/2', since).every((l) => valueOf(l) === 1.5));
  await ok(server, 'cancel', EP, { path: '/33100/0/2' });
});

test('Observe a whole instance: a changed resource notifies the instance', async () => {
  const since = server.mark();
  await ok(server, 'observe', EP, { path: '/3/0' });
  await client.command('set', { path: '/3/0/9', value: 55 });
  const n = await server.waitFor((l) => l['event'] === 'notification' && l['path'] === '/3/0' && (l['node'] as { resources: Map<number, { value?: unknown }> }).resources.get(9)?.value === 55, 3000, since);
  assert.equal((n['node'] as { kind: string }).kind, 'instance');
  await ok(server, 'cancel', EP, { path: '/3/0' });
});
