/**
 * Bootstrap over DTLS with PSK, real sockets: the client's bootstrap account (Security
 * instance with Bootstrap-Server = true, mode 0) holds its PSK; the bootstrap server takes keys
 * from a SecurityStore and gives the configuration only to the identity the store names for
 * the endpoint; the DM server it hands out is itself coaps, with the PSK it wrote.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Device } from '../../registry/index.js';
import { BootstrapServer, parseBootstrapConfig } from '../../runtime/bootstrap/index.js';
import { BasicDevice, LwM2MClient, readFactoryBootstrap } from '../../runtime/client/index.js';
import { LwM2MServer, MemorySecurityStore } from '../../runtime/server/index.js';

const bsKey = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
const dmKeyHex = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';

async function servers() {
  const dm = new LwM2MServer({
    port: 0, securityStore: new MemorySecurityStore([{ endpoint: 'sealed', credentials: { mode: 'psk', identity: 'sealed-dm', key: Buffer.from(dmKeyHex, 'hex') } }]), dtls: {},
  });
  await dm.start();
  const bs = new BootstrapServer({
    port: 0, dtls: {},
    securityStore: new MemorySecurityStore([
      { endpoint: 'sealed', credentials: { mode: 'psk', identity: 'sealed-bs', key: bsKey } },
      { endpoint: 'other', credentials: { mode: 'psk', identity: 'other-bs', key: bsKey } },
    ]),
    config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 11, uri: `coaps://127.0.0.1:${dm.address().port}`, security: { mode: 'psk', identity: 'sealed-dm', key: dmKeyHex } }] } }),
  });
  await bs.start();
  return { dm, bs, bsUri: `coaps://127.0.0.1:${bs.address().port}` };
}

test('coaps bootstrap with PSK: the bootstrap server configures a coaps DM server, the client registers with it under DTLS', async () => {
  const { dm, bs, bsUri } = await servers();
  const dir = mkdtempSync(join(tmpdir(), 'factory-dtls-'));
  const file = join(dir, 'factory.json');
  writeFileSync(file, JSON.stringify({ bootstrap: { uri: bsUri, psk: { identity: 'sealed-bs', key: Buffer.from(bsKey).toString('hex') } } }));
  const client = new LwM2MClient({ endpoint: 'sealed', objects: [new BasicDevice({ manufacturer: 'Sealed' })], factory: readFactoryBootstrap(file) });
  try {
    const account = client.tree.instances(0)[0]!;
    assert.deepEqual([await account.read(1), await account.read(2)], [true, 0], 'the bootstrap account: Bootstrap-Server = true, PSK mode');
    const asked = once(bs, 'request');
    const registered = once(dm, 'registered');
    await client.start();
    await asked;
    const [reg] = await registered;
    assert.equal(reg.endpoint, 'sealed');
    assert.deepEqual(reg.identity, { type: 'psk', identity: 'sealed-dm' });
    assert.equal(await dm.client('sealed').object(Device).instance(0).manufacturer.read(), 'Sealed');
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('coaps bootstrap refusals: another endpoint\'s identity, and plain CoAP where the store allows no NoSec, get 4.03', async () => {
  const { dm, bs, bsUri } = await servers();
  const plainBs = new BootstrapServer({ port: 0, securityStore: new MemorySecurityStore([{ endpoint: 'sealed', credentials: { mode: 'psk', identity: 'sealed-bs', key: bsKey } }]), config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 1, uri: 'coap://127.0.0.1:1' }] } }) });
  await plainBs.start();
  const clients = [
    new LwM2MClient({ endpoint: 'sealed', objects: [new BasicDevice({})], bootstrap: { uri: bsUri, psk: { identity: 'other-bs', key: bsKey }, retry: { maxAttempts: 1 } } }),
    new LwM2MClient({ endpoint: 'sealed', objects: [new BasicDevice({})], bootstrap: { uri: `coap://127.0.0.1:${plainBs.address().port}`, retry: { maxAttempts: 1 } } }),
  ];
  try {
    for (const c of clients) {
      const failed = c.next('bootstrapFailed');
      await c.start();
      const { error, retryInMs } = await failed;
      assert.equal(error.code, 'E_CLIENT_REJECTED');
      assert.equal(error.coapCode, '4.03');
      assert.equal(retryInMs, undefined);
      assert.equal(c.tree.instances(1).length, 0, 'nothing was configured');
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all([bs.stop(), dm.stop(), plainBs.stop()]);
  }
});
