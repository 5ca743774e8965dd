/** Send (POST /dp): our client pushes time-stamped values, our server hands them out as an event. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { BasicDevice, ClientError, type LwM2MClient } from '../../runtime/client/index.js';
import type { LwM2MRecord } from '../../runtime/model/record.js';
import { LwM2MServer, type Registration } from '../../runtime/server/index.js';
import { cleanup, registeredClient } from './helpers.js';

let server: LwM2MServer;
let c: LwM2MClient;
let device: BasicDevice;

before(async () => {
  server = new LwM2MServer({ port: 0 });
  await server.start();
  device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 77 });
  c = await registeredClient(server, { endpoint: 'sender', objects: [device] });
});
after(async () => {
  await cleanup();
  await server.stop();
});

test('the values of several paths arrive as time-stamped records, in SenML CBOR and SenML JSON', async () => {
  for (const format of [112, 110] as const) {
    const got = once(server, 'send') as Promise<[Registration, readonly LwM2MRecord[]]>;
    const before = Math.floor(Date.now() / 1000);
    await c.send(['/3/0/9', '/3/0/0'], { format });
    const [registration, records] = await got;
    assert.equal(registration.endpoint, 'sender');
    assert.deepEqual(records.map((r) => [r.path, r.value]), [[{ objectId: 3, instanceId: 0, resourceId: 9 }, 77], [{ objectId: 3, instanceId: 0, resourceId: 0 }, 'Acme']]);
    for (const r of records) assert.ok(r.time !== undefined && r.time >= before && r.time <= before + 2, `time ${r.time}`);
  }
});

test('Mute Send (/1/x/23) true or absent stops it; bad paths and unknown servers are refused', async () => {
  const serverInstance = c.tree.instances(1)[0]!;
  serverInstance.write(23, true);
  await assert.rejects(c.send(['/3/0/9']), (e: unknown) => e instanceof ClientError && e.code === 'E_CLIENT_SEND' && /muted/.test(e.message));
  // Absent is muted too, as the resource's definition says.
  await serverInstance.applyWrite(new Map([[23, undefined]]));
  await assert.rejects(c.send(['/3/0/9']), (e: unknown) => e instanceof ClientError && e.code === 'E_CLIENT_SEND' && /absent/.test(e.message));
  serverInstance.write(23, false);
  await assert.rejects(c.send(['/3/x']), (e: unknown) => e instanceof ClientError && e.code === 'E_CLIENT_SEND');
  await assert.rejects(c.send(['/3/0/9'], { shortServerId: 99 }), /no server 99/);
});
