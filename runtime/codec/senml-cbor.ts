/**
 * SenML CBOR (112): an array of maps with integer labels (bn -2, bt -3, n 0, v 2, vs 3,
 * vb 4, t 6, vd 8 as a byte string) and the text label "vlo" for object links. Encoded
 * with the shared cbor-x Encoder (Maps, no records, no float32 fitting).
 */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { cborDecode, cborEncode } from './cbor-engine.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { resetSenmlIn, senmlIn, SenmlResolver, setField, writeSenml, type SenmlIn, type SenmlOut, type SenmlSink } from './senml-records.js';
import type { SenmlField, SenmlWire } from './senml-value.js';

export const SENML_LABEL = { bn: -2, bt: -3, n: 0, v: 2, vs: 3, vb: 4, t: 6, vd: 8, vlo: 'vlo' } as const;

/** Builds the CBOR items (one Map per record) as records come. */
class CborItems implements SenmlSink {
  readonly items: Map<number | string, unknown>[] = [];
  record(bn: string | undefined, bt: number | undefined, n: string | undefined, t: number | undefined, field: SenmlField | undefined, value: SenmlWire | undefined): void {
    const m = new Map<number | string, unknown>();
    if (bn !== undefined) m.set(-2, bn);
    if (bt !== undefined) m.set(-3, bt);
    if (n !== undefined) m.set(0, n);
    // Numbers as they are: integer resources already come as bigint beyond 32 bits.
    if (field !== undefined) m.set(SENML_LABEL[field], value);
    if (t !== undefined) m.set(6, t);
    this.items.push(m);
  }
}

/** The CBOR items of SenML record objects (the bench hands exactly these to bare cbor-x). */
export function senmlCborItems(recs: readonly SenmlOut[]): Map<number | string, unknown>[] {
  const c = new CborItems();
  for (const r of recs) c.record(r.bn, r.bt, r.n, r.t, r.field, r.value);
  return c.items;
}

export function encodeSenmlCbor(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath, baseTime = false): Uint8Array {
  const c = new CborItems();
  writeSenml(records, opts, basePath, c, baseTime);
  return cborEncode(c.items);
}

function num(v: unknown, label: string, at: number): number | bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a number (record ${at})`, at);
  return v;
}
function str(v: unknown, label: string, at: number): string {
  if (typeof v !== 'string') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a text string (record ${at})`, at);
  return v;
}

const KNOWN_LABELS: ReadonlySet<unknown> = new Set<unknown>([-2, -3, 0, 2, 3, 4, 6, 8, 'vlo']);

/** Reads SenML CBOR records into `sink` (one scratch record, reused), or into a list. */
export function readSenmlCbor(bytes: Uint8Array, sink?: SenmlResolver): SenmlIn[] {
  const doc = cborDecode(bytes, { maxDepth: 2 });
  if (!Array.isArray(doc)) throw new CodecError('E_SYNTAX', 'SenML CBOR must be an array of records', 0);
  const out: SenmlIn[] = sink === undefined ? new Array<SenmlIn>(doc.length) : [];
  const scratch = senmlIn(0);
  for (let k = 0; k < doc.length; k++) {
    const m: unknown = doc[k];
    if (!(m instanceof Map)) throw new CodecError('E_SYNTAX', `SenML record ${k} is not a map`, k);
    const r = sink === undefined ? senmlIn(k) : resetSenmlIn(scratch, k);
    // Direct lookups beat iterating entries; the common labels first, and stop once all are found.
    let left = m.size;
    let v: unknown;
    if ((v = m.get(0)) !== undefined) { r.n = str(v, 'n', k); left--; }
    if ((v = m.get(2)) !== undefined) { setField(r, 'v', num(v, 'v', k)); left--; }
    if (left > 0) {
      if ((v = m.get(-2)) !== undefined) { r.bn = str(v, 'bn', k); left--; }
      if ((v = m.get(6)) !== undefined) { r.t = num(v, 't', k); left--; }
    }
    if (left > 0) {
      if ((v = m.get(-3)) !== undefined) { r.bt = num(v, 'bt', k); left--; }
      if ((v = m.get(3)) !== undefined) { setField(r, 'vs', str(v, 'vs', k)); left--; }
      if ((v = m.get(4)) !== undefined) {
        if (typeof v !== 'boolean') throw new CodecError('E_SYNTAX', `SenML "vb" must be true or false (record ${k})`, k);
        setField(r, 'vb', v);
        left--;
      }
      if ((v = m.get(8)) !== undefined) {
        if (!(v instanceof Uint8Array)) throw new CodecError('E_SYNTAX', `SenML "vd" must be a byte string (record ${k})`, k);
        setField(r, 'vd', new Uint8Array(v)); // a plain copy, detached from the input
        left--;
      }
      if ((v = m.get('vlo')) !== undefined) { setField(r, 'vlo', str(v, 'vlo', k)); left--; }
    }
    if (left !== 0) {
      for (const key of (m as Map<unknown, unknown>).keys()) {
        if (KNOWN_LABELS.has(key)) {
          if (m.get(key) === undefined) throw new CodecError('E_SYNTAX', `SenML label ${String(key)} without a value (record ${k})`, k);
          continue;
        }
        // RFC 8428: a label ending in "_" must be understood; other unknown labels are ignored.
        if (typeof key === 'string' && key.endsWith('_')) throw new CodecError('E_SYNTAX', `SenML label "${key.slice(0, 20)}" must be understood (record ${k})`, k);
        if (typeof key !== 'string' && typeof key !== 'number') throw new CodecError('E_SYNTAX', `SenML label of a wrong type (record ${k})`, k);
      }
    }
    if (sink === undefined) out[k] = r;
    else sink.add(r);
  }
  return out;
}

export function decodeSenmlCbor(bytes: Uint8Array, opts: CodecOptions, values: 'required' | 'forbidden' | 'optional' = 'required'): LwM2MRecord[] {
  try {
    checkSize(bytes, opts);
    const r = new SenmlResolver(opts, values);
    readSenmlCbor(bytes, r);
    return r.out;
  } catch (e) {
    throw asCodecError(e);
  }
}
