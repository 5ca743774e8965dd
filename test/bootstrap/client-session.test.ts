/**
 * The client's answers to a bootstrap server, over real UDP: Bootstrap-Discover (lwm2m, ssid,
 * uri), Bootstrap-Read (/1 and /2 only, 1.1+), and the all-or-nothing Finish: a bad write, an
 * inconsistent configuration or a Finish that never comes leave the previous configuration.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { coreRegistry, Device } from '../../registry/index.js';
import { BootstrapError, BootstrapServer, defaultScript, parseBootstrapConfig, type BootstrapExchange } from '../../runtime/bootstrap/index.js';
import { encode } from '../../runtime/codec/codec.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import type { IncomingRequest } from '../../runtime/coap/request.js';
import { BasicDevice, LwM2MClient, type Lwm2mVersion } from '../../runtime/client/index.js';
import { instanceNode, multipleResourceNode, resourceNode, type InstanceNode, type LwM2MNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import type { CoreLink } from '../../runtime/model/values.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

const resolve = objectResolver(coreRegistry);

function security(id: number, uri: string, ssid: number): InstanceNode {
  return instanceNode(id, [resourceNode(0, uri), resourceNode(1, false), resourceNode(2, 3), resourceNode(3, new Uint8Array(0)), resourceNode(4, new Uint8Array(0)), resourceNode(5, new Uint8Array(0)), resourceNode(10, ssid)]);
}
function server(id: number, ssid: number, lifetime: number): InstanceNode {
  return instanceNode(id, [resourceNode(0, ssid), resourceNode(1, lifetime), resourceNode(6, false), resourceNode(7, 'U')]);
}
async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    assert.ok(e instanceof BootstrapError, String(e));
    return e.coapCode;
  }
}
const link = (links: readonly CoreLink[], target: string): CoreLink | undefined => links.find((l) => l.target === target);

async function discoverAndRead(version: Lwm2mVersion) {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const dmUri = `coap://127.0.0.1:${dm.address().port}`;
  const seen: { root?: CoreLink[]; after?: CoreLink[]; server?: CoreLink[]; read?: LwM2MNode; lifetime?: LwM2MNode; acl?: LwM2MNode; refused?: (string | undefined)[]; instancesBeforeFinish?: number } = {};
  let client!: LwM2MClient;
  const bs = new BootstrapServer({
    port: 0,
    config: parseBootstrapConfig({ default: { servers: [{ shortServerId: 101, uri: dmUri, lifetime: 60 }] } }),
    configure: async (ex: BootstrapExchange, config) => {
      seen.root = await ex.discover('/');
      if (version === '1.0') {
        seen.refused = [await refusal(ex.read('/1'))];
        return defaultScript(ex, config);
      }
      await ex.delete('/0');
      await ex.delete('/1');
      await ex.write('/0/1', security(1, dmUri, 101));
      await ex.write('/1/0', server(0, 101, 60));
      seen.after = await ex.discover('/0');
      seen.server = await ex.discover('/1');
      seen.read = await ex.read('/1');
      seen.lifetime = await ex.read('/1/0/1');
      await ex.write('/2/4', instanceNode(4, [resourceNode(0, 3), resourceNode(1, 0), multipleResourceNode(2, [[101, 1]]), resourceNode(3, 101)]));
      seen.acl = await ex.read('/2');
      seen.refused = await Promise.all(['/0', '/0/0', '/3/0', '/3'].map((p) => refusal(ex.read(p))));
      seen.refused.push(await refusal(ex.discover('/0/1')));
      seen.instancesBeforeFinish = client.tree.instances(1).length;
      await ex.finish();
    },
  });
  await bs.start();
  const bsUri = `coap://127.0.0.1:${bs.address().port}`;
  client = new LwM2MClient({ endpoint: `bs-ops-${version}`, lwm2mVersion: version, objects: [new BasicDevice({ manufacturer: 'Ops' })], bootstrap: { uri: bsUri } });
  try {
    const registered = once(dm, 'registered');
    const bootstrapped = client.next('bootstrapped');
    await client.start();
    assert.deepEqual((await bootstrapped).servers, [{ shortServerId: 101, uri: dmUri }]);
    const [reg] = await registered;
    assert.equal(reg.lifetime, 60);
    assert.equal(await dm.client(`bs-ops-${version}`).object(Device).instance(0).manufacturer.read(), 'Ops');
    const lastBootstrapped = await client.tree.instances(1)[0]!.read(12).catch(() => undefined);
    assert.equal(lastBootstrapped instanceof Date, version !== '1.0', 'Last Bootstrapped (/1/x/12) from 1.1');
    return { seen, bsUri, dmUri };
  } finally {
    await client.stop();
    await Promise.all([bs.stop(), dm.stop()]);
  }
}

test('Bootstrap-Discover (lwm2m, ssid, uri) and Bootstrap-Read of /1 from the staged configuration; /0, /3 refused with 4.01; nothing applied before Finish', async () => {
  const { seen, bsUri, dmUri } = await discoverAndRead('1.1');
  const root = seen.root!;
  assert.deepEqual(root[0], { target: '/', attributes: { lwm2m: 1.1 } }, 'the root link names the LwM2M version');
  assert.deepEqual(link(root, '/0/0')?.attributes, { uri: bsUri }, 'the bootstrap account: uri, no ssid');
  assert.ok(link(root, '/3/0') !== undefined, 'every object is listed');
  assert.deepEqual(link(seen.after!, '/0/1')?.attributes, { ssid: 101, uri: dmUri }, 'a written Security instance shows before Finish');
  assert.deepEqual(link(seen.server!, '/1/0')?.attributes, { ssid: 101 });
  const read = seen.read!;
  assert.equal(read.kind, 'object');
  const inst = read.kind === 'object' ? read.instances.get(0) : undefined;
  assert.deepEqual([inst?.resources.get(0), inst?.resources.get(1)], [{ kind: 'resource', id: 0, value: 101 }, { kind: 'resource', id: 1, value: 60 }]);
  assert.deepEqual(seen.lifetime, { kind: 'resource', id: 1, value: 60 });
  const acl = seen.acl!.kind === 'object' ? seen.acl!.instances.get(4) : undefined;
  assert.deepEqual(acl?.resources.get(2), { kind: 'multipleResource', id: 2, instances: new Map([[101, 1]]) }, 'Bootstrap-Read of /2 shows the staged ACL');
  assert.deepEqual(seen.refused, ['4.01', '4.01', '4.01', '4.01', '4.00'], 'Read of /0 and /3 is 4.01; Discover of an instance 4.00');
  assert.equal(seen.instancesBeforeFinish, 0, 'the Server instance exists only in the session until Finish');
});

test('a 1.2 client: root link lwm2m=1.2, Bootstrap-Read as in 1.1', async () => {
  const { seen, bsUri } = await discoverAndRead('1.2');
  assert.deepEqual(seen.root![0], { target: '/', attributes: { lwm2m: 1.2 } });
  assert.deepEqual(link(seen.root!, '/0/0')?.attributes, { uri: bsUri });
  assert.deepEqual(seen.lifetime, { kind: 'resource', id: 1, value: 60 });
  assert.deepEqual(seen.refused, ['4.01', '4.01', '4.01', '4.01', '4.00']);
});

test('a 1.0 client: root link lwm2m="1.0", no uri attribute, Bootstrap-Read refused with 4.05', async () => {
  const { seen } = await discoverAndRead('1.0');
  assert.deepEqual(seen.root![0], { target: '/', attributes: { lwm2m: '1.0' } });
  assert.deepEqual(link(seen.root!, '/0/0')?.attributes, {});
  assert.deepEqual(seen.refused, ['4.05']);
});

/** A bootstrap server written by hand, to send what BootstrapServer never would. */
async function scriptedBootstrapServer() {
  const coap = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  const requests: IncomingRequest[] = [];
  coap.onRequest((req) => {
    requests.push(req);
    return { code: 0x44 };
  });
  const send = async (peer: { address: string; port: number }, method: 'PUT' | 'DELETE' | 'POST', path: string, payload?: Uint8Array, contentFormat?: number): Promise<string> => {
    const r = await coap.request(peer, { method, path, ...(payload ? { payload, contentFormat } : {}) });
    return `${r.code >> 5}.${String(r.code & 31).padStart(2, '0')}`;
  };
  return { coap, requests, send, uri: `coap://127.0.0.1:${coap.address().port}` };
}

