// Property: decode(encode(tree)) equals the tree, for random values of every type, in
// every format that can carry them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decode, decodeRecords, encode, encodeRecords } from '../../runtime/codec/codec.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { decodeCoreLinks, encodeCoreLinks } from '../../runtime/codec/core-link.js';
import { nodeToRecords } from '../../runtime/model/node-records.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import type { LwM2MPath } from '../../runtime/model/path.js';
import { ALL_TYPES, descriptors } from './fixtures/descriptors.js';
import { instanceOf, objectOf, valueOf } from './fixtures/arbitraries.js';

const opts = { resolve: objectResolver(descriptors) };
const T = 32769;
const RUNS = 150;
const TREE_FORMATS = [
  [ContentFormat.TLV, false], [ContentFormat.SENML_CBOR, false], [ContentFormat.LWM2M_CBOR, false],
  [ContentFormat.SENML_JSON, true], [ContentFormat.LWM2M_JSON, true],
] as const;

for (const [format, finite] of TREE_FORMATS) {
  test(`format ${format}: whole objects, instances and resources round-trip`, () => {
    fc.assert(fc.property(objectOf(T, { finite }), (obj) => {
      const p: LwM2MPath = { objectId: T };
      assert.deepEqual(decode(format, p, encode(format, p, obj, opts), opts), obj);
      for (const inst of obj.instances.values()) {
        const pi: LwM2MPath = { objectId: T, instanceId: inst.id };
        assert.deepEqual(decode(format, pi, encode(format, pi, inst, opts), opts), inst);
        for (const r of inst.resources.values()) {
          const pr: LwM2MPath = { ...pi, resourceId: r.id };
          assert.deepEqual(decode(format, pr, encode(format, pr, r, opts), opts), r);
        }
      }
    }), { numRuns: RUNS, seed: 42 });
  });
}

for (const [format, finite] of [[ContentFormat.SENML_CBOR, false], [ContentFormat.SENML_JSON, true], [ContentFormat.LWM2M_JSON, true]] as const) {
  test(`format ${format}: timestamped records round-trip`, () => {
    fc.assert(fc.property(instanceOf(fc.constant(0), { finite }), fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), fc.boolean(), (inst, t0, baseTime, relative) => {
      const recs = nodeToRecords({ objectId: T, instanceId: 0 }, inst).map((r, k) => ({ ...r, time: t0 + k }));
      const o = { ...opts, baseTime, ...(relative ? { basePath: { objectId: T, instanceId: 0 } } : {}) };
      assert.deepEqual(decodeRecords(format, encodeRecords(format, recs, o), opts), recs);
    }), { numRuns: RUNS, seed: 7 });
  });
}

test('single-value formats (text, CBOR, opaque) round-trip every type', () => {
  ALL_TYPES.forEach((type, k) => {
    const formats: number[] = [ContentFormat.CBOR, ContentFormat.TEXT];
    if (type === 'opaque') formats.push(ContentFormat.OPAQUE);
    for (const f of formats) {
      fc.assert(fc.property(valueOf(type, { finite: f !== ContentFormat.CBOR }), (value) => {
        const p: LwM2MPath = { objectId: T, instanceId: 1, resourceId: k * 2 };
        const node = { kind: 'resource' as const, id: k * 2, value };
        assert.deepEqual(decode(f, p, encode(f, p, node, opts), opts), node);
        const pri: LwM2MPath = { objectId: T, instanceId: 1, resourceId: k * 2 + 1, resourceInstanceId: 3 };
        const ri = { kind: 'resourceInstance' as const, id: 3, value };
        assert.deepEqual(decode(f, pri, encode(f, pri, ri, opts), opts), ri);
      }), { numRuns: RUNS, seed: k });
    }
  });
});

test('CoRE link format round-trips', () => {
  fc.assert(fc.property(valueOf('corelnk', { finite: true }), (links) => {
    assert.deepEqual(decodeCoreLinks(encodeCoreLinks(links as never)), links);
  }), { numRuns: 500, seed: 3 });
});
