/**
 * The bootstrap server over real UDP, against a CoAP peer that records what a client would
 * receive: Bootstrap-Delete, Bootstrap-Discover, Writes of /0 and /1, Bootstrap-Finish.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { coreRegistry } from '../../registry/index.js';
import { BootstrapConfigError, BootstrapServer, MemoryBootstrapConfigStore, parseBootstrapConfig } from '../../runtime/bootstrap/index.js';
import { decode } from '../../runtime/codec/codec.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import type { InstanceNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

const config = parseBootstrapConfig({
  endpoints: {
    'dev-1': { servers: [
      { shortServerId: 101, uri: 'coap://127.0.0.1:5683', lifetime: 300, binding: 'UQ' },
      { shortServerId: 102, uri: 'coaps://127.0.0.1:5684', security: { mode: 'psk', identity: 'dev-1', key: '0011aabb' } },
    ] },
  },
});

async function fakeClient() {
  const requests: string[] = [];
  const writes = new Map<string, Map<number, unknown>>();
  const resolve = objectResolver(coreRegistry);
  const coap = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  let finished: () => void = () => {};
  const finish = new Promise<void>((r) => { finished = r; });
  coap.onRequest((req) => {
    const path = `/${req.path.join('/')}`;
    requests.push(`${req.method} ${path}`);
    if (req.method === 'DELETE') return { code: 0x42 };
    if (req.method === 'GET') return { code: 0x45, contentFormat: 40, payload: '</0/0>;ssid=0' };
    if (req.method === 'PUT') {
      const node = decode(req.contentFormat!, parsePath(path), req.payload, { resolve }) as InstanceNode;
      writes.set(path, new Map([...node.resources].map(([id, r]) => [id, r.kind === 'resource' ? r.value : undefined])));
      return { code: 0x44 };
    }
    if (req.method === 'POST' && path === '/bs') {
      finished();
      return { code: 0x44 };
    }
    return { code: 0x85 };
  });
  return { coap, requests, writes, finish };
}

test('Bootstrap-Request, then Delete, Discover, Write of /0 and /1 per server, and Finish', async () => {
  const bs = new BootstrapServer({ config, port: 0 });
  await bs.start();
  const c = await fakeClient();
  try {
    const done = once(bs, 'bootstrapped');
    const r = await c.coap.request(bs.address(), { method: 'POST', path: 'bs', query: ['ep=dev-1'] });
    assert.equal(r.code, 0x44);
    await c.finish;
    await done;
    assert.deepEqual(c.requests, ['DELETE /0', 'DELETE /1', 'GET /0', 'PUT /0/1', 'PUT /1/0', 'PUT /0/2', 'PUT /1/1', 'POST /bs']);
    const sec1 = c.writes.get('/0/1')!;
    assert.equal(sec1.get(0), 'coap://127.0.0.1:5683');
    assert.equal(sec1.get(1), false);
    assert.equal(sec1.get(2), 3, 'NoSec');
    assert.equal(sec1.get(10), 101);
    const sec2 = c.writes.get('/0/2')!;
    assert.equal(sec2.get(2), 0, 'PSK');
    assert.deepEqual(Buffer.from(sec2.get(3) as Uint8Array).toString(), 'dev-1');
    assert.deepEqual(Buffer.from(sec2.get(5) as Uint8Array).toString('hex'), '0011aabb');
    const srv0 = c.writes.get('/1/0')!;
    assert.deepEqual([srv0.get(0), srv0.get(1), srv0.get(7)], [101, 300, 'UQ']);
    assert.deepEqual([c.writes.get('/1/1')!.get(0), c.writes.get('/1/1')!.get(1)], [102, 86400]);
  } finally {
    await c.coap.close();
    await bs.stop();
  }
});

test('refusals: no endpoint name, an endpoint without configuration, another method or path', async () => {
  const bs = new BootstrapServer({ config, port: 0 });
  await bs.start();
  const c = await fakeClient();
  try {
    assert.equal((await c.coap.request(bs.address(), { method: 'POST', path: 'bs' })).code, 0x80);
    assert.equal((await c.coap.request(bs.address(), { method: 'POST', path: 'bs', query: ['ep=stranger'] })).code, 0x80);
    assert.equal((await c.coap.request(bs.address(), { method: 'GET', path: 'bs' })).code, 0x85);
    assert.equal((await c.coap.request(bs.address(), { method: 'POST', path: 'rd', query: ['ep=dev-1'] })).code, 0x84);
    assert.deepEqual(c.requests, []);
  } finally {
    await c.coap.close();
    await bs.stop();
  }
});

test('configuration errors name the key path', () => {
  assert.throws(() => parseBootstrapConfig({ endpoints: { x: { servers: [{ shortServerId: 0, uri: 'http://x' }] } } }, 'bs.json'), (e: Error) =>
    /bs\.json: endpoints\.x\.servers\.0\.shortServerId/.test(e.message) && /bs\.json: endpoints\.x\.servers\.0\.uri/.test(e.message));
  assert.throws(() => parseBootstrapConfig({ endpoints: { x: { servers: [{ shortServerId: 1, uri: 'coap://h', security: { mode: 'psk', identity: 'i', key: 'zz' } }] } } }), /security\.key: hexadecimal bytes/);
});

test('configurations from a store: set, replaced and removed at run time through the API; the default for the others', async () => {
  const store = new MemoryBootstrapConfigStore(parseBootstrapConfig({ default: { servers: [{ shortServerId: 9, uri: 'coap://127.0.0.1:9' }] } }));
  const bs = new BootstrapServer({ port: 0, store });
  await bs.start();
  const c = await fakeClient();
  try {
    assert.equal(bs.store, store);
    await bs.store.set('dev-2', { servers: [{ shortServerId: 42, uri: 'coap://127.0.0.1:4242', lifetime: 30 }] });
    assert.deepEqual([...(await store.all()).keys()], ['dev-2']);
    const done = once(bs, 'bootstrapped');
    assert.equal((await c.coap.request(bs.address(), { method: 'POST', path: 'bs', query: ['ep=dev-2'] })).code, 0x44);
    const [ep, servers] = await done;
    assert.equal(ep, 'dev-2');
    assert.deepEqual(servers.map((s: { shortServerId: number }) => s.shortServerId), [42]);
    assert.deepEqual([c.writes.get('/1/0')!.get(0), c.writes.get('/1/0')!.get(1), c.writes.get('/1/0')!.get(7)], [42, 30, 'U'], 'defaults filled in by the store');
    assert.equal((await store.remove('dev-2'))?.servers[0]?.shortServerId, 42);
    assert.equal((await store.get('dev-2'))?.servers[0]?.shortServerId, 9, 'the default again');
    await assert.rejects(store.set('dev-3', { servers: [{ shortServerId: 1, uri: 'coap://a' }, { shortServerId: 1, uri: 'coap://b' }] }), (e: unknown) =>
      e instanceof BootstrapConfigError && e.code === 'E_BS_CONFIG' && /endpoint dev-3: servers: two servers have the same shortServerId/.test(e.message));
    await assert.rejects(store.set('dev-3', { servers: [] }), /endpoint dev-3: servers: /);
    assert.equal(await new MemoryBootstrapConfigStore().get('anyone'), undefined, 'an empty store refuses everyone');
  } finally {
    await c.coap.close();
    await bs.stop();
  }
});

test('the JSON file: per-endpoint PSK with the bootstrap server, checked like the rest', () => {
  const cfg = parseBootstrapConfig({ endpoints: { d: { psk: { identity: 'd-bs', key: '0102' }, servers: [{ shortServerId: 1, uri: 'coaps://h:5684', security: { mode: 'psk', identity: 'd', key: 'ff' } }] } } });
  assert.deepEqual(cfg.endpoints.d?.psk, { identity: 'd-bs', key: '0102' });
  assert.throws(() => parseBootstrapConfig({ endpoints: { d: { psk: { identity: '', key: 'x' }, servers: [{ shortServerId: 1, uri: 'coap://h' }] } } }, 'f.json'), (e: Error) =>
    /f\.json: endpoints\.d\.psk\.identity/.test(e.message) && /f\.json: endpoints\.d\.psk\.key: hexadecimal bytes/.test(e.message));
});