function tlv(path: string, node: InstanceNode): Uint8Array {
  return encode(ContentFormat.TLV, parsePath(path), node, { resolve });
}

async function snapshot(client: LwM2MClient): Promise<string[]> {
  const out: string[] = [];
  for (const o of [0, 1]) for (const i of client.tree.instances(o)) out.push(`${i.path} ${String(await i.read(0))} ${String(await i.read(o === 0 ? 10 : 1))}`);
  return out;
}

test('a bad write in the middle, then Finish: 4.00 for the write, 4.06 for the inconsistent result, and the previous configuration stays registered', async () => {
  const dmA = new LwM2MServer({ port: 0 });
  await dmA.start();
  const bs = await scriptedBootstrapServer();
  const client = new LwM2MClient({
    endpoint: 'atomic', objects: [new BasicDevice({ manufacturer: 'Before' })],
    servers: [{ uri: `coap://127.0.0.1:${dmA.address().port}`, shortServerId: 1 }], bootstrap: { uri: bs.uri },
  });
  try {
    const registered = once(dmA, 'registered');
    await client.start();
    await registered;
    const before = await snapshot(client);
    const to = client.address();
    // Server-initiated: the client accepts its bootstrap server's operations without asking.
    assert.equal(await bs.send(to, 'DELETE', '/0'), '2.02');
    assert.equal(await bs.send(to, 'DELETE', '/1'), '2.02');
    assert.equal(await bs.send(to, 'PUT', '/0/5', tlv('/0/5', security(5, 'coap://127.0.0.1:1', 102)), ContentFormat.TLV), '2.04');
    assert.equal(await bs.send(to, 'PUT', '/1/3', new Uint8Array([0xc8, 0x00, 0x10, 0x01]), ContentFormat.TLV), '4.00', 'a truncated TLV');
    assert.equal(await bs.send(to, 'PUT', '/0/0', tlv('/0/0', security(0, 'coap://x', 9)), ContentFormat.TLV), '2.04', '/0/0 is the old DM account here, not the bootstrap one');
    assert.equal(await bs.send(to, 'PUT', '/0/1', tlv('/0/1', security(1, 'coap://x', 9)), ContentFormat.TLV), '4.00', 'the bootstrap account is never rewritten');
    assert.equal(await bs.send(to, 'POST', '/bs'), '4.06', 'Security 102 and 9 have no Server instance: inconsistent');
    assert.deepEqual(await snapshot(client), before, 'nothing of the session was applied');
    assert.equal(client.status()[0]?.state, 'registered');
    assert.equal(await dmA.client('atomic').object(Device).instance(0).manufacturer.read(), 'Before', 'server A still manages the client');
    // A write missing a mandatory resource (Server: lifetime) also makes Finish refuse.
    assert.equal(await bs.send(to, 'PUT', '/1/7', tlv('/1/7', instanceNode(7, [resourceNode(0, 102)])), ContentFormat.TLV), '2.04');
    assert.equal(await bs.send(to, 'POST', '/bs'), '4.06');
    assert.deepEqual(await snapshot(client), before);
  } finally {
    await client.stop();
    await Promise.all([bs.coap.close(), dmA.stop()]);
  }
});

