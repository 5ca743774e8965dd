import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, decodeRecords, encode } from '../../runtime/codec/codec.js';
import { CodecError } from '../../runtime/codec/codec-error.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { readJson } from '../../runtime/codec/json-reader.js';
import { base64Decode, base64Encode, base64UrlEncode, utf8Decode } from '../../runtime/codec/text-bytes.js';
import { resourceNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { descriptors } from './fixtures/descriptors.js';

const opts = { resolve: objectResolver(descriptors) };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const isCode = (code: string, offset?: number) => (e: unknown) => e instanceof CodecError && e.code === code && (offset === undefined || e.offset === offset);
const opaque = parsePath('/32769/0/10');

test('JSON reader: exact 64-bit integers, escapes, Maps, limits', () => {
  assert.deepEqual(readJson('[18446744073709551615,-9223372036854775808,9007199254740991,1.5e3,-0.0]', 2), [18446744073709551615n, -9223372036854775808n, 9007199254740991, 1500, -0]);
  assert.deepEqual(readJson('{"a\\u00e9\\n":"\\"x\\/"}', 1), new Map([['aé\n', '"x/']]));
  assert.deepEqual(readJson('{"__proto__":1}', 1), new Map([['__proto__', 1]]));
  assert.throws(() => readJson('{"a":1,"a":2}', 1), isCode('E_SYNTAX', 7));
  assert.throws(() => readJson('[01]', 1), isCode('E_SYNTAX'));
  assert.throws(() => readJson('["a\u0001"]', 1), isCode('E_SYNTAX', 3));
  assert.throws(() => readJson('[1,]', 1), isCode('E_SYNTAX', 3));
  assert.throws(() => readJson('[[1]]', 1), isCode('E_LIMIT', 1));
  assert.throws(() => readJson('"abc', 1), isCode('E_TRUNCATED'));
});

test('base64 variants: SenML JSON vd is base64url without padding; text/plain and LwM2M JSON use standard base64 with padding', () => {
  const v = new Uint8Array([0xfb, 0xff, 0xfe]);
  const v2 = new Uint8Array([0xfb, 0xff]);
  assert.equal(base64UrlEncode(v2), '-_8');
  assert.equal(base64Encode(v2), '+/8=');
  assert.equal(text(encode(ContentFormat.SENML_JSON, opaque, resourceNode(10, v2), opts)), '[{"bn":"/32769/0/","n":"10","vd":"-_8"}]');
  assert.equal(text(encode(ContentFormat.LWM2M_JSON, opaque, resourceNode(10, v2), opts)), '{"bn":"/32769/0/","e":[{"n":"10","sv":"+/8="}]}');
  assert.equal(text(encode(ContentFormat.TEXT, opaque, resourceNode(10, v2), opts)), '+/8=');
  assert.deepEqual(decode(ContentFormat.SENML_JSON, opaque, bytes('[{"n":"/32769/0/10","vd":"-_8="}]'), opts), resourceNode(10, v2), 'padding tolerated on input');
  assert.deepEqual(decode(ContentFormat.SENML_JSON, opaque, bytes('[{"n":"/32769/0/10","vd":"-__-"}]'), opts), resourceNode(10, v));
  assert.throws(() => decode(ContentFormat.SENML_JSON, opaque, bytes('[{"n":"/32769/0/10","vd":"+/8"}]'), opts), isCode('E_BASE64'), 'the standard alphabet is not base64url');
  assert.throws(() => base64Decode('-_8', 'std'), isCode('E_BASE64'));
  assert.throws(() => base64Decode('A', 'std'), isCode('E_BASE64'));
  assert.throws(() => base64Decode('AB=', 'std'), isCode('E_BASE64'));
});

test('strict UTF-8 everywhere: text values, JSON text and CBOR text strings', () => {
  assert.equal(utf8Decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), '\ufeffA', 'a BOM is kept');
  assert.throws(() => utf8Decode(new Uint8Array([0xed, 0xa0, 0x80])), isCode('E_UTF8'), 'no encoded surrogates');
  assert.throws(() => decode(ContentFormat.SENML_JSON, parsePath('/3/0'), Uint8Array.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), opts), isCode('E_UTF8'));
  assert.throws(() => decodeRecords(ContentFormat.SENML_CBOR, Uint8Array.from([0x81, 0xa1, 0x00, 0x62, 0xc3, 0x28]), opts), isCode('E_UTF8', 3));
  const cbor60 = (b: number[]) => decode(ContentFormat.CBOR, parsePath('/32769/0/0'), Uint8Array.from(b), opts);
  assert.throws(() => cbor60([0x62, 0xc3, 0x28]), isCode('E_UTF8', 0));
  assert.deepEqual(cbor60([0x62, 0xc3, 0xa9]), resourceNode(0, 'é'));
});

