/** Device management driven by a registered server (a CoapEndpoint) over UDP: every operation, the formats, the error codes. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ResponseCode as C, codeText } from '../../runtime/coap/codes.js';
import { OptionNumber, getStrings } from '../../runtime/coap/options.js';
import type { CoapResponse, RequestInit } from '../../runtime/coap/request.js';
import { decode, decodeRecords, encode, encodeCompositeRequest, encodeRecords } from '../../runtime/codec/codec.js';
import { ContentFormat as F } from '../../runtime/codec/content-format.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import type { LwM2MNode } from '../../runtime/model/node.js';
import { Device, Location, LwM2MServer_v1_1 } from '../../registry/index.js';
import { RefusedError, type LwM2MClient, type Lwm2mVersion } from '../../runtime/client/index.js';
import type { ObjectInstance } from '../../runtime/genv1/object-instance.js';
import { cleanup, client, device, FakeServer } from './helpers.js';
import { TestObject, testDescriptor } from './fixtures.js';

after(cleanup);

const resolve = objectResolver([Device.descriptor, Location.descriptor, LwM2MServer_v1_1.descriptor, testDescriptor]);
const opts = { resolve };

interface Setup {
  server: FakeServer;
  c: LwM2MClient;
  req(init: RequestInit): Promise<CoapResponse>;
  code(init: RequestInit): Promise<string>;
}

async function setup(version: Lwm2mVersion, objects: ObjectInstance[] = [], extra: Partial<Parameters<typeof client>[0]> = {}): Promise<Setup> {
  const server = await FakeServer.start();
  const c = client({ endpoint: `dm-${version}`, lwm2mVersion: version, objects: [device(), ...objects], servers: [{ uri: server.uri, shortServerId: 5, lifetime: 600 }], ...extra });
  const registered = c.next('registered');
  await c.start();
  await registered;
  const req = (init: RequestInit): Promise<CoapResponse> => server.endpoint.request(c.address(), init);
  return { server, c, req, code: async (init) => codeText((await req(init)).code) };
}

function testInstance(id = 0, extra: Record<string, unknown> = {}): ObjectInstance {
  return new TestObject.Instance(id, { value: 21.5, name: 'probe', levels: new Map([[0, 10], [1, 20]]), reset: () => {}, blob: new Uint8Array([1, 2, 3]), ...extra } as never);
}

function text(r: CoapResponse): string {
  return new TextDecoder().decode(r.payload);
}

function decoded(r: CoapResponse, path: string): LwM2MNode {
  assert.equal(codeText(r.code), '2.05', text(r));
  return decode(r.contentFormat!, parsePath(path), r.payload, opts);
}

test('Read: default formats per level for 1.1 (text, opaque, SenML CBOR)', async () => {
  const { req } = await setup('1.1', [testInstance()]);
  let r = await req({ method: 'GET', path: '/3/0/0' });
  assert.equal(r.contentFormat, F.TEXT);
  assert.equal(text(r), 'Acme');
  r = await req({ method: 'GET', path: '/33000/0/4' });
  assert.equal(r.contentFormat, F.OPAQUE);
  assert.deepEqual([...r.payload], [1, 2, 3]);
  r = await req({ method: 'GET', path: '/33000/0/2/1' });
  assert.equal(r.contentFormat, F.TEXT);
  assert.equal(text(r), '20');
  r = await req({ method: 'GET', path: '/33000/0' });
  assert.equal(r.contentFormat, F.SENML_CBOR);
  const inst = decoded(r, '/33000/0');
  assert.equal(inst.kind, 'instance');
  if (inst.kind === 'instance') {
    assert.deepEqual([...inst.resources.keys()], [0, 1, 2, 4], 'readable resources with a value only (no E, no W-only)');
  }
  r = await req({ method: 'GET', path: '/33000/0/2' });
  assert.equal(r.contentFormat, F.SENML_CBOR);
  assert.deepEqual(decoded(r, '/33000/0/2'), { kind: 'multipleResource', id: 2, instances: new Map([[0, 10], [1, 20]]) });
  r = await req({ method: 'GET', path: '/3' });
  const obj = decoded(r, '/3');
  assert.equal(obj.kind === 'object' && obj.instances.size, 1);
});

test('Read: TLV is the 1.0 default; every format the version allows round-trips', async () => {
  const s10 = await setup('1.0', [testInstance()]);
  let r = await s10.req({ method: 'GET', path: '/33000/0' });
  assert.equal(r.contentFormat, F.TLV);
  const expected = decoded(r, '/33000/0');
  for (const f of [F.TLV, F.LWM2M_JSON, F.TLV_LEGACY, F.JSON_LEGACY]) {
    r = await s10.req({ method: 'GET', path: '/33000/0', accept: f });
    assert.equal(r.contentFormat, f);
    assert.deepEqual(decoded(r, '/33000/0'), expected, `format ${f}`);
  }
  assert.equal(await s10.code({ method: 'GET', path: '/33000/0', accept: F.SENML_JSON }), '4.06', 'SenML is 1.1+');
  assert.equal(await s10.code({ method: 'GET', path: '/3/0/9', accept: F.CBOR }), '4.06', 'CBOR is 1.1+');

  const s12 = await setup('1.2', [testInstance()]);
  for (const f of [F.TLV, F.LWM2M_JSON, F.SENML_JSON, F.SENML_CBOR, F.LWM2M_CBOR]) {
    r = await s12.req({ method: 'GET', path: '/33000/0', accept: f });
    assert.equal(r.contentFormat, f);
    assert.deepEqual(decoded(r, '/33000/0'), expected, `format ${f}`);
  }
  for (const f of [F.TEXT, F.CBOR, F.TLV, F.SENML_JSON, F.SENML_CBOR, F.LWM2M_JSON, F.LWM2M_CBOR]) {
    r = await s12.req({ method: 'GET', path: '/33000/0/0', accept: f });
    assert.deepEqual(decoded(r, '/33000/0/0'), { kind: 'resource', id: 0, value: 21.5 }, `format ${f}`);
  }
  r = await s12.req({ method: 'GET', path: '/33000/0/4', accept: F.TEXT });
  assert.equal(text(r), 'AQID', 'opaque as text/plain is base64');
});

test('Read errors: 4.04 for what is absent, 4.05 for what is not readable, 4.06 for an Accept that cannot carry it, 5.00 for a failing getter', async () => {
  const { code } = await setup('1.1', [testInstance(0, { count: () => { throw new Error('sensor down'); } })]);
  assert.equal(await code({ method: 'GET', path: '/3/0/2' }), '4.04', 'no value');
  assert.equal(await code({ method: 'GET', path: '/3/0/999' }), '4.04', 'no such resource');
  assert.equal(await code({ method: 'GET', path: '/3/1' }), '4.04');
  assert.equal(await code({ method: 'GET', path: '/4242' }), '4.04');
  assert.equal(await code({ method: 'GET', path: '/33000/0/2/7' }), '4.04');
  assert.equal(await code({ method: 'GET', path: '/x/y' }), '4.04');
  assert.equal(await code({ method: 'GET', path: '/0' }), '4.04', 'a DM server never sees Security');
  assert.equal(await code({ method: 'GET', path: '/0/0/0' }), '4.04');
  assert.equal(await code({ method: 'GET', path: '/3/0/4' }), '4.05', 'Execute resource');
  assert.equal(await code({ method: 'GET', path: '/33000/0/6' }), '4.05', 'write-only resource');
  assert.equal(await code({ method: 'GET', path: '/3/0', accept: F.TEXT }), '4.06');
  assert.equal(await code({ method: 'GET', path: '/3/0/9', accept: 9999 }), '4.06');
  assert.equal(await code({ method: 'GET', path: '/33000/0/2', accept: F.TEXT }), '4.06', 'a multiple resource is not one value');
  assert.equal(await code({ method: 'GET', path: '/33000/0/5' }), '5.00', 'a getter that throws');
});

test('Discover and Write-Attributes: stored per server, validated, shown in Discover', async () => {
  const { req, code } = await setup('1.1', [testInstance()]);
  const disc = async (path: string): Promise<string> => {
    const r = await req({ method: 'GET', path, accept: F.LINK });
    assert.equal(codeText(r.code), '2.05', text(r));
    assert.equal(r.contentFormat, F.LINK);
    return text(r);
  };
  assert.equal(await disc('/33000'), '</33000>;ver=1.1,</33000/0>,</33000/0/0>,</33000/0/1>,</33000/0/2>;dim=2,</33000/0/3>,</33000/0/4>');
  assert.equal(await disc('/33000/0'), '</33000/0>,</33000/0/0>,</33000/0/1>,</33000/0/2>;dim=2,</33000/0/3>,</33000/0/4>');
  assert.equal(await disc('/33000/0/2'), '</33000/0/2>;dim=2,</33000/0/2/0>,</33000/0/2/1>');

  const wa = (path: string, query: string[]): Promise<string> => code({ method: 'PUT', path, query });
  assert.equal(await wa('/33000/0/0', ['pmin=10', 'pmax=60', 'gt=30', 'lt=5', 'st=2']), '2.04');
  assert.equal(await wa('/33000', ['pmin=5']), '2.04');
  assert.equal(await wa('/33000/0', ['pmax=100', 'epmin=1', 'epmax=2']), '2.04');
  assert.equal(await wa('/33000/0/2/1', ['gt=50']), '2.04');
  assert.equal(await disc('/33000'), '</33000>;ver=1.1;pmin=5,</33000/0>;pmax=100;epmin=1;epmax=2,</33000/0/0>;pmin=10;pmax=60;gt=30;lt=5;st=2,</33000/0/1>,</33000/0/2>;dim=2,</33000/0/3>,</33000/0/4>');
  assert.equal(await disc('/33000/0/2'), '</33000/0/2>;dim=2,</33000/0/2/0>,</33000/0/2/1>;gt=50');
  assert.equal(await wa('/33000/0/0', ['gt', 'st']), '2.04', 'a bare name removes the attribute');
  assert.match(await disc('/33000/0/0'), /^<\/33000\/0\/0>;pmin=10;pmax=60;lt=5$/);

  assert.equal(await wa('/33000/0', ['gt=5']), '4.00', 'gt on an instance');
  assert.equal(await wa('/33000/0/1', ['gt=5']), '4.00', 'gt on a string resource');
  assert.equal(await wa('/33000/0/0', ['pmin=100']), '4.00', 'pmin > pmax after the merge');
  assert.equal(await wa('/33000/0/0', ['gt=6', 'st=1']), '4.00', 'lt + 2*st >= gt');
  assert.equal(await wa('/33000/0/0', ['gt=30', 'lt=40']), '4.00', 'lt >= gt');
  assert.equal(await wa('/33000/0/0', ['foo=1']), '4.00');
  assert.equal(await wa('/33000/0/0', ['pmin=-1']), '4.00');
  assert.equal(await wa('/33000/0/0', ['pmin=abc']), '4.00');
  assert.equal(await wa('/33000/0/0', ['edge=1']), '4.00', 'edge is 1.2 and boolean only');
  assert.equal(await wa('/33000/0/3', ['pmin=1']), '4.05', 'an Execute resource has no attributes');
  assert.equal(await wa('/33000/9', ['pmin=1']), '4.04');
  assert.equal(await wa('/0/0', ['pmin=1']), '4.04');
  assert.equal(await code({ method: 'GET', path: '/33000/0/2/0', accept: F.LINK }), '4.05', 'no Discover on a resource instance');
});

test('Write: replace (PUT) and partial update (POST) in every format, checked against the descriptor', async () => {
  const changes: number[] = [];
  const inst = testInstance();
  inst.onChange((_, id) => changes.push(id));
  const { req, code } = await setup('1.2', [inst]);
  const put = (path: string, f: number, payload: Uint8Array | string): Promise<string> => code({ method: 'PUT', path, contentFormat: f, payload });
  const enc = (f: number, path: string, node: LwM2MNode): Uint8Array => encode(f, parsePath(path), node, opts);

  assert.equal(await put('/33000/0/1', F.TEXT, 'abc'), '2.04');
  assert.equal(await inst.read(1), 'abc');
  assert.equal(await put('/33000/0/5', F.CBOR, enc(F.CBOR, '/33000/0/5', { kind: 'resource', id: 5, value: 7 })), '2.04');
  assert.equal(await inst.read(5), 7);
  for (const f of [F.TLV, F.LWM2M_JSON, F.SENML_JSON, F.SENML_CBOR, F.LWM2M_CBOR]) {
    const n = 1 + [F.TLV, F.LWM2M_JSON, F.SENML_JSON, F.SENML_CBOR, F.LWM2M_CBOR].indexOf(f);
    assert.equal(await put('/33000/0', f, enc(f, '/33000/0', { kind: 'instance', id: 0, resources: new Map([[1, { kind: 'resource', id: 1, value: `f${n}` }], [2, { kind: 'multipleResource', id: 2, instances: new Map([[5, n]]) }]]) })), '2.04', `format ${f}`);
    assert.equal(await inst.read(1), `f${n}`);
    assert.deepEqual(await inst.read(2), new Map([[5, n]]), 'replace: the multiple resource has exactly the new instances');
  }
  // Replace on the instance drops optional writable resources that are not in the payload.
  assert.equal(await inst.read(5), undefined);

  // Partial update: merges resource instances, leaves other resources alone.
  const post = (path: string, f: number, payload: Uint8Array): Promise<string> => code({ method: 'POST', path, contentFormat: f, payload });
  assert.equal(await post('/33000/0', F.TLV, enc(F.TLV, '/33000/0', { kind: 'instance', id: 0, resources: new Map([[2, { kind: 'multipleResource', id: 2, instances: new Map([[6, 60]]) }]]) })), '2.04');
  assert.deepEqual(await inst.read(2), new Map([[5, 5], [6, 60]]));
  assert.equal(await inst.read(1), 'f5');
  assert.equal(await post('/33000/0/2', F.SENML_JSON, enc(F.SENML_JSON, '/33000/0/2', { kind: 'multipleResource', id: 2, instances: new Map([[7, 70]]) })), '2.04');
  assert.deepEqual(await inst.read(2), new Map([[5, 5], [6, 60], [7, 70]]));
  assert.equal(await put('/33000/0/2/6', F.TEXT, '61'), '2.04', 'a resource instance');
  assert.deepEqual(await inst.read(2), new Map([[5, 5], [6, 61], [7, 70]]));
  assert.equal(await put('/33000/0/6', F.TEXT, 'pw'), '2.04', 'a write-only resource');
  assert.equal(await put('/33000/0/7', F.OPAQUE, new Uint8Array([9, 8, 7])), '2.04', 'opaque as octet-stream');
  assert.deepEqual(await inst.read(7), new Uint8Array([9, 8, 7]));
  assert.equal(await put('/33000/0/7', F.TEXT, 'AQID'), '2.04', 'opaque as base64 text');
  assert.deepEqual(await inst.read(7), new Uint8Array([1, 2, 3]));
  assert.equal(await put('/33000/0/1', F.OPAQUE, new Uint8Array([65])), '4.15', 'octet-stream only carries opaque resources');
  assert.ok(changes.includes(1) && changes.includes(2) && changes.includes(6), 'listeners hear of server writes');

  // Errors.
  assert.equal(await put('/33000/0/0', F.TEXT, '1'), '4.05', 'read-only');
  assert.equal(await put('/3/0/0', F.TEXT, 'x'), '4.05');
  assert.equal(await put('/33000/0', F.TLV, enc(F.TLV, '/33000/0', { kind: 'instance', id: 0, resources: new Map([[0, { kind: 'resource', id: 0, value: 1 }]]) })), '4.05', 'an instance write naming a read-only resource');
  assert.equal(await put('/33000/0/5', F.TEXT, '11'), '4.00', 'out of range');
  assert.equal(await put('/33000/0/5', F.TEXT, 'abc'), '4.00', 'not an integer');
  assert.equal(await put('/33000/0/1', F.TEXT, 'much too long'), '4.00', 'too long');
  assert.equal(await put('/33000/0/1', 9999, 'x'), '4.15', 'unknown format');
  assert.equal(await put('/33000/0', F.TEXT, 'x'), '4.15', 'text cannot carry an instance');
  assert.equal(await put('/33000/0', F.TLV, new Uint8Array([0xff])), '4.00', 'truncated TLV');
  assert.equal(await code({ method: 'PUT', path: '/33000/0/1', payload: 'x' }), '4.00', 'no Content-Format');
  assert.equal(await put('/33000', F.TLV, new Uint8Array([0xc1, 1, 0x41])), '4.05', 'Write on an object');
  assert.equal(await put('/33000/0/9', F.TEXT, '1'), '4.04');
  assert.equal(await put('/33000/4/1', F.TEXT, 'x'), '4.04');
  assert.equal(await post('/33000/0/1', F.TEXT, new TextEncoder().encode('x')), '4.05', 'POST on a single resource is not a write');
  assert.equal(await inst.read(1), 'f5', 'refused writes change nothing');

  const s10 = await setup('1.0', [testInstance()]);
  assert.equal(await s10.code({ method: 'PUT', path: '/33000/0/0', query: ['epmin=1'] }), '4.00', 'epmin is 1.1');
  assert.equal(await s10.code({ method: 'PUT', path: '/33000/0/0', query: ['pmin=1', 'gt=3'] }), '2.04');
  assert.equal(await s10.code({ method: 'PUT', path: '/33000/0', contentFormat: F.SENML_JSON, payload: enc(F.SENML_JSON, '/33000/0', { kind: 'instance', id: 0, resources: new Map([[1, { kind: 'resource', id: 1, value: 'x' }]]) }) }), '4.15', 'SenML is not 1.0');
  void req;
});

test('Write hooks: validateWrite refuses with its status; a throwing hook is 5.00', async () => {
  class Guarded extends TestObject.Instance {
    override validateWrite(changes: ReadonlyMap<number, unknown>): void {
      if (changes.get(1) === 'forbidden') throw new RefusedError('name not allowed', '4.03');
      if (changes.get(1) === 'boom') throw new Error('bug');
      if (changes.get(1) === 'bad') throw new RefusedError('bad name');
    }
  }
  const inst = new Guarded(0, { value: 1, name: 'ok' });
  const { code } = await setup('1.1', [inst]);
  const put = (v: string): Promise<string> => code({ method: 'PUT', path: '/33000/0/1', contentFormat: F.TEXT, payload: v });
  assert.equal(await put('fine'), '2.04');
  assert.equal(await put('forbidden'), '4.03');
  assert.equal(await put('bad'), '4.00');
  assert.equal(await put('boom'), '5.00');
  assert.equal(await inst.read(1), 'fine');
});

test('Execute: arguments reach the handler (async, awaited); syntax, permissions and failures', async () => {
  const calls: (string | undefined)[] = [];
  const inst = testInstance(0, {
    reset: async (args: string | undefined) => {
      await new Promise((r) => setTimeout(r, 20));
      if (args === "9='fail'") throw new Error('reset failed');
      calls.push(args);
    },
  });
  const { code } = await setup('1.1', [inst]);
  const exec = (path: string, payload?: string): Promise<string> => code({ method: 'POST', path, ...(payload === undefined ? {} : { payload, contentFormat: F.TEXT }) });
  assert.equal(await exec('/33000/0/3'), '2.04');
  assert.equal(await exec('/33000/0/3', "0='a b',1"), '2.04');
  assert.deepEqual(calls, [undefined, "0='a b',1"]);
  assert.equal(await exec('/33000/0/3', "0='unterminated"), '4.00');
  assert.equal(await exec('/33000/0/3', '10'), '4.00', 'argument ids are one digit');
  assert.equal(await exec('/33000/0/3', "9='fail'"), '5.00');
  assert.equal(await exec('/3/0/0'), '4.05', 'not executable: POST on a single readable resource');
  assert.equal(await exec('/3/0/4/0'), '4.05');
  assert.equal(await exec('/3/0/99'), '4.04');
  assert.equal(await code({ method: 'POST', path: '/33000/0/3', contentFormat: F.SENML_JSON, payload: '[]' }), '4.15');
});

test('Create (POST /o) in TLV with and without the instance wrapper and in SenML; Delete; both announced by an Update', async () => {
  const { req, code, server, c } = await setup('1.1', [testInstance()], { objectTypes: [] });
  const enc = (f: number, path: string, node: LwM2MNode, o: { check?: boolean } = {}): Uint8Array => encode(f, parsePath(path), node, { ...opts, ...o });
  const resources = (v: number) => new Map([[0, { kind: 'resource' as const, id: 0, value: v }], [1, { kind: 'resource' as const, id: 1, value: 'new' }]]);

  let from = server.seen.length;
  let r = await req({ method: 'POST', path: '/33000', contentFormat: F.TLV, payload: enc(F.TLV, '/33000', { kind: 'object', id: 33000, instances: new Map([[4, { kind: 'instance', id: 4, resources: resources(4) }]]) }) });
  assert.equal(codeText(r.code), '2.01', text(r));
  assert.deepEqual(getStrings(r.options, OptionNumber.LocationPath), ['33000', '4']);
  const created = c.tree.instance(33000, 4)!;
  assert.ok(created instanceof TestObject.Instance, 'built from the object class');
  assert.equal(await created.read(1), 'new');
  const upd = await server.waitFor((x) => x.path === '/rd/r0', 2000, from);
  assert.match(upd.payload, /<\/33000\/0>,<\/33000\/4>/);

  // 1.0-style TLV: bare resources, the client picks the lowest free id.
  r = await req({ method: 'POST', path: '/33000', contentFormat: F.TLV, payload: enc(F.TLV, '/33000/1', { kind: 'instance', id: 1, resources: resources(1) }) });
  assert.equal(codeText(r.code), '2.01');
  assert.deepEqual(getStrings(r.options, OptionNumber.LocationPath), ['33000', '1']);
  r = await req({ method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: enc(F.SENML_JSON, '/33000', { kind: 'object', id: 33000, instances: new Map([[9, { kind: 'instance', id: 9, resources: resources(9) }]]) }) });
  assert.equal(codeText(r.code), '2.01');
  assert.equal(await c.tree.instance(33000, 9)?.read(0), 9);

  assert.equal(await code({ method: 'POST', path: '/33000', contentFormat: F.TLV, payload: enc(F.TLV, '/33000/9', { kind: 'instance', id: 9, resources: resources(9) }).subarray(0) }), '2.01', 'bare TLV again: next free id (2)');
  assert.equal(await code({ method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: enc(F.SENML_JSON, '/33000', { kind: 'object', id: 33000, instances: new Map([[9, { kind: 'instance', id: 9, resources: resources(9) }]]) }) }), '4.00', 'the id exists');
  assert.equal(await code({ method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: enc(F.SENML_JSON, '/33000', { kind: 'object', id: 33000, instances: new Map([[8, { kind: 'instance', id: 8, resources: new Map([[1, { kind: 'resource', id: 1, value: 'x' }]]) }]]) }) }), '4.00', 'a mandatory resource is missing');
  assert.equal(await code({ method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: enc(F.SENML_JSON, '/33000', { kind: 'object', id: 33000, instances: new Map([[8, { kind: 'instance', id: 8, resources: resources(500) }]]) }, { check: false }) }), '4.00', 'out of range');
  assert.equal(await code({ method: 'POST', path: '/3', contentFormat: F.TLV, payload: new Uint8Array([0xc1, 0, 0x41]) }), '4.00', 'Device has a single instance');
  assert.equal(await code({ method: 'POST', path: '/4242', contentFormat: F.TLV, payload: new Uint8Array([0xc1, 0, 0x41]) }), '4.04', 'unsupported object');
  assert.equal(await code({ method: 'POST', path: '/1', contentFormat: F.TLV, payload: new Uint8Array([0xc1, 0, 0x41]) }), '4.05', 'Server accounts are bootstrap business');

  from = server.seen.length;
  assert.equal(await code({ method: 'DELETE', path: '/33000/4' }), '2.02');
  assert.equal(c.tree.instance(33000, 4), undefined);
  const upd2 = await server.waitFor((x) => x.path === '/rd/r0', 2000, from);
  assert.doesNotMatch(upd2.payload, /<\/33000\/4>/);
  assert.equal(await code({ method: 'DELETE', path: '/33000/4' }), '4.04');
  assert.equal(await code({ method: 'DELETE', path: '/3/0' }), '4.05', 'Device cannot be deleted');
  assert.equal(await code({ method: 'DELETE', path: '/1/0' }), '4.05', 'nor a Server account');
  assert.equal(await code({ method: 'DELETE', path: '/33000' }), '4.05');
  assert.equal(await code({ method: 'DELETE', path: '/0/0' }), '4.04');
});

test('Create and Delete hooks: onCreate builds or refuses, validateDelete refuses', async () => {
  class Sticky extends TestObject.Instance {
    override validateDelete(): void {
      throw new RefusedError('in use', '4.05');
    }
  }
  const seen: number[] = [];
  const { code, c } = await setup('1.1', [new Sticky(0, { value: 1 })], {
    onCreate: (r) => {
      seen.push(r.instanceId);
      if (r.values.get(1) === 'no') throw new RefusedError('refused', '4.03');
      return new Sticky(r.instanceId, { value: 99 });
    },
  });
  const body = (id: number, name: string): Uint8Array => encode(F.SENML_JSON, parsePath('/33000'), { kind: 'object', id: 33000, instances: new Map([[id, { kind: 'instance', id, resources: new Map([[0, { kind: 'resource', id: 0, value: 1 }], [1, { kind: 'resource', id: 1, value: name }]]) }]]) }, opts);
  assert.equal(await code({ method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: body(3, 'yes') }), '2.01');
  assert.equal(await c.tree.instance(33000, 3)?.read(0), 99, 'the hook built it');
  assert.equal(await code({ method: 'POST', path: '/33000', contentFormat: F.SENML_JSON, payload: body(4, 'no') }), '4.03');
  assert.deepEqual(seen, [3, 4]);
  assert.equal(await code({ method: 'DELETE', path: '/33000/3' }), '4.05');
  assert.ok(c.tree.instance(33000, 3));
});

test('Read-Composite (FETCH) and Write-Composite (iPATCH), 1.1+', async () => {
  const inst = testInstance();
  const { req, code } = await setup('1.1', [inst]);
  const paths = ['/3/0/0', '/33000/0/2', '/33000/0/4', '/6', '/0/0', '/33000/0/7'].map(parsePath);
  for (const f of [F.SENML_JSON, F.SENML_CBOR]) {
    const r = await req({ method: 'FETCH', path: '/', contentFormat: f, accept: f, payload: encodeCompositeRequest(f, paths) });
    assert.equal(codeText(r.code), '2.05', text(r));
    assert.equal(r.contentFormat, f);
    const recs = decodeRecords(f, r.payload, opts).map((x) => [`/${x.path.objectId}/${x.path.instanceId}/${x.path.resourceId}${x.path.resourceInstanceId === undefined ? '' : '/' + x.path.resourceInstanceId}`, x.value]);
    assert.deepEqual(recs, [['/3/0/0', 'Acme'], ['/33000/0/2/0', 10], ['/33000/0/2/1', 20], ['/33000/0/4', new Uint8Array([1, 2, 3])]], 'absent paths and /0 are left out');
  }
  assert.equal(await code({ method: 'FETCH', path: '/', contentFormat: F.SENML_JSON, accept: F.TLV, payload: encodeCompositeRequest(F.SENML_JSON, paths) }), '4.06');
  assert.equal(await code({ method: 'FETCH', path: '/', contentFormat: F.TLV, payload: 'x' }), '4.15');
  assert.equal(await code({ method: 'FETCH', path: '/', contentFormat: F.SENML_JSON, payload: '{' }), '4.00');

  const records = [
    { path: parsePath('/33000/0/1'), value: 'composed' },
    { path: parsePath('/33000/0/2/3'), value: 33 },
    { path: parsePath('/1/0/1'), value: 1200 },
  ];
  for (const f of [F.SENML_JSON, F.SENML_CBOR]) {
    assert.equal(await code({ method: 'iPATCH', path: '/', contentFormat: f, payload: encodeRecords(f, records, opts) }), '2.04');
  }
  assert.equal(await inst.read(1), 'composed');
  assert.deepEqual(await inst.read(2), new Map([[0, 10], [1, 20], [3, 33]]));
  const bad = async (recs: { path: ReturnType<typeof parsePath>; value: unknown }[]): Promise<string> =>
    code({ method: 'iPATCH', path: '/', contentFormat: F.SENML_JSON, payload: encodeRecords(F.SENML_JSON, recs as never, { resolve, check: false }) });
  assert.equal(await bad([{ path: parsePath('/33000/0/1'), value: 'ok' }, { path: parsePath('/33000/0/0'), value: 1 }]), '4.05', 'read-only in the set');
  assert.equal(await bad([{ path: parsePath('/33000/0/1'), value: 'no' }, { path: parsePath('/33000/0/5'), value: 50 }]), '4.00', 'out of range in the set');
  assert.equal(await bad([{ path: parsePath('/33000/5/1'), value: 'x' }]), '4.04');
  assert.equal(await inst.read(1), 'composed', 'nothing of a refused set is stored');
  assert.equal(await code({ method: 'iPATCH', path: '/', contentFormat: F.TEXT, payload: 'x' }), '4.15');
  assert.equal(await code({ method: 'iPATCH', path: '/3/0', contentFormat: F.SENML_JSON, payload: '[]' }), '4.05');

  const s10 = await setup('1.0');
  assert.equal(await s10.code({ method: 'FETCH', path: '/', contentFormat: F.SENML_JSON, payload: encodeCompositeRequest(F.SENML_JSON, paths) }), '4.05', 'composite is 1.1+');
});

test('requests from peers that are not servers get 4.01 unless acceptUnknownPeers', async () => {
  const { c } = await setup('1.1');
  const stranger = await FakeServer.start();
  const r = await stranger.endpoint.request(c.address(), { method: 'GET', path: '/3/0/0' });
  assert.equal(codeText(r.code), '4.01');
  const open = await setup('1.1', [], { acceptUnknownPeers: true });
  const r2 = await stranger.endpoint.request(open.c.address(), { method: 'GET', path: '/3/0/0' });
  assert.equal(codeText(r2.code), '2.05');
  assert.equal(r2.code, C.Content);
});

test('a large value goes block-wise; a server writing its own lifetime gets an Update with lt', async () => {
  const big = new Uint8Array(3000).map((_, k) => k & 0xff);
  const { req, server } = await setup('1.1', [testInstance(0, { blob: big })]);
  const r = await req({ method: 'GET', path: '/33000/0/4' });
  assert.equal(codeText(r.code), '2.05');
  assert.deepEqual(new Uint8Array(r.payload), big);
  const from = server.seen.length;
  const w = await req({ method: 'PUT', path: '/1/0/1', contentFormat: F.TEXT, payload: '4000' });
  assert.equal(codeText(w.code), '2.04');
  const upd = await server.waitFor((x) => x.path === '/rd/r0', 2000, from);
  assert.deepEqual(upd.query, ['lt=4000']);
  assert.equal(codeText((await req({ method: 'PUT', path: '/1/0/0', contentFormat: F.TEXT, payload: '9' })).code), '4.05', 'the SSID is read-only');
});
