// The data-format examples of the LwM2M TS, checked byte for byte. Source:
// OMA-TS-LightweightM2M_Core-V1_2-20201110-A, section "Data Formats for Transferring
// Resource Information"; each test names the subsection and example (the TS's markdown
// source numbers no sections). Where the TS contradicts itself, the comment says which
// reading is used and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, decodeCompositeRequest, decodeRecords, encode, encodeCompositeRequest, encodeRecords } from '../../runtime/codec/codec.js';
import { CodecError } from '../../runtime/codec/codec-error.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { instanceNode, multipleResourceNode, objectNode, resourceNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath, formatPath } from '../../runtime/model/path.js';
import type { LwM2MRecord } from '../../runtime/model/record.js';
import { descriptors } from './fixtures/descriptors.js';
import { accessControlTlv, deviceInstance, deviceLwm2mCbor, deviceLwm2mJson, deviceSenmlCbor, deviceSenmlJson, deviceTlv, hex } from './fixtures/device-example.js';
import { specObjects } from './fixtures/spec-objects.js';

const opts = { resolve: objectResolver([...descriptors, ...specObjects]) };
const p30 = parsePath('/3/0');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const rec = (path: string, value: LwM2MRecord['value'], time?: number): LwM2MRecord => (time === undefined ? { path: parsePath(path), value } : { path: parsePath(path), value, time });
/** Bytes compared as hex (cbor-x hands out Buffers, the TLV writer Uint8Arrays; the diff reads better too). */
const sameBytes = (actual: Uint8Array, expected: Uint8Array, msg?: string): void => assert.equal(Buffer.from(actual).toString('hex'), Buffer.from(expected).toString('hex'), msg);
const isCode = (code: string) => (e: unknown): boolean => e instanceof CodecError && e.code === code;

// ---- TLV ----

test('TLV "Single Object Instance Request Example" (Read /3/0): the 121 bytes, both ways', () => {
  const enc = encode(ContentFormat.TLV, p30, deviceInstance, opts);
  assert.equal(enc.length, 121);
  sameBytes(enc, deviceTlv);
  assert.deepEqual(decode(ContentFormat.TLV, p30, deviceTlv, opts), deviceInstance);
  assert.deepEqual(decode(ContentFormat.TLV_LEGACY, p30, deviceTlv, opts), deviceInstance, 'legacy 1542 reads the same');
});

test('TLV "Multiple Object Instance Request Examples" A (Read /3): the instance TLV around the same resources, 124 bytes', () => {
  const wrapped = hex(`08 00 79 ${Buffer.from(deviceTlv).toString('hex')}`);
  assert.equal(wrapped.length, 124);
  const object = objectNode(3, [deviceInstance]);
  sameBytes(encode(ContentFormat.TLV, parsePath('/3'), object, opts), wrapped);
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/3'), wrapped, opts), object);
  // "When the Object Instance ID is specified in the request, the Object Instance TLV is optional."
  assert.deepEqual(decode(ContentFormat.TLV, p30, wrapped, opts), deviceInstance);
  assert.throws(() => decode(ContentFormat.TLV, parsePath('/3/1'), wrapped, opts), isCode('E_NODE_SHAPE'));
});

test('TLV "Multiple Object Instance Request Examples" B (Read /2): two Access Control instances, a 16-bit resource instance id, 38 bytes', () => {
  // The TS's table says "0x0E (17 bytes)" for instance 0; 0x0E is 14, which is what follows.
  const expected = objectNode(2, [
    instanceNode(0, [resourceNode(0, 1), resourceNode(1, 0), multipleResourceNode(2, [[127, 7]]), resourceNode(3, 127)]),
    instanceNode(2, [resourceNode(0, 3), resourceNode(1, 0), multipleResourceNode(2, [[127, 7], [310, 1]]), resourceNode(3, 127)]),
  ]);
  assert.equal(accessControlTlv.length, 38);
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/2'), accessControlTlv, opts), expected);
  sameBytes(encode(ContentFormat.TLV, parsePath('/2'), expected, opts), accessControlTlv);
});

