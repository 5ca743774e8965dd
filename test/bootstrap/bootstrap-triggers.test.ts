/**
 * When a client bootstraps, over real UDP: retries with back-off until a bootstrap server
 * that appears late answers; a server-initiated bootstrap during the Client Hold Off Time;
 * a DM server executing Bootstrap-Request Trigger (/1/x/9); every registration failing.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Device, LwM2MSecurity_v1_1 } from '../../registry/index.js';
import { BootstrapServer, parseBootstrapConfig } from '../../runtime/bootstrap/index.js';
import { BasicDevice, LwM2MClient } from '../../runtime/client/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

/** A port nobody listens on (yet): bound once, then released. */
async function freePort(): Promise<number> {
  const t = await UdpTransport.bind({ port: 0 });
  const { port } = t.address();
  await t.close();
  return port;
}

const fast = { coap: { ackTimeoutMs: 50, maxRetransmit: 1 }, requestTimeoutMs: 250 } as const;

test('client-initiated bootstrap retried with back-off until a bootstrap server that starts late answers', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const port = await freePort();
  const client = new LwM2MClient({
    endpoint: 'late-bs', objects: [new BasicDevice({ manufacturer: 'Patient' })], ...fast,
    bootstrap: { uri: `coap://127.0.0.1:${port}`, retry: { initialDelayMs: 40, factor: 2, maxDelayMs: 160 } },
  });
  const failures: { code: string; attempt: number; retryInMs: number | undefined }[] = [];
  let bs: BootstrapServer | undefined;
  const firstTwo = new Promise<void>((resolve) => client.on('bootstrapFailed', ({ error, attempt, retryInMs }) => {
    failures.push({ code: error.code, attempt, retryInMs });
    if (failures.length === 2) resolve();
  }));
  try {
    const registered = once(dm, 'registered');
    await client.start();
    await firstTwo;
    bs = new BootstrapServer({ port, config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 3, uri: `coap://127.0.0.1:${dm.address().port}` }] } }) });
    await bs.start();
    const [reg] = await registered;
    assert.equal(reg.endpoint, 'late-bs');
    assert.equal(await dm.client('late-bs').object(Device).instance(0).manufacturer.read(), 'Patient');
    assert.deepEqual(failures.slice(0, 2), [
      { code: 'E_CLIENT_UNREACHABLE', attempt: 1, retryInMs: 40 },
      { code: 'E_CLIENT_UNREACHABLE', attempt: 2, retryInMs: 80 },
    ]);
    assert.ok(failures.every((f, k) => f.attempt === k + 1 && f.retryInMs === Math.min(160, 40 * 2 ** k)), JSON.stringify(failures));
  } finally {
    await client.stop();
    await Promise.all([bs?.stop(), dm.stop()]);
  }
});

test('a bootstrap server that refuses (no configuration yet) is asked again with back-off until its store has one', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const bs = new BootstrapServer({ port: 0, config: parseBootstrapConfig({}) });
  await bs.start();
  const client = new LwM2MClient({ endpoint: 'unknown-yet', objects: [new BasicDevice({})], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}`, retry: { initialDelayMs: 30, factor: 2, maxDelayMs: 60 } } });
  const failures: string[] = [];
  const twice = new Promise<void>((resolve) => client.on('bootstrapFailed', ({ error, attempt, retryInMs }) => {
    failures.push(`${attempt} ${error.code} ${String(error.coapCode)} ${String(retryInMs)}`);
    if (attempt === 2) resolve();
  }));
  try {
    const registered = client.next('registered');
    await client.start();
    await twice;
    await bs.store.set('unknown-yet', { servers: [{ shortServerId: 21, uri: `coap://127.0.0.1:${dm.address().port}` }] });
    assert.equal((await registered).shortServerId, 21);
    assert.deepEqual(failures.slice(0, 2), ['1 E_CLIENT_REJECTED 4.00 30', '2 E_CLIENT_REJECTED 4.00 60']);
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm.stop()]);
  }
});

