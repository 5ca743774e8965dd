// SenML CBOR is read and written without cbor-x (cbor-reader.ts, cbor-writer.ts): the CBOR
// forms a peer may send (every integer and float width, indefinite lengths, labels we do not
// know) read right, everything SenML has no use for refused with its code, and the writer
// byte-identical to cbor-x on the same maps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Encoder, FLOAT32_OPTIONS } from 'cbor-x';
import { decodeRecords, encodeRecords } from '../../runtime/codec/codec.js';
import { CodecError } from '../../runtime/codec/codec-error.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { senmlCborItems } from '../../runtime/codec/senml-cbor.js';
import { toSenml } from '../../runtime/codec/senml-records.js';
import { nodeToRecords } from '../../runtime/model/node-records.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { formatPath, parsePath } from '../../runtime/model/path.js';
import type { ObjectNode } from '../../runtime/model/node.js';
import { descriptors } from './fixtures/descriptors.js';
import { hex } from './fixtures/device-example.js';
import { objectOf } from './fixtures/arbitraries.js';

const opts = { resolve: objectResolver(descriptors) };
const T = 32769;
const F = ContentFormat.SENML_CBOR;
/** A short ASCII text string item, as hex. */
const t = (s: string): string => (0x60 + s.length).toString(16) + Buffer.from(s, 'latin1').toString('hex');
/** One record {0: name, label: value} in an array of one, from hex pieces. */
const one = (name: string, rest: string): Uint8Array => hex(`81 A2 00 ${t(name)} ${rest}`);
const read = (b: Uint8Array) => decodeRecords(F, b, opts).map((r) => [formatPath(r.path), r.value]);
const isCode = (code: string) => (e: unknown): boolean => e instanceof CodecError && e.code === code;

test('numbers in every CBOR width: half, single and double floats, 8-byte integers, the 64-bit extremes', () => {
  assert.deepEqual(read(one(`/${T}/0/6`, '02 F9 3C 00')), [[`/${T}/0/6`, 1]], 'half float 1.0');
  assert.deepEqual(read(one(`/${T}/0/6`, '02 F9 7C 00')), [[`/${T}/0/6`, Infinity]], 'half float infinity');
  assert.deepEqual(read(one(`/${T}/0/6`, '02 F9 00 01')), [[`/${T}/0/6`, 2 ** -24]], 'half float subnormal');
  assert.deepEqual(read(one(`/${T}/0/6`, '02 FA 3F C0 00 00')), [[`/${T}/0/6`, 1.5]], 'single float');
  assert.deepEqual(read(one(`/${T}/0/4`, '02 1B FF FF FF FF FF FF FF FF')), [[`/${T}/0/4`, 2n ** 64n - 1n]], 'uint64 max');
  assert.deepEqual(read(one(`/${T}/0/2`, '02 3B 7F FF FF FF FF FF FF FF')), [[`/${T}/0/2`, -(2n ** 63n)]], 'int64 min');
  assert.deepEqual(read(one(`/${T}/0/2`, '02 1B 00 00 00 00 00 00 00 05')), [[`/${T}/0/2`, 5]], 'a small value in 8 bytes');
  assert.deepEqual(read(one(`/${T}/0/2`, '02 3B 00 1F FF FF FF FF FF FE')), [[`/${T}/0/2`, -(2 ** 53 - 1)]], '-(2^53 - 1) stays a number');
  assert.deepEqual(read(one(`/${T}/0/2`, '02 3B 00 1F FF FF FF FF FF FF')), [[`/${T}/0/2`, -(2n ** 53n)]], '-2^53 is a bigint');
  assert.throws(() => read(one(`/${T}/0/2`, '02 3B 80 00 00 00 00 00 00 00')), isCode('E_VALUE_TYPE'), 'below int64');
  assert.throws(() => read(one(`/${T}/0/2`, '02 FA 3F C0 00 00')), isCode('E_WIRE_TYPE'), '1.5 for an integer');
});

