/**
 * observeValues(): an observation read with `for await` through the typed handles, our client
 * and server in this process over UDP. The loop sees the first Read and then each set() on the
 * client; leaving it (break, AbortSignal) cancels the observation on the client; a full buffer
 * keeps the newest values.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LwM2MServer } from '../../runtime/server/index.js';
import { Device } from '../../registry/index.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { cleanup, client } from '../client/helpers.js';

const servers: LwM2MServer[] = [];
after(async () => {
  await cleanup();
  await Promise.allSettled(servers.map((s) => s.stop()));
});

async function setup(endpoint: string): Promise<{ server: LwM2MServer; dev: BasicDevice }> {
  const server = new LwM2MServer({ port: 0 });
  servers.push(server);
  await server.start();
  const dev = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 10 });
  const c = client({ endpoint, objects: [dev], servers: [{ uri: `coap://127.0.0.1:${server.address().port}`, shortServerId: 1, lifetime: 60 }] });
  const registered = new Promise<void>((resolve) => server.on('registered', (r) => { if (r.endpoint === endpoint) resolve(); }));
  await c.start();
  await registered;
  return { server, dev };
}

/** Waits until the client holds `n` observations (the server's cancel reaches it over UDP). */
async function observationsOnServer(server: LwM2MServer, endpoint: string, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await server.client(endpoint).observations()).length === n) return;
    await sleep(10);
  }
  assert.fail(`expected ${n} observations of ${endpoint}`);
}

test('observeValues: the first Read, then each change, in order; break cancels the observation', async () => {
  const { server, dev } = await setup('iter-1');
  const battery = server.client('iter-1').object(Device).instance(0).batteryLevel;
  const seen: number[] = [];
  for await (const v of battery.observeValues()) {
    seen.push(v);
    if (seen.length === 1) await observationsOnServer(server, 'iter-1', 1);
    if (v === 10) dev.batteryLevel.set(20);
    else if (v === 20) dev.batteryLevel.set(30);
    else break;
  }
  assert.deepEqual(seen, [10, 20, 30]);
  await observationsOnServer(server, 'iter-1', 0);
});

test('observeValues: an AbortSignal ends the loop and cancels; a failing start rejects the first next()', async () => {
  const { server, dev } = await setup('iter-2');
  const d = server.client('iter-2').object(Device).instance(0);
  const ac = new AbortController();
  const seen: number[] = [];
  for await (const v of d.batteryLevel.observeValues(undefined, { signal: ac.signal })) {
    seen.push(v);
    if (v === 10) dev.batteryLevel.set(11);
    else ac.abort();
  }
  assert.deepEqual(seen, [10, 11]);
  await observationsOnServer(server, 'iter-2', 0);
  // Invalid attributes (pmin above pmax) are refused before anything is sent.
  const stream = d.batteryLevel.observeValues({ pmin: 10, pmax: 5 });
  await assert.rejects(stream.next(), /pmax/);
});

test('observeValues: values beyond the buffer drop the oldest, counted in dropped', async () => {
  const { server, dev } = await setup('iter-3');
  const stream = server.client('iter-3').object(Device).instance(0).batteryLevel.observeValues(undefined, { bufferSize: 2 });
  const first = await stream.next();
  assert.deepEqual(first, { value: 10, done: false });
  // Nobody reads while five changes arrive: only the newest two are kept.
  for (let level = 41; level <= 45; level++) {
    dev.batteryLevel.set(level);
    await sleep(30);
  }
  for (let i = 0; i < 100 && stream.dropped < 3; i++) await sleep(10);
  assert.equal(stream.dropped, 3);
  assert.deepEqual([(await stream.next()).value, (await stream.next()).value], [44, 45]);
  await stream.cancel();
  assert.deepEqual(await stream.next(), { value: undefined, done: true });
  await observationsOnServer(server, 'iter-3', 0);
});
