/**
 * SenML CBOR (112): an array of maps with integer labels (bn -2, bt -3, n 0, v 2, vs 3,
 * vb 4, t 6, vd 8 as a byte string) and the text label "vlo" for object links. Written
 * and read directly (cbor-writer.ts, cbor-reader.ts): the same bytes as the shared cbor-x
 * Encoder writes for these maps, without a Map per record on either side.
 */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { CborReader, INDEFINITE, type CborScalar } from './cbor-reader.js';
import { CborWriter } from './cbor-writer.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { resetSenmlIn, senmlIn, senmlName, SenmlResolver, setField, writeSenml, type SenmlIn, type SenmlOut, type SenmlSink } from './senml-records.js';
import type { SenmlField, SenmlWire } from './senml-value.js';

export const SENML_LABEL = { bn: -2, bt: -3, n: 0, v: 2, vs: 3, vb: 4, t: 6, vd: 8, vlo: 'vlo' } as const;

/** Builds the CBOR items (one Map per record) as records come: what bare cbor-x is given in the bench. */
class CborItems implements SenmlSink {
  readonly items: Map<number | string, unknown>[] = [];
  record(bn: string | undefined, bt: number | undefined, p: LwM2MPath, skip: number, t: number | undefined, field: SenmlField | undefined, value: SenmlWire | undefined): void {
    this.add(bn, bt, senmlName(p, skip), t, field, value);
  }
  add(bn: string | undefined, bt: number | undefined, n: string | undefined, t: number | undefined, field: SenmlField | undefined, value: SenmlWire | undefined): void {
    const m = new Map<number | string, unknown>();
    if (bn !== undefined) m.set(-2, bn);
    if (bt !== undefined) m.set(-3, bt);
    if (n !== undefined) m.set(0, n);
    if (field !== undefined) m.set(SENML_LABEL[field], value);
    if (t !== undefined) m.set(6, t);
    this.items.push(m);
  }
}

/** The CBOR items of SenML record objects (the bench hands exactly these to bare cbor-x). */
export function senmlCborItems(recs: readonly SenmlOut[]): Map<number | string, unknown>[] {
  const c = new CborItems();
  for (const r of recs) c.add(r.bn, r.bt, r.n, r.t, r.field, r.value);
  return c.items;
}

/** Writes each record as a CBOR map straight into the output, labels in the order above (the same bytes as cbor-x on CborItems). */
class CborRecords implements SenmlSink {
  constructor(readonly w: CborWriter) {}
  record(bn: string | undefined, bt: number | undefined, p: LwM2MPath, skip: number, t: number | undefined, field: SenmlField | undefined, value: SenmlWire | undefined): void {
    const w = this.w;
    // The name's ids below the base (see senmlName): none when the record is the base itself.
    const depth = p.instanceId === undefined ? 1 : p.resourceId === undefined ? 2 : p.resourceInstanceId === undefined ? 3 : 4;
    const count = depth - skip;
    w.head(5, (bn === undefined ? 0 : 1) + (bt === undefined ? 0 : 1) + (count > 0 ? 1 : 0) + (field === undefined ? 0 : 1) + (t === undefined ? 0 : 1));
    if (bn !== undefined) { w.key(-2); w.text(bn); }
    if (bt !== undefined) { w.key(-3); w.number(bt); }
    if (count > 0) {
      w.key(0);
      const o = p.objectId, i = p.instanceId ?? 0, r = p.resourceId ?? 0, ri = p.resourceInstanceId ?? 0;
      if (skip === 0) w.ids(true, count, o, i, r, ri);
      else if (skip === 1) w.ids(false, count, i, r, ri, 0);
      else if (skip === 2) w.ids(false, count, r, ri, 0, 0);
      else w.ids(false, count, ri, 0, 0, 0);
    }
    if (field !== undefined) {
      if (field === 'vlo') w.text('vlo');
      else w.key(SENML_LABEL[field]);
      // Numbers as they are: integer resources already come as bigint beyond 32 bits.
      switch (typeof value) {
        case 'number': w.number(value); break;
        case 'bigint': w.bigint(value); break;
        case 'string': w.text(value); break;
        case 'boolean': w.boolean(value); break;
        default: w.bytes(value as Uint8Array);
      }
    }
    if (t !== undefined) { w.key(6); w.number(t); }
  }
}

/** One writer for every encode (encoding is synchronous and calls no user code). */
const writer = new CborWriter();
const sinkOfWriter = new CborRecords(writer);

export function encodeSenmlCbor(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath, baseTime = false): Uint8Array {
  writer.begin();
  writer.head(4, records.length); // writeSenml gives one SenML record per LwM2M record
  writeSenml(records, opts, basePath, sinkOfWriter, baseTime);
  return writer.finish();
}

function num(v: CborScalar, label: string, at: number): number | bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a number (record ${at})`, at);
  return v;
}
function str(v: CborScalar, label: string, at: number): string {
  if (typeof v !== 'string') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a text string (record ${at})`, at);
  return v;
}
/**
 * A short text name of ids ("0/5700", "/3/0/9") read straight into r.ids without making
 * a string; false (nothing consumed) for anything else, which then goes the general way.
 */