test('a bootstrap that never sends Finish (client-initiated through /1/x/9) times out and keeps the previous configuration', async () => {
  const dmA = new LwM2MServer({ port: 0 });
  await dmA.start();
  const bs = await scriptedBootstrapServer();
  const client = new LwM2MClient({
    endpoint: 'no-finish', objects: [new BasicDevice({})],
    servers: [{ uri: `coap://127.0.0.1:${dmA.address().port}`, shortServerId: 1 }],
    bootstrap: { uri: bs.uri, finishTimeoutMs: 300, retry: { maxAttempts: 1 } },
  });
  try {
    const registered = once(dmA, 'registered');
    await client.start();
    await registered;
    const before = await snapshot(client);
    const asked = new Promise<IncomingRequest>((res) => bs.coap.onRequest((req) => {
      res(req);
      return { code: 0x44 };
    }));
    const failed = client.next('bootstrapFailed');
    await dmA.client('no-finish').execute('/1/0/9');
    const req = await asked;
    assert.equal(req.method, 'POST');
    assert.deepEqual(req.path, ['bs']);
    assert.deepEqual(req.query, ['ep=no-finish', 'pct=112']);
    assert.equal(await bs.send(req.peer, 'DELETE', '/'), '2.02');
    assert.equal(await bs.send(req.peer, 'PUT', '/0/5', tlv('/0/5', security(5, 'coap://127.0.0.1:1', 102)), ContentFormat.TLV), '2.04');
    assert.equal(await bs.send(req.peer, 'PUT', '/1/5', tlv('/1/5', server(5, 102, 30)), ContentFormat.TLV), '2.04');
    const { error, retryInMs } = await failed;
    assert.equal(error.code, 'E_CLIENT_UNREACHABLE');
    assert.match(error.message, /did not finish in time/);
    assert.equal(retryInMs, undefined);
    assert.deepEqual(await snapshot(client), before, 'the staged Delete and Writes were dropped');
    assert.equal(client.status()[0]?.state, 'registered');
  } finally {
    await client.stop();
    await Promise.all([bs.coap.close(), dmA.stop()]);
  }
});
