/**
 * Observe-Composite from the server, kept in the observation store, against the LwM2M client
 * in its own process over real UDP: the values per path, the notification event per path, and
 * the same observation taken up by a server started afresh on the port with the same stores.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import type { LwM2MNode } from '../../runtime/model/node.js';
import { LwM2MServer, MemoryObservationStore, MemoryRegistrationStore, type StoredObservation } from '../../runtime/server/index.js';
import { LineProcess } from '../e2e/fixtures/line-process.js';

const valueOf = (node: LwM2MNode | undefined): unknown => (node?.kind === 'resource' ? node.value : node);

/** The next notification events until every path has been seen once. */
function notifications(server: LwM2MServer, count: number): Promise<Map<string, unknown>> {
  return new Promise((ok) => {
    const seen = new Map<string, unknown>();
    const on = (_ep: string, path: string, node: LwM2MNode, _o: StoredObservation): void => {
      seen.set(path, valueOf(node));
      if (seen.size === count) {
        server.off('notification', on);
        ok(seen);
      }
    };
    server.on('notification', on);
  });
}

test('Observe-Composite is stored with its paths, notifies per path, and is matched again after a restart', { timeout: 30_000 }, async () => {
  const stores = { store: new MemoryRegistrationStore(), observationStore: new MemoryObservationStore() };
  const first = new LwM2MServer({ port: 0, ...stores, requestTimeoutMs: 4000 });
  await first.start();
  const port = first.address().port;
  const registered = once(first, 'registered');
  const client = await LineProcess.start('client-process.ts', { endpoint: 'composite-obs', serverPort: port, lwm2mVersion: '1.1', lifetime: 60 });
  let second: LwM2MServer | undefined;
  try {
    await registered;
    const values: Map<string, LwM2MNode>[] = [];
    await first.client('composite-obs').observeComposite(['/3/0/9', '/3/0/0'], (v) => values.push(v));
    assert.deepEqual([...values[0]!].map(([k, n]) => [k, valueOf(n)]), [['/3/0/9', 77], ['/3/0/0', 'Acme']]);
    const [stored] = await first.client('composite-obs').observations();
    assert.equal(stored?.composite, true);
    assert.deepEqual(stored?.paths, ['/3/0/9', '/3/0/0']);

    let events = notifications(first, 2);
    await client.command('set', { path: '/3/0/9', value: 33 });
    assert.deepEqual(Object.fromEntries(await events), { '/3/0/9': 33, '/3/0/0': 'Acme' });
    assert.equal(valueOf(values.at(-1)!.get('/3/0/9')), 33);

    await first.stop();
    second = new LwM2MServer({ port, ...stores, requestTimeoutMs: 4000 });
    await second.start();
    events = notifications(second, 2);
    await client.command('set', { path: '/3/0/9', value: 34 });
    assert.deepEqual(Object.fromEntries(await events), { '/3/0/9': 34, '/3/0/0': 'Acme' });
  } finally {
    await client.stop();
    await first.stop();
    await second?.stop();
  }
});
