// Test vectors of the LwM2M technical specification (TLV, LwM2M JSON, SenML JSON
// examples of the Device and Access Control objects), written out from its text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, decodeCompositeRequest, decodeRecords, encode, encodeCompositeRequest, encodeRecords } from '../../runtime/codec/codec.js';
import { CodecError } from '../../runtime/codec/codec-error.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { instanceNode, multipleResourceNode, objectNode, resourceNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath, formatPath } from '../../runtime/model/path.js';
import { descriptors } from './fixtures/descriptors.js';
import { accessControlTlv, deviceInstance, deviceLwm2mJson, deviceSenmlJson, deviceTlv } from './fixtures/device-example.js';

const opts = { resolve: objectResolver(descriptors) };
const p30 = parsePath('/3/0');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('TLV: Device instance example encodes to the 121 bytes of the spec and decodes back', () => {
  const enc = encode(ContentFormat.TLV, p30, deviceInstance, opts);
  assert.equal(enc.length, 121);
  assert.deepEqual(enc, deviceTlv);
  assert.deepEqual(decode(ContentFormat.TLV, p30, deviceTlv, opts), deviceInstance);
  assert.deepEqual(decode(ContentFormat.TLV_LEGACY, p30, deviceTlv, opts), deviceInstance, 'legacy 1542 reads the same');
});

test('TLV: single resource, multiple resource and resource instance examples', () => {
  assert.deepEqual(encode(ContentFormat.TLV, parsePath('/3/0/0'), resourceNode(0, 'Open Mobile Alliance'), opts), deviceTlv.subarray(0, 23));
  assert.deepEqual(encode(ContentFormat.TLV, parsePath('/3/0/6'), multipleResourceNode(6, [[0, 1], [1, 5]]), opts), hex('86 06 41 00 01 41 01 05'));
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/3/0/7'), hex('88 07 08 42 00 0e d8 42 01 13 88'), opts), multipleResourceNode(7, [[0, 3800], [1, 5000]]));
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/3/0/7/1'), hex('42 01 13 88'), opts), { kind: 'resourceInstance', id: 1, value: 5000 });
});

test('TLV: Access Control object with two instances and a 16-bit resource instance id', () => {
  const expected = objectNode(2, [
    instanceNode(0, [resourceNode(0, 1), resourceNode(1, 0), multipleResourceNode(2, [[127, 7]]), resourceNode(3, 127)]),
    instanceNode(2, [resourceNode(0, 3), resourceNode(1, 0), multipleResourceNode(2, [[127, 7], [310, 1]]), resourceNode(3, 127)]),
  ]);
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/2'), accessControlTlv, opts), expected);
  assert.deepEqual(encode(ContentFormat.TLV, parsePath('/2'), expected, opts), accessControlTlv);
});

test('TLV: an instance may come wrapped in its object-instance TLV', () => {
  const wrapped = new Uint8Array([0x08, 0x00, 0x79, ...deviceTlv]);
  assert.deepEqual(decode(ContentFormat.TLV, p30, wrapped, opts), deviceInstance);
  assert.throws(() => decode(ContentFormat.TLV, parsePath('/3/1'), wrapped, opts), (e) => e instanceof CodecError && e.code === 'E_NODE_SHAPE');
});

test('SenML JSON: Device instance example, exactly', () => {
  assert.equal(text(encode(ContentFormat.SENML_JSON, p30, deviceInstance, opts)), deviceSenmlJson);
  assert.deepEqual(decode(ContentFormat.SENML_JSON, p30, bytes(deviceSenmlJson), opts), deviceInstance);
});

test('LwM2M JSON: Device instance example, exactly (11543 and legacy 1543)', () => {
  assert.equal(text(encode(ContentFormat.LWM2M_JSON, p30, deviceInstance, opts)), deviceLwm2mJson);
  assert.deepEqual(decode(ContentFormat.LWM2M_JSON, p30, bytes(deviceLwm2mJson), opts), deviceInstance);
  assert.deepEqual(decode(ContentFormat.JSON_LEGACY, p30, bytes(deviceLwm2mJson), opts), deviceInstance);
});

