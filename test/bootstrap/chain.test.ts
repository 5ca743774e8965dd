/**
 * The chain of issue #6: a client that knows only its bootstrap server asks it for its
 * servers, gets them (writes applied only at Bootstrap-Finish), and registers with them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Device } from '../../registry/index.js';
import { BootstrapServer, parseBootstrapConfig } from '../../runtime/bootstrap/index.js';
import { BasicDevice, ClientError, LwM2MClient, readFactoryBootstrap } from '../../runtime/client/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';

test('bootstrap server -> two DM servers: the client registers with both, and each can read it', async () => {
  const dm1 = new LwM2MServer({ port: 0 });
  const dm2 = new LwM2MServer({ port: 0 });
  await dm1.start();
  await dm2.start();
  const bs = new BootstrapServer({
    port: 0,
    config: parseBootstrapConfig({ endpoints: { 'chained': { servers: [
      { shortServerId: 101, uri: `coap://127.0.0.1:${dm1.address().port}`, lifetime: 60 },
      { shortServerId: 102, uri: `coap://127.0.0.1:${dm2.address().port}`, lifetime: 120 },
    ] } } }),
  });
  await bs.start();
  const client = new LwM2MClient({ endpoint: 'chained', objects: [new BasicDevice({ manufacturer: 'Chain Co' })], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}`, finishTimeoutMs: 5000 } });
  const failures: string[] = [];
  bs.on('failed', (ep, e) => failures.push(`${ep}: ${e.message}`));
  try {
    const reg1 = once(dm1, 'registered');
    const reg2 = once(dm2, 'registered');
    const bootstrapped = once(bs, 'bootstrapped');
    await client.start();
    await bootstrapped;
    const [[r1], [r2]] = await Promise.all([reg1, reg2]);
    assert.deepEqual([r1.endpoint, r1.lifetime, r2.endpoint, r2.lifetime], ['chained', 60, 'chained', 120]);
    assert.equal(await dm1.client('chained').object(Device).instance(0).manufacturer.read(), 'Chain Co');
    assert.equal(await dm2.client('chained').object(Device).instance(0).manufacturer.read(), 'Chain Co');
    assert.deepEqual(failures, []);
    // The bootstrap account is still there; the DM servers never see /0.
    assert.ok(client.tree.instances(0).some((i) => i.id === 0));
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm1.stop(), dm2.stop()]);
  }
});

test('a bootstrap that fails changes nothing', async () => {
  const bs = new BootstrapServer({ port: 0, config: parseBootstrapConfig({ endpoints: {} }) });
  await bs.start();
  const client = new LwM2MClient({ endpoint: 'unknown-to-bs', objects: [new BasicDevice({})], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}`, retry: { maxAttempts: 1 } } });
  try {
    const before = client.tree.instances(0).length + client.tree.instances(1).length;
    const failed = client.next('bootstrapFailed');
    await client.start();
    const { error, attempt, retryInMs } = await failed;
    assert.ok(error instanceof ClientError && error.code === 'E_CLIENT_REJECTED' && /4\.00/.test(error.message), String(error));
    assert.deepEqual([attempt, retryInMs], [1, undefined], 'maxAttempts 1: given up');
    assert.equal(client.tree.instances(0).length + client.tree.instances(1).length, before);
  } finally {
    await client.stop();
    await bs.stop();
  }
});

test('factory bootstrap file -> bootstrap server -> DM server, with the ACL the file gives', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const bs = new BootstrapServer({ port: 0, config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 7, uri: `coap://127.0.0.1:${dm.address().port}` }] } }) });
  await bs.start();
  const dir = mkdtempSync(join(tmpdir(), 'factory-'));
  const file = join(dir, 'factory.json');
  writeFileSync(file, JSON.stringify({ bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}` }, acl: [{ object: 3, instance: 0, server: 7, rights: ['read'] }] }));
  const client = new LwM2MClient({ endpoint: 'from-factory', objects: [new BasicDevice({ manufacturer: 'Factory' })], factory: readFactoryBootstrap(file) });
  try {
    const registered = once(dm, 'registered');
    await client.start();
    await registered;
    assert.equal(await dm.client('from-factory').object(Device).instance(0).manufacturer.read(), 'Factory');
    assert.equal(client.tree.instances(2).length, 1, 'the ACL from the file made an Access Control instance');
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm.stop()]);
  }
  writeFileSync(file, JSON.stringify({ servers: [{ shortServerId: 0, uri: 'http://x' }] }));
  assert.throws(() => readFactoryBootstrap(file), (e: Error) => /servers\.0\.shortServerId/.test(e.message) && /servers\.0\.uri/.test(e.message));
  rmSync(dir, { recursive: true, force: true });
});

test('bootstrap server -> two DM servers with the ACLs it writes: A may read and write /3/0, B may only read it', async () => {
  const [dmA, dmB] = [new LwM2MServer({ port: 0 }), new LwM2MServer({ port: 0 })];
  await Promise.all([dmA.start(), dmB.start()]);
  const bs = new BootstrapServer({
    port: 0,
    config: parseBootstrapConfig({ endpoints: { 'acl-dev': {
      servers: [{ shortServerId: 101, uri: `coap://127.0.0.1:${dmA.address().port}` }, { shortServerId: 102, uri: `coap://127.0.0.1:${dmB.address().port}` }],
      acl: [
        { object: 3, instance: 0, server: 101, rights: ['read', 'write'] },
        { object: 3, instance: 0, server: 102, rights: ['read'] },
      ],
    } } }),
  });
  await bs.start();
  const client = new LwM2MClient({ endpoint: 'acl-dev', objects: [new BasicDevice({ manufacturer: 'Guarded', utcOffset: '+01:00' })], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}` } });
  try {
    const both = new Promise<void>((resolve) => {
      const seen = new Set<number>();
      client.on('registered', (r) => { seen.add(r.shortServerId); if (seen.size === 2) resolve(); });
    });
    await client.start();
    await both;
    const acl = client.tree.instances(2);
    assert.equal(acl.length, 1, 'one Access Control instance, for /3/0');
    assert.deepEqual([await acl[0]!.read(0), await acl[0]!.read(1), [...((await acl[0]!.read(2)) as Map<number, number>)], await acl[0]!.read(3)], [3, 0, [[101, 3], [102, 1]], 65535]);
    const a = dmA.client('acl-dev').object(Device).instance(0);
    const b = dmB.client('acl-dev').object(Device).instance(0);
    assert.equal(await b.manufacturer.read(), 'Guarded');
    await a.utcOffset.write('+02:00');
    assert.equal(await b.utcOffset.read(), '+02:00');
    await assert.rejects(b.utcOffset.write('+03:00'), /4\.01/);
    assert.equal(await a.utcOffset.read(), '+02:00', 'the refused write changed nothing');
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dmA.stop(), dmB.stop()]);
  }
});