test('TLV "Multiple Object Instance Request Examples" C (Read /1): one Server instance, still in its instance TLV', () => {
  // Erratum: the TS gives the instance a length of 0x0D (13) and its table 16 bytes in all,
  // counting 2 bytes for C1 00 01 and 5 for the Lifetime TLV C4 01 00 01 51 80; the resources
  // listed take 3 + 6 + 3 + 3 = 15 bytes (0x0F), 18 in all, as the text before the table says.
  const tlv = hex('08 00 0F  C1 00 01  C4 01 00 01 51 80  C1 06 01  C1 07 55');
  assert.equal(tlv.length, 18);
  const expected = objectNode(1, [instanceNode(0, [resourceNode(0, 1), resourceNode(1, 86400), resourceNode(6, true), resourceNode(7, 'U')])]);
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/1'), tlv, opts), expected);
  sameBytes(encode(ContentFormat.TLV, parsePath('/1'), expected, opts), tlv);
});

test('TLV "Example of Request on an Object Instance containing an Object Link Resource" 1) (Read /65/0), 37 bytes', () => {
  const tlv = hex(`88 00 0C  44 00 00 42 00 00  44 01 00 42 00 01  C8 01 0D ${ascii('8613800755500')}  C4 02 12 34 56 78`);
  assert.equal(tlv.length, 37);
  const expected = instanceNode(0, [
    multipleResourceNode(0, [[0, { objectId: 66, instanceId: 0 }], [1, { objectId: 66, instanceId: 1 }]]),
    resourceNode(1, '8613800755500'),
    resourceNode(2, 0x12345678),
  ]);
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/65/0'), tlv, opts), expected);
  sameBytes(encode(ContentFormat.TLV, parsePath('/65/0'), expected, opts), tlv);
});

test('TLV "Example of Request on an Object Instance containing an Object Link Resource" 2) (Read /66), with the instance lengths put right', () => {
  // Erratum: the TS gives each instance a length of 0x23 (35) and "Internet.15.234" a
  // 15-byte TLV, but that TLV is C8 01 0F + 15 bytes = 18, so each instance holds
  // 14 + 18 + 6 = 38 = 0x26 bytes (82 in all, not 76). With 0x23 the instance would end
  // inside its object link. The values are the TS's; 0xFFFFFFFF is the "no link" 65535:65535.
  const tlv = hex(`
    08 00 26  C8 00 0B ${ascii('myService 1')}  C8 01 0F ${ascii('Internet.15.234')}  C4 02 00 43 00 00
    08 01 26  C8 00 0B ${ascii('myService 2')}  C8 01 0F ${ascii('Internet.15.235')}  C4 02 FF FF FF FF`);
  assert.equal(tlv.length, 82);
  const expected = objectNode(66, [
    instanceNode(0, [resourceNode(0, 'myService 1'), resourceNode(1, 'Internet.15.234'), resourceNode(2, { objectId: 67, instanceId: 0 })]),
    instanceNode(1, [resourceNode(0, 'myService 2'), resourceNode(1, 'Internet.15.235'), resourceNode(2, { objectId: 65535, instanceId: 65535 })]),
  ]);
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/66'), tlv, opts), expected);
  sameBytes(encode(ContentFormat.TLV, parsePath('/66'), expected, opts), tlv);
  // As printed (0x23), the payload is refused with a typed error rather than misread.
  const printed = Uint8Array.from(tlv);
  printed[2] = 0x23;
  assert.throws(() => decode(ContentFormat.TLV, parsePath('/66'), printed, opts), (e) => e instanceof CodecError);
});

test('TLV: single resource, multiple resource and resource instance (pieces of the Read /3/0 example)', () => {
  sameBytes(encode(ContentFormat.TLV, parsePath('/3/0/0'), resourceNode(0, 'Open Mobile Alliance'), opts), deviceTlv.subarray(0, 23));
  sameBytes(encode(ContentFormat.TLV, parsePath('/3/0/6'), multipleResourceNode(6, [[0, 1], [1, 5]]), opts), hex('86 06 41 00 01 41 01 05'));
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/3/0/7'), hex('88 07 08 42 00 0e d8 42 01 13 88'), opts), multipleResourceNode(7, [[0, 3800], [1, 5000]]));
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/3/0/7/1'), hex('42 01 13 88'), opts), { kind: 'resourceInstance', id: 1, value: 5000 });
});

// ---- LwM2M CBOR ----

