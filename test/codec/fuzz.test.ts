// Fuzz: every decoder on >= 100,000 random and mutated inputs per run (seeded), with
// zero exceptions other than CodecError, and no E_INTERNAL among those.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decode, decodeCompositeRequest, encode } from '../../runtime/codec/codec.js';
import { CodecError } from '../../runtime/codec/codec-error.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { decodeCoreLinks } from '../../runtime/codec/core-link.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath, type LwM2MPath } from '../../runtime/model/path.js';
import type { ObjectNode } from '../../runtime/model/node.js';
import { descriptors } from './fixtures/descriptors.js';
import { accessControlTlv, deviceInstance, deviceLwm2mCbor, deviceLwm2mJson, deviceSenmlCbor, deviceSenmlJson, deviceTlv, hex } from './fixtures/device-example.js';
import { objectOf } from './fixtures/arbitraries.js';
import { xorshift32 as rng } from '../helpers/seeded-random.js';

const PER_DECODER = 100_000;
const opts = { resolve: objectResolver(descriptors) };
const T = 32769;
const enc = new TextEncoder();


const PATHS: LwM2MPath[] = ['/3', '/3/0', '/3/0/0', '/3/0/6', '/3/0/6/1', '/3/0/9', '/3/0/13', '/3/0/22/0', '/2', '/2/0',
  `/${T}`, `/${T}/0`, `/${T}/0/4`, `/${T}/0/10`, `/${T}/0/16`, `/${T}/0/17/0`, `/${T}/0/6`, `/${T}/0/14`].map(parsePath);

function seedsFor(format: number): Uint8Array[] {
  const trees = fc.sample(objectOf(T, { finite: true }), { numRuns: 30, seed: format });
  const out: Uint8Array[] = [];
  const p30 = parsePath('/3/0');
  for (const t of trees as ObjectNode[]) {
    try { out.push(encode(format, { objectId: T }, t, opts)); } catch { /* formats that cannot carry it */ }
  }
  try { out.push(encode(format, p30, deviceInstance, opts)); } catch { /* single-value formats */ }
  for (const [p, v] of [['/3/0/0', 'Acme'], ['/3/0/9', 42], ['/3/0/13', new Date(1367491215000)], [`/${T}/0/4`, 2n ** 64n - 1n], [`/${T}/0/10`, new Uint8Array([1, 2, 3])], [`/${T}/0/14`, { objectId: 3, instanceId: 0 }], [`/${T}/0/16`, [{ target: '/3/0', attributes: { ver: 1.1 } }]]] as const) {
    try { out.push(encode(format, parsePath(p), { kind: 'resource', id: parsePath(p).resourceId!, value: v as never }, opts)); } catch { /* not carried */ }
  }
  if (format === ContentFormat.TLV) out.push(deviceTlv, accessControlTlv);
  if (format === ContentFormat.SENML_JSON) out.push(enc.encode(deviceSenmlJson), enc.encode('[{"n":"/3/0/9"},{"n":"/1/0"}]'));
  if (format === ContentFormat.LWM2M_JSON) out.push(enc.encode(deviceLwm2mJson));
  if (format === ContentFormat.SENML_CBOR) out.push(deviceSenmlCbor);
  // The TS's LwM2M CBOR examples: collapsed keys at the top, nested maps, a composite of two objects.
  if (format === ContentFormat.LWM2M_CBOR) out.push(deviceLwm2mCbor, hex('A1 03 A1 00 A1 00 63 41 42 43'), hex('A2 82 03 00 A2 00 61 41 09 18 64 83 01 00 01 1A 00015180'));
  if (format === ContentFormat.LINK) out.push(enc.encode('</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>;ver="1.1",</3303>;ver=1.1;pmin=10'));
  // Small seeds keep each run to a few microseconds; structure matters more than size.
  return out.filter((b) => b.length > 0 && b.length <= 400);
}