test('indefinite-length arrays and maps, unknown labels skipped, "_" labels refused, bt/t of any number width', () => {
  const name = t(`/${T}/0/0`);
  // [_ {_ 0: name, 99: "x", "foo": [skipped], 3: "v", -3: 100 (bt), 6: 1.5 (t)} ]
  const b = hex(`9F BF 00 ${name} 18 63 61 78 ${t('foo')} F5 03 61 76 22 18 64 06 F9 3E 00 FF FF`);
  assert.deepEqual(decodeRecords(F, b, opts), [{ path: parsePath(`/${T}/0/0`), value: 'v', time: 101.5 }]);
  assert.throws(() => decodeRecords(F, hex(`81 A2 00 ${name} ${t('foo_')} 01`), opts), isCode('E_SYNTAX'), 'a label ending in "_" must be understood');
  assert.throws(() => decodeRecords(F, hex(`81 A3 00 ${name} 03 61 76 18 63 81 01`), opts), isCode('E_LIMIT'), 'a container under an unknown label');
  assert.throws(() => decodeRecords(F, hex(`9F BF 00 ${name} 03 61 76 FF`), opts), isCode('E_TRUNCATED'), 'no break for the array');
});

test('what SenML has no use for is refused with its code', () => {
  const name = t(`/${T}/0/0`);
  const cases: [string, string, string][] = [
    ['', 'E_TRUNCATED', 'empty'],
    ['A0', 'E_SYNTAX', 'a map at the top'],
    ['C1 80', 'E_SYNTAX', 'a tag'],
    ['81 01', 'E_SYNTAX', 'a record that is not a map'],
    [`81 A2 00 ${name} 03 C1 61 76`, 'E_SYNTAX', 'a tagged value'],
    [`81 A2 00 ${name} 03 F7`, 'E_SYNTAX', 'undefined'],
    [`81 A2 00 ${name} 03 7F 61 76 FF`, 'E_SYNTAX', 'an indefinite-length text string'],
    [`81 A3 00 ${name} 00 ${name} 03 61 76`, 'E_SYNTAX', 'n twice'],
    [`81 A3 00 ${name} 03 61 76 03 61 77`, 'E_SYNTAX', 'two values'],
    [`81 A2 00 ${name} 03 F6`, 'E_SYNTAX', 'null for vs'],
    [`81 A2 41 00 ${name}`, 'E_SYNTAX', 'a byte-string label'],
    [`81 A2 00 ${name} 03 61 76 00`, 'E_TRAILING_BYTES', 'a byte after the pack'],
    [`81 A2 00 ${name} 03 78 FF`, 'E_TRUNCATED', 'a string longer than the input'],
    ['9B FF FF FF FF FF FF FF FF', 'E_TRUNCATED', 'a count no input can hold'],
    [`81 A2 00 ${t(`/${T}/0/01`)} 03 61 76`, 'E_PATH_INVALID', 'a leading zero in the name'],
    [`81 A2 00 ${t(`/${T}/0/0/`)} 03 61 76`, 'E_PATH_INVALID', 'a trailing slash'],
  ];
  for (const [h, code, what] of cases) assert.throws(() => decodeRecords(F, hex(h), opts), isCode(code), what);
});

test('names read as ids or as text give the same paths: base names, relative and absolute names', () => {
  const pack = hex(`83 A3 21 ${t(`/${T}/0/`)} 00 61 30 03 61 61  A2 00 ${t('1/0')} 03 61 62  A3 21 61 2F 00 ${t(`${T}/1/0`)} 03 61 63`);
  assert.deepEqual(decodeRecords(F, pack, opts).map((r) => formatPath(r.path)), [`/${T}/0/0`, `/${T}/0/1/0`, `/${T}/1/0`]);
  // A name with a slash under a base name is not a path.
  assert.throws(() => decodeRecords(F, hex(`81 A3 21 ${t(`/${T}/0/`)} 00 ${t('/0')} 03 61 61`), opts), isCode('E_PATH_INVALID'));
});

test('the writer gives the very bytes cbor-x gives for the same SenML maps, on random packs of every type', () => {
  const cborx = new Encoder({ useRecords: false, mapsAsObjects: false, useFloat32: FLOAT32_OPTIONS.NEVER, tagUint8Array: false });
  fc.assert(fc.property(objectOf(T, { finite: false }), fc.boolean(), (obj, relative) => {
    const base = relative ? { objectId: T } : undefined;
    const recs = nodeToRecords({ objectId: T }, obj as ObjectNode);
    const ours = encodeRecords(F, recs, { ...opts, basePath: base });
    assert.equal(Buffer.from(ours).toString('hex'), Buffer.from(cborx.encode(senmlCborItems(toSenml(recs, opts, base)))).toString('hex'));
  }), { numRuns: 300, seed: 7 });
});
