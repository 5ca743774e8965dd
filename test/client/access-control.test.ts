/** Access Control (/2) with two DM servers: rights per server and instance, owners, defaults, Create and Delete. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { codeText } from '../../runtime/coap/codes.js';
import type { RequestInit } from '../../runtime/coap/request.js';
import { decodeRecords, encode, encodeCompositeRequest } from '../../runtime/codec/codec.js';
import { ContentFormat as F } from '../../runtime/codec/content-format.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { Device, LwM2MAccessControl } from '../../registry/index.js';
import { cleanup, client, device, FakeServer } from './helpers.js';
import { TestObject, testDescriptor } from './fixtures.js';

after(cleanup);

const R = 1, W = 2, E = 4;
const opts = { resolve: objectResolver([Device.descriptor, testDescriptor, LwM2MAccessControl.descriptor]) };
const aco = (id: number, objectId: number, objectInstanceId: number, acl: [number, number][], owner: number) =>
  new LwM2MAccessControl.Instance(id, { objectId, objectInstanceId, acl: new Map(acl), accessControlOwner: owner });

test('two servers: rights from ACL entries, the owner, the default entry; no AC instance means no access', async () => {
  const a = await FakeServer.start();
  const b = await FakeServer.start();
  const c = client({
    endpoint: 'acl',
    objects: [
      device(),
      new TestObject.Instance(0, { value: 1, name: 'zero', reset: () => {} }),
      new TestObject.Instance(1, { value: 2 }),
      aco(0, 3, 0, [[1, R | W | E]], 1),
      aco(1, 33000, 0, [[0, R]], 2),
      aco(2, 33000, 65535, [[2, 16]], 2),
    ],
    servers: [{ uri: a.uri, shortServerId: 1, lifetime: 600 }, { uri: b.uri, shortServerId: 2, lifetime: 600 }],
  });
  await c.start();
  await Promise.all([a.waitFor((r) => r.path === '/rd'), b.waitFor((r) => r.path === '/rd')]);
  while (c.status().some((s) => s.state !== 'registered')) await c.next('registered');
  const code = async (s: FakeServer, init: RequestInit): Promise<string> => codeText((await s.endpoint.request(c.address(), init)).code);
  const body = async (s: FakeServer, init: RequestInit): Promise<string> => {
    const r = await s.endpoint.request(c.address(), init);
    assert.equal(codeText(r.code), '2.05');
    return new TextDecoder().decode(r.payload);
  };

  // /3/0: A has R|W|E; B has no entry, is not the owner, and there is no default.
  assert.equal(await code(a, { method: 'GET', path: '/3/0/0' }), '2.05');
  assert.equal(await code(b, { method: 'GET', path: '/3/0/0' }), '4.01');
  assert.equal(await code(b, { method: 'POST', path: '/3/0/4' }), '4.01');
  assert.equal(await body(b, { method: 'GET', path: '/3', accept: F.LINK }), '</3>;ver=1.2', 'Discover leaves out what B may not read');
  assert.equal(await code(b, { method: 'GET', path: '/3/0', accept: F.LINK }), '4.01');
  assert.equal(await code(b, { method: 'PUT', path: '/3/0/9', query: ['pmin=1'] }), '4.01', 'Write-Attributes needs R');
  assert.equal(await code(a, { method: 'POST', path: '/3/0/4' }), '2.04');

  // /33000/0: A gets the default (R); B is the owner without an entry (full access).
  assert.equal(await code(a, { method: 'GET', path: '/33000/0/1' }), '2.05');
  assert.equal(await code(a, { method: 'PUT', path: '/33000/0/1', contentFormat: F.TEXT, payload: 'x' }), '4.01');
  assert.equal(await code(a, { method: 'POST', path: '/33000/0/3' }), '4.01');
  assert.equal(await code(b, { method: 'PUT', path: '/33000/0/1', contentFormat: F.TEXT, payload: 'byB' }), '2.04');
  assert.equal(await code(b, { method: 'POST', path: '/33000/0/3' }), '2.04');

  // /33000/1 has no AC instance: nobody has access; object-level reads leave it out.
  assert.equal(await code(a, { method: 'GET', path: '/33000/1' }), '4.01');
  assert.equal(await code(b, { method: 'DELETE', path: '/33000/1' }), '4.01');
  assert.match(await body(a, { method: 'GET', path: '/33000', accept: F.LINK }), /^<\/33000>;ver=1\.1,<\/33000\/0>,<\/33000\/0\/0>/);
  assert.doesNotMatch(await body(a, { method: 'GET', path: '/33000', accept: F.LINK }), /<\/33000\/1>/);

  // Read-Composite leaves out what the server may not read.
  const fetch = await b.endpoint.request(c.address(), { method: 'FETCH', path: '/', contentFormat: F.SENML_JSON, payload: encodeCompositeRequest(F.SENML_JSON, [parsePath('/3/0/0'), parsePath('/33000/0/1')]) });
  assert.deepEqual(decodeRecords(F.SENML_JSON, fetch.payload, opts).map((r) => r.value), ['byB']);

  // Create on /33000 needs C in the AC instance for /33000/65535: B has it, A not.
  const create = encode(F.SENML_JSON, parsePath('/33000'), { kind: 'object', id: 33000, instances: new Map([[7, { kind: 'instance', id: 7, resources: new Map([[0, { kind: 'resource', id: 0, value: 7 }]]) }]]) }, opts);
  assert.equal(await code(a, { method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: create }), '4.01');
  assert.equal(await code(b, { method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: create }), '2.01');
  const made = c.tree.instances(2).find((x) => x.id === 3)!;
  assert.equal(await made.read(0), 33000);
  assert.equal(await made.read(1), 7);
  assert.deepEqual(await made.read(2), new Map([[2, 15]]), 'the creator gets R|W|E|D');
  assert.equal(await made.read(3), 2, 'and owns the new AC instance');
  assert.equal(await code(a, { method: 'GET', path: '/33000/7' }), '4.01');
  assert.equal(await code(b, { method: 'GET', path: '/33000/7' }), '2.05');

  // AC instances: readable by all, writable by their owner only, never deleted by a DM server.
  assert.equal(await code(a, { method: 'GET', path: '/2/3' }), '2.05');
  assert.equal(await code(a, { method: 'PUT', path: '/2/3/2/1', contentFormat: F.TEXT, payload: '1' }), '4.01');
  assert.equal(await code(b, { method: 'PUT', path: '/2/3/2/1', contentFormat: F.TEXT, payload: '1' }), '2.04');
  assert.equal(await code(a, { method: 'GET', path: '/33000/7/0' }), '2.05', 'the owner granted A read access');
  assert.equal(await code(b, { method: 'DELETE', path: '/2/3' }), '4.01');
  assert.equal(await code(b, { method: 'POST', path: '/2', contentFormat: F.TLV, payload: new Uint8Array([0xc1, 0, 1]) }), '4.01');

  // Delete takes the AC instance with it.
  assert.equal(await code(b, { method: 'DELETE', path: '/33000/7' }), '2.02');
  assert.equal(c.tree.instance(2, 3), undefined);
});

test('one server: full access even when /2 exists', async () => {
  const a = await FakeServer.start();
  const c = client({ endpoint: 'acl1', objects: [device(), aco(0, 3, 0, [[1, 0]], 1)], servers: [{ uri: a.uri, shortServerId: 1 }] });
  await c.start();
  await c.next('registered');
  assert.equal(codeText((await a.endpoint.request(c.address(), { method: 'GET', path: '/3/0/0' })).code), '2.05');
});