test('server-initiated bootstrap during the Client Hold Off Time: the client never sends a Bootstrap-Request', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const bs = new BootstrapServer({ port: 0, config: parseBootstrapConfig({ endpoints: { pushed: { servers: [{ shortServerId: 8, uri: `coap://127.0.0.1:${dm.address().port}`, lifetime: 90 }] } } }) });
  await bs.start();
  // One hour of hold-off: any Bootstrap-Request would be the client's, and it must not come.
  const client = new LwM2MClient({ endpoint: 'pushed', objects: [new BasicDevice({})], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}`, holdOffS: 3600 } });
  let requests = 0;
  bs.on('request', () => requests++);
  try {
    assert.equal(await client.tree.instance(0, 0)?.read(11), 3600, 'the hold-off is the account\'s /0/x/11');
    const registered = once(dm, 'registered');
    const bootstrapped = client.next('bootstrapped');
    await client.start();
    await bs.bootstrap('pushed', client.address());
    assert.deepEqual((await bootstrapped).servers.map((s) => s.shortServerId), [8]);
    const [reg] = await registered;
    assert.equal(reg.lifetime, 90);
    assert.equal(requests, 0);
    await assert.rejects(bs.bootstrap('stranger', client.address()), { code: 'E_BS_UNKNOWN_ENDPOINT' });
    await assert.rejects(bs.bootstrap('pushed-elsewhere'), { code: 'E_BS_UNKNOWN_ENDPOINT' });
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm.stop()]);
  }
});

test('a DM server executes /1/x/9: the client bootstraps, leaves server A and registers with server B', async () => {
  const [dmA, dmB] = [new LwM2MServer({ port: 0 }), new LwM2MServer({ port: 0 })];
  await Promise.all([dmA.start(), dmB.start()]);
  const bs = new BootstrapServer({ port: 0, config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 2, uri: `coap://127.0.0.1:${dmB.address().port}` }] } }) });
  await bs.start();
  const client = new LwM2MClient({
    endpoint: 'moved', objects: [new BasicDevice({ manufacturer: 'Mover' })],
    servers: [{ uri: `coap://127.0.0.1:${dmA.address().port}`, shortServerId: 1 }], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}` },
  });
  try {
    const onA = once(dmA, 'registered');
    await client.start();
    await onA;
    const leftA = once(dmA, 'deregistered');
    const onB = once(dmB, 'registered');
    const clientOnB = client.next('registered');
    const asked = once(bs, 'request');
    await dmA.client('moved').execute('/1/0/9');
    const [ep] = await asked;
    assert.equal(ep, 'moved');
    await Promise.all([leftA, onB, clientOnB]);
    assert.equal(await dmB.client('moved').object(Device).instance(0).manufacturer.read(), 'Mover');
    assert.deepEqual(client.status().map((s) => [s.shortServerId, s.state]), [[2, 'registered']]);
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dmA.stop(), dmB.stop()]);
  }
});

test('every registration failed for good: the client falls back to its bootstrap server (Bootstrap on Registration Failure)', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const bs = new BootstrapServer({ port: 0, config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 5, uri: `coap://127.0.0.1:${dm.address().port}` }] } }) });
  await bs.start();
  const dead = await freePort();
  const client = new LwM2MClient({
    endpoint: 'fallback', objects: [new BasicDevice({})], ...fast, retry: { maxAttempts: 1 },
    servers: [{ uri: `coap://127.0.0.1:${dead}`, shortServerId: 4 }], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}` },
  });
  try {
    const gaveUp = client.next('registrationFailed');
    const asked = once(bs, 'request');
    const registered = client.next('registered');
    await client.start();
    const f = await gaveUp;
    assert.deepEqual([f.shortServerId, f.retryInMs], [4, undefined]);
    await asked;
    assert.equal((await registered).shortServerId, 5);
    assert.deepEqual(client.status().map((s) => [s.shortServerId, s.state]), [[5, 'registered']]);
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm.stop()]);
  }
});

test('Bootstrap-Server Account Timeout (/0/x/12): the account is purged that long after the bootstrap, and the server is a stranger afterwards', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const bs = new BootstrapServer({ port: 0, config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 1, uri: `coap://127.0.0.1:${dm.address().port}` }] } }) });
  await bs.start();
  const account = new LwM2MSecurity_v1_1.Instance(0, {
    lwm2mServerUri: `coap://127.0.0.1:${bs.address().port}`, bootstrapServer: true, securityMode: 3,
    publicKeyOrIdentity: new Uint8Array(), serverPublicKey: new Uint8Array(), secretKey: new Uint8Array(), bootstrapServerAccountTimeout: 1,
  });
  const client = new LwM2MClient({ endpoint: 'purge', objects: [new BasicDevice({}), account] });
  try {
    const registered = client.next('registered');
    await client.start();
    await registered;
    assert.equal(client.tree.instance(0, 0), account, 'kept while the timeout runs');
    // Removing an instance makes an Update; the client is registered again once it is answered.
    const updated = client.next('updated');
    await new Promise<void>((resolve) => {
      const off = client.tree.onStructureChange(() => {
        if (client.tree.instance(0, 0) === undefined) {
          off();
          resolve();
        }
      });
    });
    await assert.rejects(bs.bootstrap('purge', client.address()), { code: 'E_BS_REFUSED', coapCode: '4.01' });
    await updated;
    assert.deepEqual(client.status().map((s) => [s.shortServerId, s.state]), [[1, 'registered']]);
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm.stop()]);
  }
});