test('LwM2M CBOR "Single Resource Example" (Read /3/0/0): {[3, 0, 0]: "Open Mobile Alliance"}, 26 bytes; the nested form reads the same', () => {
  const cbor = hex(`A1 83 03 00 00 74 ${ascii('Open Mobile Alliance')}`);
  assert.equal(cbor.length, 26);
  const node = resourceNode(0, 'Open Mobile Alliance');
  sameBytes(encode(ContentFormat.LWM2M_CBOR, parsePath('/3/0/0'), node, opts), cbor);
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/3/0/0'), cbor, opts), node);
  // "Note that the following payload is also valid": {3: {0: {0: "Open Mobile Alliance"}}}.
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/3/0/0'), hex(`A1 03 A1 00 A1 00 74 ${ascii('Open Mobile Alliance')}`), opts), node);
});

test('LwM2M CBOR "Multiple Resource Example" (Read /3/0/6): {[3, 0, 6]: {0: 1, 1: 5}}, 10 bytes', () => {
  const cbor = hex('A1 83 03 00 06 A2 00 01 01 05');
  const node = multipleResourceNode(6, [[0, 1], [1, 5]]);
  sameBytes(encode(ContentFormat.LWM2M_CBOR, parsePath('/3/0/6'), node, opts), cbor);
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/3/0/6'), cbor, opts), node);
});

test('LwM2M CBOR "Single Object Instance Example" (Read /3/0): {[3, 0]: {...}}, 118 bytes', () => {
  assert.equal(deviceLwm2mCbor.length, 118);
  sameBytes(encode(ContentFormat.LWM2M_CBOR, p30, deviceInstance, opts), deviceLwm2mCbor);
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, p30, deviceLwm2mCbor, opts), deviceInstance);
});

test('LwM2M CBOR "Multiple Object Instances Example" (Read /1): {1: {0: {...}, 1: {...}}}, 63 bytes', () => {
  const inst = (id: number, ssid: number, pmin: number, store: boolean): string =>
    `${id === 0 ? '00' : '01'} A7  00 18 ${ssid.toString(16)}  01 1A 00015180  02 19 ${pmin.toString(16).padStart(4, '0')}  03 19 1770  05 1A 00015180  06 ${store ? 'F5' : 'F4'}  07 61 55`;
  const cbor = hex(`A1 01 A2 ${inst(0, 101, 300, true)} ${inst(1, 102, 600, false)}`);
  assert.equal(cbor.length, 63);
  const server = (id: number, ssid: number, pmin: number, store: boolean) => instanceNode(id, [
    resourceNode(0, ssid), resourceNode(1, 86400), resourceNode(2, pmin), resourceNode(3, 6000), resourceNode(5, 86400), resourceNode(6, store), resourceNode(7, 'U'),
  ]);
  const node = objectNode(1, [server(0, 101, 300, true), server(1, 102, 600, false)]);
  sameBytes(encode(ContentFormat.LWM2M_CBOR, parsePath('/1'), node, opts), cbor);
  assert.deepEqual(decode(ContentFormat.LWM2M_CBOR, parsePath('/1'), cbor, opts), node);
});

test('LwM2M CBOR "Composite Operation Example" (/3/0/0, /3/0/9, /1/0/1): {[3, 0]: {0: ..., 9: 100}, [1, 0, 1]: 86400}, 39 bytes', () => {
  const cbor = hex(`A2  82 03 00 A2 00 74 ${ascii('Open Mobile Alliance')} 09 18 64  83 01 00 01 1A 00015180`);
  assert.equal(cbor.length, 39);
  const recs = [rec('/3/0/0', 'Open Mobile Alliance'), rec('/3/0/9', 100), rec('/1/0/1', 86400)];
  sameBytes(encodeRecords(ContentFormat.LWM2M_CBOR, recs, opts), cbor);
  assert.deepEqual(decodeRecords(ContentFormat.LWM2M_CBOR, cbor, opts), recs);
});

// ---- SenML JSON, LwM2M JSON, SenML CBOR ----

test('SenML JSON: the Read /3/0 example, exactly', () => {
  assert.equal(text(encode(ContentFormat.SENML_JSON, p30, deviceInstance, opts)), deviceSenmlJson);
  assert.equal(bytes(deviceSenmlJson).length + 15, 399, 'the TS counts the line breaks of its listing');
  assert.deepEqual(decode(ContentFormat.SENML_JSON, p30, bytes(deviceSenmlJson), opts), deviceInstance);
});