test('SenML JSON: single resource read names the resource under its instance', () => {
  assert.equal(text(encode(ContentFormat.SENML_JSON, parsePath('/3/0/9'), resourceNode(9, 95), opts)), '[{"bn":"/3/0/","n":"9","v":95}]');
  assert.deepEqual(decode(ContentFormat.SENML_JSON, parsePath('/3/0/9'), bytes('[{"bn":"/3/0/9","v":95}]'), opts), resourceNode(9, 95));
});

test('SenML JSON: timestamped values resolve bt + t, for notifications and Send', () => {
  const pack = '[{"bn":"/3/0/","bt":1367491215,"n":"9","v":100},{"n":"9","v":99,"t":10},{"n":"9","v":98,"t":20},{"bn":"/3/1/","n":"9","v":50,"t":-5}]';
  const recs = decodeRecords(ContentFormat.SENML_JSON, bytes(pack), opts);
  assert.deepEqual(recs.map((r) => [formatPath(r.path), r.value, r.time]), [
    ['/3/0/9', 100, 1367491215], ['/3/0/9', 99, 1367491225], ['/3/0/9', 98, 1367491235], ['/3/1/9', 50, 1367491210],
  ]);
  const out = encodeRecords(ContentFormat.SENML_JSON, [{ path: parsePath('/3/0/9'), value: 100, time: 1367491215 }], { ...opts, basePath: p30 });
  assert.equal(text(out), '[{"bn":"/3/0/","n":"9","v":100,"t":1367491215}]');
  const series = [100, 99, 98].map((v, k) => ({ path: parsePath('/3/0/9'), value: v, time: 1367491215 + 10 * k }));
  const withBt = encodeRecords(ContentFormat.SENML_JSON, series, { ...opts, basePath: p30, baseTime: true });
  assert.equal(text(withBt), '[{"bn":"/3/0/","bt":1367491215,"n":"9","v":100},{"n":"9","v":99,"t":10},{"n":"9","v":98,"t":20}]');
  assert.deepEqual(decodeRecords(ContentFormat.SENML_JSON, withBt, opts), series);
  const lwJson = encodeRecords(ContentFormat.LWM2M_JSON, series, { ...opts, basePath: p30, baseTime: true });
  assert.equal(text(lwJson), '{"bn":"/3/0/","bt":1367491215,"e":[{"n":"9","v":100},{"n":"9","v":99,"t":10},{"n":"9","v":98,"t":20}]}');
  assert.deepEqual(decodeRecords(ContentFormat.LWM2M_JSON, lwJson, opts), series);
});

test('Composite requests: SenML records without values, both serialisations', () => {
  const paths = ['/3/0/9', '/3/0/11/0', '/1/0', '/5'].map(parsePath);
  const json = encodeCompositeRequest(ContentFormat.SENML_JSON, paths);
  assert.equal(text(json), '[{"n":"/3/0/9"},{"n":"/3/0/11/0"},{"n":"/1/0"},{"n":"/5"}]');
  assert.deepEqual(decodeCompositeRequest(ContentFormat.SENML_JSON, json), paths);
  assert.deepEqual(decodeCompositeRequest(ContentFormat.SENML_CBOR, encodeCompositeRequest(ContentFormat.SENML_CBOR, paths)), paths);
  assert.throws(() => decodeCompositeRequest(ContentFormat.SENML_JSON, bytes('[{"n":"/3/0/9","v":1}]')), (e) => e instanceof CodecError && e.code === 'E_SYNTAX');
});

test('Composite read answer: records of several objects in one SenML CBOR pack', () => {
  const recs = [
    { path: parsePath('/2/0/2/127'), value: 7 },
    { path: parsePath('/3/0/0'), value: 'Acme' },
    { path: parsePath('/3/0/13'), value: new Date(1367491215000) },
  ];
  for (const f of [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON, ContentFormat.LWM2M_CBOR]) {
    assert.deepEqual(decodeRecords(f, encodeRecords(f, recs, opts), opts), recs, String(f));
  }
});
