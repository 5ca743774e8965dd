import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode as cbor2Decode, encode as cbor2Encode } from 'cbor2';
import { decode, decodeRecords, encode, encodeRecords } from '../../runtime/codec/codec.js';
import { CodecError } from '../../runtime/codec/codec-error.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { decodeCoreLinks, encodeCoreLinks, parseCoreLinks } from '../../runtime/codec/core-link.js';
import { decodeTextPlain, encodeTextPlain } from '../../runtime/codec/text-plain.js';
import { resourceInstanceNode, resourceNode, instanceNode, multipleResourceNode, objectNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { descriptors } from './fixtures/descriptors.js';
import { deviceInstance } from './fixtures/device-example.js';

const opts = { resolve: objectResolver(descriptors) };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const isCode = (code: string, offset?: number) => (e: unknown) => e instanceof CodecError && e.code === code && (offset === undefined || e.offset === offset);
const T = 32769; // the every-type test object: resource 2k single, 2k+1 multiple of type k
const pt = (r: number, ri?: number) => ({ objectId: T, instanceId: 0, resourceId: r, ...(ri === undefined ? {} : { resourceInstanceId: ri }) });

test('text/plain: every type, in its spec spelling', () => {
  const cases: [number, unknown, string][] = [
    [0, 'héllo', 'héllo'], [2, -42, '-42'], [4, 18446744073709551615n, '18446744073709551615'], [6, 1.5, '1.5'],
    [8, true, '1'], [8, false, '0'], [10, new Uint8Array([0xfb, 0xff]), '+/8='], [12, new Date(1367491215000), '1367491215'],
    [14, { objectId: 3, instanceId: 0 }, '3:0'], [16, [{ target: '/3/0', attributes: { ver: 1.1 } }], '</3/0>;ver=1.1'],
  ];
  for (const [r, v, s] of cases) {
    assert.equal(text(encodeTextPlain(pt(r), v as never, opts)), s);
    assert.deepEqual(decodeTextPlain(pt(r), bytes(s), opts), v);
  }
  // Floats in decimal notation without an exponent: the TS's Table C-2 example writes 6.667e-11 as "0.00000000006667".
  for (const [v, s] of [[6.667e-11, '0.00000000006667'], [1e21, '1000000000000000000000'], [-1.5e-7, '-0.00000015']] as const) {
    assert.equal(text(encodeTextPlain(pt(6), v, opts)), s);
    assert.equal(decodeTextPlain(pt(6), bytes(s), opts), v);
  }
  assert.equal(decodeTextPlain(pt(6), bytes('6.667e-11'), opts), 6.667e-11, 'an exponent is read');
  assert.throws(() => decodeTextPlain(pt(8), bytes('true'), opts), isCode('E_WIRE_TYPE'));
  assert.throws(() => decodeTextPlain(pt(2), bytes('1.0'), opts), isCode('E_WIRE_TYPE'));
  assert.throws(() => decodeTextPlain(pt(4), bytes('-1'), opts), isCode('E_WIRE_TYPE'));
  assert.throws(() => decodeTextPlain(pt(10), bytes('#$'), opts), isCode('E_BASE64'));
  assert.throws(() => decodeTextPlain(pt(0), new Uint8Array([0xc3, 0x28]), opts), isCode('E_UTF8'));
  assert.throws(() => encodeTextPlain(pt(6), Number.NaN, opts), isCode('E_UNREPRESENTABLE'));
  assert.throws(() => decode(ContentFormat.TEXT, parsePath('/3/0/9'), bytes('101'), opts), isCode('E_VALUE_RANGE'));
  assert.deepEqual(decode(ContentFormat.TEXT, parsePath('/3/0/9'), bytes('101'), { ...opts, check: false }), resourceNode(9, 101));
  assert.throws(() => encode(ContentFormat.TEXT, parsePath('/3/0'), deviceInstance, opts), isCode('E_UNSUPPORTED_FORMAT'));
  assert.throws(() => decode(ContentFormat.TEXT, parsePath('/3/0/6'), bytes('1'), opts), isCode('E_UNSUPPORTED_FORMAT'));
  assert.deepEqual(decode(ContentFormat.TEXT, parsePath('/3/0/6/1'), bytes('5'), opts), resourceInstanceNode(1, 5));
});

test('opaque: only Opaque resources, bytes as they are', () => {
  const v = new Uint8Array([0, 1, 2, 255]);
  assert.deepEqual(encode(ContentFormat.OPAQUE, pt(10), resourceNode(10, v), opts), v);
  assert.deepEqual(decode(ContentFormat.OPAQUE, pt(10), v, opts), resourceNode(10, v));
  assert.throws(() => decode(ContentFormat.OPAQUE, parsePath('/3/0/0'), v, opts), isCode('E_UNSUPPORTED_FORMAT'));
});

test('CBOR (60): one value per type, tags 1 and 0 accepted for Time', () => {
  assert.equal(hex(encode(ContentFormat.CBOR, pt(4), resourceNode(4, 18446744073709551615n), opts)), '1bffffffffffffffff');
  assert.equal(hex(encode(ContentFormat.CBOR, pt(2), resourceNode(2, -(2n ** 63n)), opts)), '3b7fffffffffffffff');
  assert.equal(hex(encode(ContentFormat.CBOR, pt(6), resourceNode(6, 0.1), opts)), 'fb3fb999999999999a', 'never float32-fitted');
  assert.equal(hex(encode(ContentFormat.CBOR, pt(10), resourceNode(10, new Uint8Array([1])), opts)), '4101', 'a plain byte string, no tag 64');
  assert.deepEqual(decode(ContentFormat.CBOR, pt(12), Uint8Array.from([0xc1, 0x1a, 0x51, 0x82, 0x42, 0x8f]), opts), resourceNode(12, new Date(1367491215000)));
  assert.deepEqual(decode(ContentFormat.CBOR, pt(12), Uint8Array.from([0x1a, 0x51, 0x82, 0x42, 0x8f]), opts), resourceNode(12, new Date(1367491215000)));
  assert.throws(() => decode(ContentFormat.CBOR, pt(0), Uint8Array.from([0x01]), opts), isCode('E_WIRE_TYPE'));
  assert.throws(() => decode(ContentFormat.CBOR, pt(0), Uint8Array.from([0xd8, 0x40, 0x41, 0x00]), opts), isCode('E_SYNTAX'), 'tag 64 is refused');
  assert.throws(() => decode(ContentFormat.CBOR, pt(0), Uint8Array.from([0x61, 0x61, 0x00]), opts), isCode('E_TRAILING_BYTES', 2));
  assert.throws(() => decode(ContentFormat.CBOR, pt(0), Uint8Array.from([0x9b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), opts), isCode('E_WIRE_TYPE', 0), 'an array, whatever its count, is no value');
  assert.throws(() => decode(ContentFormat.CBOR, pt(0), Uint8Array.from([0x7b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), opts), isCode('E_TRUNCATED', 0), 'a text longer than the input');
});

test('CoRE link format: attributes, quoting, numbers, value-less attributes', () => {
  const payload = '</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>;ver="1.1",</3303>;ver=1.1;pmin=10;gt=20.5;dim=2,</5/0/1>;obs';
  const links = decodeCoreLinks(bytes(payload));
  assert.deepEqual(links, [
    { target: '/', attributes: { rt: 'oma.lwm2m', ct: 110 } },
    { target: '/1/0', attributes: {} },
    { target: '/3/0', attributes: { ver: '1.1' } },
    { target: '/3303', attributes: { ver: 1.1, pmin: 10, gt: 20.5, dim: 2 } },
    { target: '/5/0/1', attributes: { obs: true } },
  ]);
  assert.equal(text(encodeCoreLinks(links)), payload);
  assert.deepEqual(parseCoreLinks('</a>;v=1.10;s="a\\"b"'), [{ target: '/a', attributes: { v: '1.10', s: 'a"b' } }], '1.10 stays text: it would not read back');
  // Versions a number would change are written bare, as LwM2M 1.1 writes ver, and read back the same.
  assert.equal(text(encodeCoreLinks([{ target: '/3', attributes: { ver: '1.0' } }, { target: '/4', attributes: { ver: '1.10', rt: 'x' } }])), '</3>;ver=1.0,</4>;ver=1.10;rt="x"');
  assert.deepEqual(parseCoreLinks('</3>;ver=1.0'), [{ target: '/3', attributes: { ver: '1.0' } }]);
  assert.deepEqual(parseCoreLinks(''), []);
  assert.deepEqual(parseCoreLinks('</a>,\n </b>'), [{ target: '/a', attributes: {} }, { target: '/b', attributes: {} }]);
  for (const bad of ['/a', '</a', '</a>;', '</a>;x="y', '</a>x', '</a>;=1', '</a>,']) assert.throws(() => parseCoreLinks(bad), (e) => e instanceof CodecError && (e.code === 'E_SYNTAX' || e.code === 'E_TRUNCATED'), bad);
});

test('SenML CBOR: labels per RFC 8428, cross-checked with cbor2 both ways', () => {
  const enc = encode(ContentFormat.SENML_CBOR, parsePath('/3/0'), deviceInstance, opts);
  const viaCbor2 = cbor2Decode(enc) as Map<number | string, unknown>[];
  assert.equal(viaCbor2.length, 16);
  assert.deepEqual(viaCbor2[0], new Map<number, unknown>([[-2, '/3/0/'], [0, '0'], [3, 'Open Mobile Alliance']]));
  assert.deepEqual(viaCbor2[4], new Map<number, unknown>([[0, '6/0'], [2, 1]]));
  assert.deepEqual(viaCbor2[13], new Map<number, unknown>([[0, '13'], [2, 1367491215]]));
  // cbor2 as an independent encoder: our decoder reads its output.
  const pack = [
    new Map<number | string, unknown>([[-2, `/${T}/0/`], [-3, 1700000000], [0, '4'], [2, 18446744073709551615n]]),
    new Map<number | string, unknown>([[0, '10'], [8, new Uint8Array([1, 2, 3])], [6, 5]]),
    new Map<number | string, unknown>([[0, '14'], ['vlo', '3:0']]),
    new Map<number | string, unknown>([[0, '8'], [4, true]]),
    new Map<number | string, unknown>([[0, '6'], [2, 1.5]]),
    new Map<number | string, unknown>([[0, '2'], [2, -(2n ** 63n)]]),
  ];
  const recs = decodeRecords(ContentFormat.SENML_CBOR, cbor2Encode(pack), opts);
  assert.deepEqual(recs, [
    { path: pt(4), value: 18446744073709551615n, time: 1700000000 },
    { path: pt(10), value: new Uint8Array([1, 2, 3]), time: 1700000005 },
    { path: pt(14), value: { objectId: 3, instanceId: 0 }, time: 1700000000 },
    { path: pt(8), value: true, time: 1700000000 },
    { path: pt(6), value: 1.5, time: 1700000000 },
    { path: pt(2), value: -(2n ** 63n), time: 1700000000 },
  ]);
  // ...and cbor2 reads ours back to the same maps.
  const ours = encodeRecords(ContentFormat.SENML_CBOR, recs, opts);
  const back = cbor2Decode(ours) as Map<number | string, unknown>[];
  assert.equal(back[0]!.get(2), 18446744073709551615n);
  assert.deepEqual(new Uint8Array(back[1]!.get(8) as Uint8Array), new Uint8Array([1, 2, 3]));
  assert.equal(back[2]!.get('vlo'), '3:0');
  assert.equal(back[5]!.get(2), -(2n ** 63n));
});

test('unsigned 64-bit values >= 2^63 round-trip in every format that carries them', () => {
  for (const v of [2n ** 63n, 2n ** 64n - 1n, 2n ** 63n + 12345n]) {
    for (const f of [ContentFormat.TEXT, ContentFormat.CBOR, ContentFormat.TLV, ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.LWM2M_JSON, ContentFormat.LWM2M_CBOR]) {
      const node = resourceNode(4, v);
      assert.deepEqual(decode(f, pt(4), encode(f, pt(4), node, opts), opts), node, `${f} ${v}`);
    }
  }
  assert.equal(hex(encode(ContentFormat.TLV, pt(4), resourceNode(4, 2n ** 64n - 1n), opts)), 'c80408ffffffffffffffff');
  assert.equal(text(encode(ContentFormat.SENML_JSON, pt(4), resourceNode(4, 2n ** 64n - 1n), opts)), `[{"bn":"/${T}/0/","n":"4","v":18446744073709551615}]`);
});

test('LwM2M CBOR: nested maps from the object down, the top-level chain of single-child maps collapsed into a path key', () => {
  const enc = encode(ContentFormat.LWM2M_CBOR, parsePath('/3/0'), instanceNode(0, [resourceNode(0, 'Acme'), multipleResourceNode(6, [[0, 1], [1, 5]])]), opts);
  assert.deepEqual(cbor2Decode(enc), new Map([[[3, 0], new Map<number, unknown>([[0, 'Acme'], [6, new Map([[0, 1], [1, 5]])]])]]));
  // Two instances: the object keeps its own key and the maps below stay nested.
  const two = encode(ContentFormat.LWM2M_CBOR, parsePath('/3'), objectNode(3, [instanceNode(0, [resourceNode(9, 50)]), instanceNode(1, [multipleResourceNode(6, [[2, 1]])])]), opts);
  assert.deepEqual(cbor2Decode(two), new Map([[3, new Map<unknown, unknown>([[0, new Map([[9, 50]])], [1, new Map([[6, new Map([[2, 1]])]])]])]]));
  // Nested keys that are themselves path arrays (valid input) read the same.
  const mixed = cbor2Encode(new Map([[3, new Map<unknown, unknown>([[[0, 9], 50], [[1, 6, 2], 1]])]]));
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/3'), mixed, opts), decode(ContentFormat.LWM2M_CBOR, parsePath('/3'), two, opts));
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/3'), two, opts), objectNode(3, [instanceNode(0, [resourceNode(9, 50)]), instanceNode(1, [multipleResourceNode(6, [[2, 1]])])]));
  // Nested maps (the other valid form) and keys that mix both read the same.
  const nested = cbor2Encode(new Map([[3, new Map([[0, new Map<number, unknown>([[0, 'Acme'], [6, new Map([[0, 1], [1, 5]])]])]])]]));
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/3/0'), nested, opts), decode(ContentFormat.LWM2M_CBOR, parsePath('/3/0'), enc, opts));
  const collapsed = cbor2Encode(new Map<unknown, unknown>([[[3, 0], new Map<unknown, unknown>([[0, 'Acme'], [[6, 1], 5]])]]));
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/3/0'), collapsed, opts), instanceNode(0, [resourceNode(0, 'Acme'), multipleResourceNode(6, [[1, 5]])]));
  // The format has no timestamps (see lwm2m-cbor.ts): refused, not dropped.
  assert.throws(() => encodeRecords(ContentFormat.LWM2M_CBOR, [{ path: parsePath('/3/0/9'), value: 1, time: 5 }], opts), isCode('E_UNREPRESENTABLE'));
  // One path named twice (nested and collapsed) is refused, not merged.
  const twice = cbor2Encode(new Map<unknown, unknown>([[[3, 0], new Map([[9, 1]])], [[3, 0, 9], 2]]));
  assert.throws(() => decodeRecords(ContentFormat.LWM2M_CBOR, twice, opts), isCode('E_NODE_SHAPE'));
  assert.throws(() => decode(ContentFormat.LWM2M_CBOR, parsePath('/3/0'), cbor2Encode(new Map([[[], 1]])), opts), isCode('E_SYNTAX'), 'an empty path key');
  const h = (x: string): Uint8Array => Uint8Array.from(Buffer.from(x.replace(/\s/g, ''), 'hex'));
  // One key twice in a map ({3: {0: {0: "a"}}, 3: {0: {9: 1}}}): both halves are read, nothing is overwritten.
  assert.deepEqual(decodeRecords(ContentFormat.LWM2M_CBOR, h('A2 03 A1 00 A1 00 61 61  03 A1 00 A1 09 01'), opts), [
    { path: parsePath('/3/0/0'), value: 'a' }, { path: parsePath('/3/0/9'), value: 1 },
  ]);
  // Indefinite-length maps and key arrays; Time as tag 1.
  assert.deepEqual(decodeRecords(ContentFormat.LWM2M_CBOR, h('BF 9F 03 00 FF BF 0D C1 1A 5182428F FF FF'), opts), [{ path: parsePath('/3/0/13'), value: new Date(1367491215000) }]);
  assert.throws(() => decodeRecords(ContentFormat.LWM2M_CBOR, h('A1 83 03 00 09 81 01'), opts), isCode('E_WIRE_TYPE'), 'an array as a value');
  assert.throws(() => decodeRecords(ContentFormat.LWM2M_CBOR, h('A1 83 03 00 09 C2 41 01'), opts), isCode('E_SYNTAX'), 'a tag other than 1');
  assert.throws(() => decodeRecords(ContentFormat.LWM2M_CBOR, h('A1 83 03 00 09 01 00'), opts), isCode('E_TRAILING_BYTES'));
  assert.throws(() => decodeRecords(ContentFormat.LWM2M_CBOR, h('A1 83 03 00 1A 00010000 01'), opts), isCode('E_SYNTAX'), 'an id beyond 65535');
  assert.throws(() => decodeRecords(ContentFormat.LWM2M_CBOR, h('BB FF FF FF FF FF FF FF FF'), opts), isCode('E_TRUNCATED'), 'a count no input can hold');
});

test('decoders report typed errors with codes and offsets', () => {
  const p = parsePath('/3/0');
  assert.throws(() => decode(ContentFormat.TLV, p, Uint8Array.from([0xc8, 0x00, 0x14, 0x41]), opts), isCode('E_TRUNCATED', 0));
  assert.throws(() => decode(ContentFormat.TLV, p, Uint8Array.from([0xc1, 0x09, 0x65]), opts), isCode('E_VALUE_RANGE', 0));
  assert.throws(() => decode(ContentFormat.TLV, p, Uint8Array.from([0xc3, 0x09, 0, 0, 1]), opts), isCode('E_WIRE_TYPE', 2));
  assert.throws(() => decode(ContentFormat.TLV, p, Uint8Array.from([0xc1, 0x63, 0]), opts), isCode('E_UNKNOWN_RESOURCE', 0));
  assert.throws(() => decode(ContentFormat.TLV, p, Uint8Array.from([0xc1, 0x06, 0]), opts), isCode('E_NODE_SHAPE', 0));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/0/9","v":1,"vs":"x"}]'), opts), isCode('E_SYNTAX'));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/0/9","vs":"1"}]'), opts), isCode('E_WIRE_TYPE'));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/0/9","v":1}'), opts), isCode('E_TRUNCATED'));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[[[[[[]]]]]]'), opts), isCode('E_SYNTAX', 1));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"x":[[1]],"n":"/3/0/9","v":1}]'), opts), isCode('E_LIMIT', 6));
  assert.deepEqual(decode(ContentFormat.SENML_JSON, p, bytes('[{"u":"%","n":"/3/0/9","v":1}]'), opts), { kind: 'instance', id: 0, resources: new Map([[9, { kind: 'resource', id: 9, value: 1 }]]) }, 'unknown labels are skipped');
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/0/9","n":"/3/0/9","v":1}]'), opts), isCode('E_SYNTAX', 15));
  assert.deepEqual(decode(ContentFormat.LWM2M_JSON, p, bytes('{"e":[{"n":"9","v":1}],"x":[1],"bn":"/3/0/"}'), opts), { kind: 'instance', id: 0, resources: new Map([[9, { kind: 'resource', id: 9, value: 1 }]]) }, 'bn after e');
  assert.throws(() => decode(ContentFormat.LWM2M_JSON, p, bytes('{"bn":"/3/0/"}'), opts), isCode('E_SYNTAX'));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/0/9","v":1,"x_":1}]'), opts), isCode('E_SYNTAX'));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/0/9","v":1}] x'), opts), isCode('E_TRAILING_BYTES', 23));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/0/x","v":1}]'), opts), isCode('E_PATH_INVALID'));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, bytes('[{"n":"/3/1/9","v":1}]'), opts), isCode('E_NODE_SHAPE'));
  assert.throws(() => decode(ContentFormat.SENML_CBOR, p, Uint8Array.from([0x81, 0xbf]), opts), isCode('E_TRUNCATED'));
  assert.throws(() => decode(ContentFormat.SENML_JSON, p, new Uint8Array(2 << 20), opts), isCode('E_LIMIT', 0));
  assert.throws(() => decode(99, p, new Uint8Array(1), opts), isCode('E_UNSUPPORTED_FORMAT'));
  assert.throws(() => decode(ContentFormat.LINK, p, new Uint8Array(1), opts), isCode('E_UNSUPPORTED_FORMAT'));
});

test('encoders check values against the descriptor', () => {
  assert.throws(() => encode(ContentFormat.TLV, parsePath('/3/0/9'), resourceNode(9, 101), opts), isCode('E_VALUE_RANGE'));
  assert.throws(() => encode(ContentFormat.SENML_CBOR, parsePath('/3/0/9'), resourceNode(9, 'x'), opts), isCode('E_VALUE_TYPE'));
  assert.throws(() => encode(ContentFormat.TLV, parsePath('/3/0/6'), resourceNode(6, 1), opts), isCode('E_NODE_SHAPE'));
  assert.throws(() => encode(ContentFormat.SENML_JSON, parsePath('/3/0/9'), resourceNode(9, 1 / 0), { ...opts, check: false }), isCode('E_VALUE_TYPE'));
  assert.equal(text(encode(ContentFormat.SENML_JSON, parsePath('/3/0/9'), resourceNode(9, 101), { ...opts, check: false })), '[{"bn":"/3/0/","n":"9","v":101}]');
});
