/**
 * SenML CBOR (112): an array of maps with integer labels (bn -2, bt -3, n 0, v 2, vs 3,
 * vb 4, t 6, vd 8 as a byte string) and the text label "vlo" for object links. Encoded
 * with the shared cbor-x Encoder (Maps, no records, no float32 fitting).
 */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { cborDecode, cborEncode, cborIntegerOut } from './cbor-engine.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { fromSenml, setField, toSenml, type SenmlIn, type SenmlOut } from './senml-records.js';

export const SENML_LABEL = { bn: -2, bt: -3, n: 0, v: 2, vs: 3, vb: 4, t: 6, vd: 8, vlo: 'vlo' } as const;

export function senmlCborItems(recs: readonly SenmlOut[]): Map<number | string, unknown>[] {
  const arr = new Array<Map<number | string, unknown>>(recs.length);
  for (let k = 0; k < recs.length; k++) {
    const r = recs[k]!;
    const m = new Map<number | string, unknown>();
    if (r.bn !== undefined) m.set(-2, r.bn);
    if (r.n !== undefined) m.set(0, r.n);
    if (r.field !== undefined) {
      const v = r.value!;
      m.set(SENML_LABEL[r.field], typeof v === 'number' || typeof v === 'bigint' ? cborIntegerOutIfIntegral(v) : v);
    }
    if (r.t !== undefined) m.set(6, cborIntegerOutIfIntegral(r.t));
    arr[k] = m;
  }
  return arr;
}

function cborIntegerOutIfIntegral(v: number | bigint): number | bigint {
  return typeof v === 'bigint' || Number.isInteger(v) ? cborIntegerOut(v) : v;
}

export function encodeSenmlCbor(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath): Uint8Array {
  return cborEncode(senmlCborItems(toSenml(records, opts, basePath)));
}

function num(v: unknown, label: string, at: number): number | bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a number (record ${at})`, at);
  return v;
}
function str(v: unknown, label: string, at: number): string {
  if (typeof v !== 'string') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a text string (record ${at})`, at);
  return v;
}

export function readSenmlCbor(bytes: Uint8Array): SenmlIn[] {
  const doc = cborDecode(bytes, { maxDepth: 2 });
  if (!Array.isArray(doc)) throw new CodecError('E_SYNTAX', 'SenML CBOR must be an array of records', 0);
  const out: SenmlIn[] = [];
  for (let k = 0; k < doc.length; k++) {
    const m: unknown = doc[k];
    if (!(m instanceof Map)) throw new CodecError('E_SYNTAX', `SenML record ${k} is not a map`, k);
    const r: SenmlIn = { offset: k };
    for (const [key, v] of m as Map<unknown, unknown>) {
      switch (key) {
        case -2: r.bn = str(v, 'bn', k); break;
        case 0: r.n = str(v, 'n', k); break;
        case -3: r.bt = num(v, 'bt', k); break;
        case 6: r.t = num(v, 't', k); break;
        case 2: setField(r, 'v', num(v, 'v', k)); break;
        case 3: setField(r, 'vs', str(v, 'vs', k)); break;
        case 'vlo': setField(r, 'vlo', str(v, 'vlo', k)); break;
        case 4:
          if (typeof v !== 'boolean') throw new CodecError('E_SYNTAX', `SenML "vb" must be true or false (record ${k})`, k);
          setField(r, 'vb', v);
          break;
        case 8:
          if (!(v instanceof Uint8Array)) throw new CodecError('E_SYNTAX', `SenML "vd" must be a byte string (record ${k})`, k);
          setField(r, 'vd', new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          break;
        default:
          if (typeof key === 'string' && key.endsWith('_')) throw new CodecError('E_SYNTAX', `SenML label "${key.slice(0, 20)}" must be understood (record ${k})`, k);
          if (typeof key !== 'string' && typeof key !== 'number') throw new CodecError('E_SYNTAX', `SenML label of a wrong type (record ${k})`, k);
      }
    }
    out.push(r);
  }
  return out;
}

export function decodeSenmlCbor(bytes: Uint8Array, opts: CodecOptions, values: 'required' | 'forbidden' | 'optional' = 'required'): LwM2MRecord[] {
  try {
    checkSize(bytes, opts);
    return fromSenml(readSenmlCbor(bytes), opts, values);
  } catch (e) {
    throw asCodecError(e);
  }
}