function nameIds(b: Uint8Array, rd: CborReader, r: SenmlIn): boolean {
  const p = rd.pos;
  if (p >= b.length) return false;
  const ib = b[p]!;
  if (ib < 0x61 || ib > 0x77) return false; // a text string of 1..23 bytes
  const end = p + 1 + (ib & 31);
  if (end > b.length) return false;
  let q = p + 1;
  const slash = b[q] === 0x2f;
  if (slash) q++;
  const ids = r.ids;
  let count = 0;
  for (;;) {
    const s = q;
    let v = 0;
    while (q < end) {
      const c = b[q]!;
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      q++;
    }
    const d = q - s;
    if (d === 0 || d > 5 || (d > 1 && b[s] === 0x30) || v > 65534 || count === 4) return false;
    ids[count++] = v;
    if (q === end) break;
    if (b[q] !== 0x2f) return false;
    q++;
  }
  r.idCount = count;
  r.idSlash = slash;
  rd.pos = end;
  return true;
}

function twice(label: string, at: number): never {
  throw new CodecError('E_SYNTAX', `SenML label ${label} twice in record ${at}`, at);
}

/**
 * Reads SenML CBOR records into `sink` (one scratch record, reused), or into a list.
 * One pass over the bytes (cbor-reader.ts): labels are read as small integers or text
 * and only the known ones build values; an unknown label's value is read and dropped
 * (RFC 8428: unknown labels are ignored unless they end in "_").
 */
export function readSenmlCbor(bytes: Uint8Array, sink?: SenmlResolver): SenmlIn[] {
  if (bytes.length === 0) throw new CodecError('E_TRUNCATED', 'CBOR: empty payload', 0);
  const rd = new CborReader(bytes);
  const b = bytes;
  const top = rd.head() >> 5;
  if (top !== 4) {
    if (top === 6) rd.fail('E_SYNTAX', `tag ${rd.arg} is not used by this format`, 0);
    throw new CodecError('E_SYNTAX', 'SenML CBOR must be an array of records', 0);
  }
  const count = rd.arg;
  rd.checkCount(count, 1, 0);
  const out: SenmlIn[] = [];
  const scratch = senmlIn(0, [0, 0, 0, 0]);
  for (let k = 0; count === INDEFINITE ? !rd.isBreak() : k < count; k++) {
    const at = rd.pos;
    const major = rd.head() >> 5;
    if (major !== 5) {
      if (major === 6) rd.fail('E_SYNTAX', `tag ${rd.arg} is not used by this format`, at);
      throw new CodecError('E_SYNTAX', `SenML record ${k} is not a map`, k);
    }
    const size = rd.arg;
    rd.checkCount(size, 2, at);
    const r = sink === undefined ? senmlIn(k, [0, 0, 0, 0]) : resetSenmlIn(scratch, k);
    for (let e = 0; size === INDEFINITE ? !rd.isBreak() : e < size; e++) {
      // The label: one byte for the common small integers.
      const p = rd.pos;
      const kb = p < b.length ? b[p]! : -1;
      let label: number | string;
      if (kb >= 0 && kb < 24) { label = kb; rd.pos = p + 1; }
      else if (kb >= 0x20 && kb < 0x38) { label = 0x1f - kb; rd.pos = p + 1; }
      else {
        const key = rd.scalar(2);
        if (typeof key === 'string') label = key;
        else if (typeof key === 'number') label = Number.isInteger(key) ? key : NaN; // a float label is never a known one
        else if (typeof key === 'bigint') label = NaN;
        else throw new CodecError('E_SYNTAX', `SenML label of a wrong type (record ${k})`, k);
      }
      switch (label) {
        case 0:
          if (r.n !== undefined || r.idCount > 0) twice('n', k);
          if (!nameIds(b, rd, r)) r.n = str(rd.scalar(2), 'n', k);
          break;
        case 2: setField(r, 'v', num(rd.scalar(2), 'v', k)); break;
        case -2: if (r.bn !== undefined) twice('bn', k); r.bn = str(rd.scalar(2), 'bn', k); break;
        case 6: if (r.t !== undefined) twice('t', k); r.t = num(rd.scalar(2), 't', k); break;
        case -3: if (r.bt !== undefined) twice('bt', k); r.bt = num(rd.scalar(2), 'bt', k); break;
        case 3: setField(r, 'vs', str(rd.scalar(2), 'vs', k)); break;
        case 4: {
          const v = rd.scalar(2);
          if (typeof v !== 'boolean') throw new CodecError('E_SYNTAX', `SenML "vb" must be true or false (record ${k})`, k);
          setField(r, 'vb', v);
          break;
        }
        case 8: {
          const v = rd.scalar(2); // byte strings come as copies, detached from the input
          if (!(v instanceof Uint8Array)) throw new CodecError('E_SYNTAX', `SenML "vd" must be a byte string (record ${k})`, k);
          setField(r, 'vd', v);
          break;
        }
        case 'vlo': setField(r, 'vlo', str(rd.scalar(2), 'vlo', k)); break;
        default:
          // RFC 8428: a label ending in "_" must be understood; other unknown labels are ignored.
          if (typeof label === 'string' && label.endsWith('_')) throw new CodecError('E_SYNTAX', `SenML label "${label.slice(0, 20)}" must be understood (record ${k})`, k);
          rd.scalar(2);
      }
    }
    if (sink === undefined) out.push(r);
    else sink.add(r);
  }
  if (!rd.atEnd) throw new CodecError('E_TRAILING_BYTES', `CBOR: ${bytes.length - rd.pos} bytes after the item at offset ${rd.pos}`, rd.pos);
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