test('CBOR reader (SenML CBOR, LwM2M CBOR, CBOR 60): nesting, counts, tags, simple values', () => {
  const at = (r: number, b: number[]) => decode(ContentFormat.CBOR, parsePath(`/32769/0/${r}`), Uint8Array.from(b), opts);
  const str = (b: number[]) => at(0, b);
  assert.throws(() => str([0x81, 0x00]), isCode('E_WIRE_TYPE', 0), 'an array is no value');
  assert.throws(() => decodeRecords(ContentFormat.SENML_CBOR, Uint8Array.from([0x81, 0xa1, 0x18, 0x63, 0x81, 0x00]), opts), isCode('E_LIMIT', 4), 'nesting inside a record');
  assert.throws(() => decodeRecords(ContentFormat.SENML_CBOR, Uint8Array.from([0x9a, 0xff, 0xff, 0xff, 0xff]), opts), isCode('E_TRUNCATED', 0));
  assert.throws(() => str([0xc2, 0x41, 0x00]), isCode('E_SYNTAX', 0), 'tag 2');
  assert.deepEqual(at(12, [0xc1, 0x1a, 0x51, 0x82, 0x42, 0x8f]), resourceNode(12, new Date(1367491215000)), 'tag 1: epoch seconds');
  const rfc3339 = Buffer.from('2013-05-02T10:40:15Z');
  assert.deepEqual(at(12, [0xc0, 0x74, ...rfc3339]), resourceNode(12, new Date(1367491215000)), 'tag 0: an RFC 3339 string');
  assert.throws(() => at(12, [0xc0, 0x63, 0x61, 0x62, 0x63]), isCode('E_SYNTAX', 0), 'tag 0 of something else');
  assert.throws(() => at(2, [0xc1, 0x00]), isCode('E_WIRE_TYPE'), 'a time for an integer');
  assert.throws(() => str([0xf7]), isCode('E_SYNTAX', 0), 'undefined');
  assert.throws(() => str([0xf8, 0x20]), isCode('E_SYNTAX', 0), 'simple value 32');
  assert.throws(() => at(10, [0x5f, 0x41, 0x00, 0xff]), isCode('E_SYNTAX', 0), 'indefinite byte string');
  assert.throws(() => decodeRecords(ContentFormat.SENML_CBOR, Uint8Array.from([0x9f, 0x00]), opts), isCode('E_SYNTAX'), 'a record that is not a map');
  assert.throws(() => decodeRecords(ContentFormat.SENML_CBOR, Uint8Array.from([0x9f]), opts), isCode('E_TRUNCATED'), 'no break');
  assert.throws(() => str([0xff]), isCode('E_SYNTAX', 0), 'a break alone');
  assert.throws(() => str([0x61, 0x61, 0x00]), isCode('E_TRAILING_BYTES', 2));
  assert.deepEqual(at(6, [0xf9, 0x3c, 0x00]), resourceNode(6, 1), 'half float');
});

test('LwM2M CBOR: bad keys, paths and depths are typed errors', () => {
  const p = parsePath('/3/0');
  const cbor = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
  assert.throws(() => decode(ContentFormat.LWM2M_CBOR, p, cbor('a16161a10000'), opts), isCode('E_SYNTAX'), 'a text key');
  assert.throws(() => decode(ContentFormat.LWM2M_CBOR, p, cbor('a103a100a1096161'), opts), isCode('E_WIRE_TYPE'), 'text for an integer');
  assert.throws(() => decode(ContentFormat.LWM2M_CBOR, p, cbor('a18503000b000000'), opts), isCode('E_NODE_SHAPE'), 'a five-id path');
  assert.throws(() => decode(ContentFormat.LWM2M_CBOR, p, cbor('a10300'), opts), isCode('E_NODE_SHAPE'), 'a value on an object');
  assert.throws(() => decode(ContentFormat.LWM2M_CBOR, p, cbor('a1831903e700091864'), opts), isCode('E_UNKNOWN_RESOURCE'), 'object 999 is unknown');
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, p, cbor('a1830300091864'), opts).kind, 'instance', '{[3,0,9]: 100}');
});