const INTERESTING = [0x00, 0x7f, 0x80, 0xff, 0x22, 0x5b, 0x7b, 0x3c, 0x3e, 0x2c, 0x3b, 0x9f, 0xbf, 0x1b, 0xfb, 0x18];

function mutate(src: Uint8Array, next: () => number): Uint8Array {
  let b = src.slice();
  const n = 1 + (next() % 4);
  for (let k = 0; k < n; k++) {
    const at = b.length === 0 ? 0 : next() % b.length;
    switch (next() % 7) {
      case 0: if (b.length) b[at] = next() & 0xff; break; // byte
      case 1: if (b.length) b[at] = b[at]! ^ (1 << (next() % 8)); break; // bit
      case 2: { const c = new Uint8Array(b.length + 1); c.set(b.subarray(0, at)); c[at] = next() & 0xff; c.set(b.subarray(at), at + 1); b = c; break; } // insert
      case 3: { const d = Math.min(b.length - at, 1 + (next() % 4)); const c = new Uint8Array(b.length - d); c.set(b.subarray(0, at)); c.set(b.subarray(at + d), at); b = c; break; } // delete
      case 4: b = b.subarray(0, at); break; // truncate
      case 5: { const from = next() % Math.max(1, b.length); const span = b.subarray(from, from + 1 + (next() % 8)); const c = new Uint8Array(b.length + span.length); c.set(b.subarray(0, at)); c.set(span, at); c.set(b.subarray(at), at + span.length); b = c; break; } // duplicate a span
      case 6: if (b.length) b[at] = INTERESTING[next() % 16]!; break; // interesting bytes
    }
  }
  return b;
}

function randomBytes(next: () => number): Uint8Array {
  const b = new Uint8Array(next() % 48);
  for (let k = 0; k < b.length; k++) b[k] = next() & 0xff;
  return b;
}

interface Target { name: string; format: number; run: (b: Uint8Array, k: number) => unknown }

const nodeDecoders: Target[] = [ContentFormat.TEXT, ContentFormat.OPAQUE, ContentFormat.CBOR, ContentFormat.TLV, ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.LWM2M_JSON, ContentFormat.LWM2M_CBOR]
  .map((f) => ({ name: `decode ${f}`, format: f, run: (b: Uint8Array, k: number) => decode(f, PATHS[k % PATHS.length]!, b, opts) }));
const targets: Target[] = [
  ...nodeDecoders,
  // decodeRecords is what decode() runs for the record formats before building the node; one pass for both.
  ...[ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR].map((f) => ({ name: `decodeCompositeRequest ${f}`, format: f, run: (b: Uint8Array) => decodeCompositeRequest(f, b) })),
  { name: 'decodeCoreLinks', format: ContentFormat.LINK, run: (b: Uint8Array) => decodeCoreLinks(b) },
];

for (const [index, t] of targets.entries()) {
  test(`fuzz: ${t.name} on ${PER_DECODER} inputs throws only CodecError`, () => {
    const next = rng(0x5eed + index);
    const seeds = seedsFor(t.format);
    assert.ok(seeds.length > 0 || t.format === ContentFormat.OPAQUE);
    let ok = 0;
    const codes = new Map<string, number>();
    // Stack traces of the expected errors would cost more than the decoding itself.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
    for (let k = 0; k < PER_DECODER; k++) {
      const input = seeds.length === 0 || k % 4 === 0 ? randomBytes(next) : mutate(seeds[next() % seeds.length]!, next);
      try {
        t.run(input, k);
        ok++;
      } catch (e) {
        if (!(e instanceof CodecError) || e.code === 'E_INTERNAL') {
          assert.fail(`${t.name}: unexpected ${e instanceof Error ? e.stack : String(e)} on input ${Buffer.from(input).toString('hex')} (path #${k % PATHS.length})`);
        }
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    } finally {
      Error.stackTraceLimit = limit;
    }
    assert.ok(codes.size > 0, 'some inputs must fail');
  });
}