test('SenML JSON: the historical notification of object 72 (bt plus negative t)', () => {
  const pack = '[{"bn":"/72/","bt":25462634,"n":"1/2","v":22.4,"t":-5},{"n":"1/2","v":22.9,"t":-30},{"n":"1/2","v":24.1,"t":-50}]';
  assert.deepEqual(decodeRecords(ContentFormat.SENML_JSON, bytes(pack), opts), [rec('/72/1/2', 22.4, 25462629), rec('/72/1/2', 22.9, 25462604), rec('/72/1/2', 24.1, 25462584)]);
});

test('SenML JSON: Read /65/0 with base name "/": the instance and the objects it links to, in one pack', () => {
  // As the TS prints it but for one value: "FFFF:FFFF" for the no-link of /66/1/2 is not the
  // decimal "objectId:instanceId" the TS defines for Objlnk (65535:65535 is; the TLV
  // example carries it as FF FF FF FF). The rest (its "myService1" without the space the
  // TLV example has, and "v":1 for /65/0/2) is the TS's.
  const pack = '[{"bn":"/","n":"65/0/0/0","vlo":"66:0"},{"n":"65/0/0/1","vlo":"66:1"},{"n":"65/0/1","vs":"8613800755500"},{"n":"65/0/2","v":1},' +
    '{"n":"66/0/0","vs":"myService1"},{"n":"66/0/1","vs":"Internet.15.234"},{"n":"66/0/2","vlo":"67:0"},' +
    '{"n":"66/1/0","vs":"myService2"},{"n":"66/1/1","vs":"Internet.15.235"},{"n":"66/1/2","vlo":"65535:65535"},' +
    '{"n":"67/0/0","vs":"85.76.76.84"},{"n":"67/0/1","vs":"85.76.255.255"}]';
  const recs = decodeRecords(ContentFormat.SENML_JSON, bytes(pack), opts);
  assert.deepEqual(recs.map((r) => formatPath(r.path)), ['/65/0/0/0', '/65/0/0/1', '/65/0/1', '/65/0/2', '/66/0/0', '/66/0/1', '/66/0/2', '/66/1/0', '/66/1/1', '/66/1/2', '/67/0/0', '/67/0/1']);
  assert.deepEqual(recs[0]!.value, { objectId: 66, instanceId: 0 });
  assert.deepEqual(recs[9]!.value, { objectId: 65535, instanceId: 65535 });
  // The Objlnk example of the SenML JSON table ("10:03") has a leading zero: read as 10:3.
  assert.deepEqual(decodeRecords(ContentFormat.SENML_JSON, bytes('[{"n":"/66/0/2","vlo":"10:03"}]'), opts)[0]!.value, { objectId: 10, instanceId: 3 });
});

test('SenML JSON: Read /3/0/0 "could return" [{"bn":"/3/0/0","vs":...}]: read as the single resource', () => {
  // The TS's listing lacks the closing quote after "Alliance"; it is put back.
  assert.deepEqual(decode(ContentFormat.SENML_JSON, parsePath('/3/0/0'), bytes('[{"bn":"/3/0/0","vs":"Open Mobile Alliance"}]'), opts), resourceNode(0, 'Open Mobile Alliance'));
  assert.equal(text(encode(ContentFormat.SENML_JSON, parsePath('/3/0/9'), resourceNode(9, 95), opts)), '[{"bn":"/3/0/","n":"9","v":95}]');
});

test('SenML JSON: the Read-Composite request and answer of /3/0/0, /3/0/9, /1/0/1', () => {
  const paths = ['/3/0/0', '/3/0/9', '/1/0/1'].map(parsePath);
  const request = '[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0/1"}]';
  assert.equal(text(encodeCompositeRequest(ContentFormat.SENML_JSON, paths)), request);
  assert.deepEqual(decodeCompositeRequest(ContentFormat.SENML_JSON, bytes(request)), paths);
  // The answer as the TS prints it, spaces included.
  const answer = '[{"n":"/3/0/0", "vs":"Open Mobile Alliance"},\n{"n" :"/3/0/9", "v":95},\n{"n":"/1/0/1", "v":86400}]';
  const recs = [rec('/3/0/0', 'Open Mobile Alliance'), rec('/3/0/9', 95), rec('/1/0/1', 86400)];
  assert.deepEqual(decodeRecords(ContentFormat.SENML_JSON, bytes(answer), opts), recs);
  assert.equal(text(encodeRecords(ContentFormat.SENML_JSON, recs, opts)), '[{"n":"/3/0/0","vs":"Open Mobile Alliance"},{"n":"/3/0/9","v":95},{"n":"/1/0/1","v":86400}]');
});

