// SenML CBOR cross-checked against cbor2, an independent CBOR implementation, on random
// packs of every type: cbor2 reads our bytes as the expected label maps, and we read
// cbor2's encoding of those maps back to the same records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decode as cbor2Decode, encode as cbor2Encode } from 'cbor2';
import { decodeRecords, encodeRecords } from '../../runtime/codec/codec.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { formatCoreLinks } from '../../runtime/codec/core-link.js';
import { nodeToRecords } from '../../runtime/model/node-records.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { formatPath } from '../../runtime/model/path.js';
import type { LwM2MRecord } from '../../runtime/model/record.js';
import type { CoreLink, ObjectLink, ResourceValue } from '../../runtime/model/values.js';
import { ALL_TYPES, descriptors } from './fixtures/descriptors.js';
import { objectOf } from './fixtures/arbitraries.js';

const opts = { resolve: objectResolver(descriptors) };
const T = 32769;

/** The label map RFC 8428 and the LwM2M spec give for one record with an absolute name. */
function expectedMap(r: LwM2MRecord): Map<number | string, unknown> {
  const type = ALL_TYPES[Math.floor(r.path.resourceId! / 2)]!;
  const m = new Map<number | string, unknown>([[0, formatPath(r.path)]]);
  const v = r.value as ResourceValue;
  switch (type) {
    case 'string': m.set(3, v); break;
    case 'corelnk': m.set(3, formatCoreLinks(v as CoreLink[])); break;
    case 'boolean': m.set(4, v); break;
    case 'opaque': m.set(8, v); break;
    case 'objlnk': m.set('vlo', `${(v as ObjectLink).objectId}:${(v as ObjectLink).instanceId}`); break;
    case 'time': m.set(2, (v as Date).getTime() / 1000); break;
    default: m.set(2, v);
  }
  if (r.time !== undefined) m.set(6, r.time);
  return m;
}

/** cbor2 gives Uint8Array views and bigint only beyond 64 bits; compare on plain values. */
function plain(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(plain);
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [k, plain(v)]));
  if (x instanceof Uint8Array) return Array.from(x);
  if (typeof x === 'bigint' && x >= -(2n ** 53n) && x <= 2n ** 53n) return Number(x);
  return x;
}

test('cbor2 decodes our SenML CBOR to the labels of RFC 8428, and we decode cbor2\'s encoding', () => {
  fc.assert(fc.property(objectOf(T, { finite: false }), fc.option(fc.integer({ min: 0, max: 2 ** 31 }), { nil: undefined }), (obj, t0) => {
    const recs = nodeToRecords({ objectId: T }, obj).map((r, k) => (t0 === undefined ? r : { ...r, time: t0 + k }));
    const ours = encodeRecords(ContentFormat.SENML_CBOR, recs, opts);
    const expected = recs.map(expectedMap);
    assert.deepEqual(plain(cbor2Decode(ours)), plain(expected));
    assert.deepEqual(decodeRecords(ContentFormat.SENML_CBOR, cbor2Encode(expected), opts), recs);
  }), { numRuns: 200, seed: 11 });
});