test('SenML JSON: Read-Composite requests with base names, of an object, and of two instances', () => {
  assert.deepEqual(decodeCompositeRequest(ContentFormat.SENML_JSON, bytes('[{"bn":"/4/0/", "n":"0"},\n{"n":"1"},\n{"n":"2"},\n{"bn":"/6/", "n":"0"}]')), ['/4/0/0', '/4/0/1', '/4/0/2', '/6/0'].map(parsePath));
  assert.deepEqual(decodeCompositeRequest(ContentFormat.SENML_JSON, bytes('[{"n":"/1"}]')), [parsePath('/1')]);
  assert.deepEqual(decodeCompositeRequest(ContentFormat.SENML_JSON, bytes('[{"n":"/1/0"},\n {"n":"/1/2"}]')), [parsePath('/1/0'), parsePath('/1/2')]);
  assert.throws(() => decodeCompositeRequest(ContentFormat.SENML_JSON, bytes('[{"n":"/3/0/9","v":1}]')), isCode('E_SYNTAX'), 'a request carries no values');
});

test('SenML JSON: the Write-Composite example (two lights off, one dimmed to 20, a set point of 18)', () => {
  const body = '[{"n":"/3311/0/5850", "vb":false},\n{"n":"/3311/1/5850", "vb":false},\n{"n":"/3311/2/5851", "v":20},\n{"n":"/3308/0/5900", "v":18}]';
  const recs = [rec('/3311/0/5850', false), rec('/3311/1/5850', false), rec('/3311/2/5851', 20), rec('/3308/0/5900', 18)];
  assert.deepEqual(decodeRecords(ContentFormat.SENML_JSON, bytes(body), opts), recs);
  assert.equal(text(encodeRecords(ContentFormat.SENML_JSON, recs, opts)), body.replace(/\s/g, ''));
});

test('LwM2M JSON ("LwM2M TS 1.0 JSON format"): the Read /3/0 example, exactly (11543 and legacy 1543)', () => {
  assert.equal(text(encode(ContentFormat.LWM2M_JSON, p30, deviceInstance, opts)), deviceLwm2mJson);
  assert.deepEqual(decode(ContentFormat.LWM2M_JSON, p30, bytes(deviceLwm2mJson), opts), deviceInstance);
  assert.deepEqual(decode(ContentFormat.JSON_LEGACY, p30, bytes(deviceLwm2mJson), opts), deviceInstance);
});

test('SenML CBOR: the Read /3/0 example, the 196 bytes the TS lists, both ways', () => {
  sameBytes(encode(ContentFormat.SENML_CBOR, p30, deviceInstance, opts), deviceSenmlCbor);
  assert.deepEqual(decode(ContentFormat.SENML_CBOR, p30, deviceSenmlCbor, opts), deviceInstance);
});

// ---- Not TS examples: our choices for timestamps and composite payloads ----

test('SenML JSON: timestamped values resolve bt + t, for notifications and Send', () => {
  const pack = '[{"bn":"/3/0/","bt":1367491215,"n":"9","v":100},{"n":"9","v":99,"t":10},{"n":"9","v":98,"t":20},{"bn":"/3/1/","n":"9","v":50,"t":-5}]';
  const recs = decodeRecords(ContentFormat.SENML_JSON, bytes(pack), opts);
  assert.deepEqual(recs.map((r) => [formatPath(r.path), r.value, r.time]), [
    ['/3/0/9', 100, 1367491215], ['/3/0/9', 99, 1367491225], ['/3/0/9', 98, 1367491235], ['/3/1/9', 50, 1367491210],
  ]);
  const out = encodeRecords(ContentFormat.SENML_JSON, [rec('/3/0/9', 100, 1367491215)], { ...opts, basePath: p30 });
  assert.equal(text(out), '[{"bn":"/3/0/","n":"9","v":100,"t":1367491215}]');
  const series = [100, 99, 98].map((v, k) => rec('/3/0/9', v, 1367491215 + 10 * k));
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
});

test('Composite read answer: records of several objects in one pack, in each record format', () => {
  const recs = [rec('/2/0/2/127', 7), rec('/3/0/0', 'Acme'), rec('/3/0/13', new Date(1367491215000))];
  for (const f of [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON, ContentFormat.LWM2M_CBOR]) {
    assert.deepEqual(decodeRecords(f, encodeRecords(f, recs, opts), opts), recs, String(f));
  }
});
