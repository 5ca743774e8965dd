/** SenML JSON (110): an array of records; vd is base64url without padding. */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { jsonNumber, readJson, type JsonValue } from './json-reader.js';
import { fromSenml, senmlIn, setField, toSenml, type SenmlIn, type SenmlOut } from './senml-records.js';
import { base64Decode, base64UrlEncode, utf8Decode, utf8Encode } from './text-bytes.js';

export function writeSenmlJson(recs: readonly SenmlOut[]): string {
  let s = '[';
  for (let k = 0; k < recs.length; k++) {
    const r = recs[k]!;
    let body = '';
    if (r.bn !== undefined) body += '"bn":' + JSON.stringify(r.bn);
    if (r.n !== undefined) body += (body ? ',' : '') + '"n":' + JSON.stringify(r.n);
    if (r.field !== undefined) {
      const v = r.value!;
      const name = body ? ',"' + r.field + '":' : '"' + r.field + '":';
      const where = (r.bn ?? '') + (r.n ?? '');
      if (typeof v === 'string') body += name + JSON.stringify(v);
      else if (typeof v === 'boolean') body += name + (v ? 'true' : 'false');
      else if (v instanceof Uint8Array) body += name + '"' + base64UrlEncode(v) + '"';
      else body += name + jsonNumber(v, where);
    }
    if (r.t !== undefined) body += (body ? ',' : '') + '"t":' + jsonNumber(r.t, 't');
    s += (k ? ',{' : '{') + body + '}';
  }
  return s + ']';
}

export function encodeSenmlJson(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath): Uint8Array {
  return utf8Encode(writeSenmlJson(toSenml(records, opts, basePath)));
}

function num(v: JsonValue | undefined, label: string, at: number): number | bigint | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a number (record at ${at})`, at);
  return v;
}
function str(v: JsonValue | undefined, label: string, at: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new CodecError('E_SYNTAX', `SenML "${label}" must be a string (record at ${at})`, at);
  return v;
}

/** Parses SenML JSON into raw records (no types yet). */
export function readSenmlJson(bytes: Uint8Array): SenmlIn[] {
  const doc = readJson(utf8Decode(bytes), 2);
  if (!Array.isArray(doc)) throw new CodecError('E_SYNTAX', 'SenML JSON must be an array of records', 0);
  const out: SenmlIn[] = [];
  for (let k = 0; k < doc.length; k++) {
    const m = doc[k];
    if (!(m instanceof Map)) throw new CodecError('E_SYNTAX', `SenML record ${k} is not an object`, k);
    const r: SenmlIn = senmlIn(k);
    for (const [key, v] of m) {
      switch (key) {
        case 'bn': r.bn = str(v, key, k); break;
        case 'n': r.n = str(v, key, k); break;
        case 'bt': r.bt = num(v, key, k); break;
        case 't': r.t = num(v, key, k); break;
        case 'v': setField(r, 'v', num(v, key, k)!); break;
        case 'vs': setField(r, 'vs', str(v, key, k)!); break;
        case 'vlo': setField(r, 'vlo', str(v, key, k)!); break;
        case 'vb':
          if (typeof v !== 'boolean') throw new CodecError('E_SYNTAX', `SenML "vb" must be true or false (record ${k})`, k);
          setField(r, 'vb', v);
          break;
        case 'vd': setField(r, 'vd', base64Decode(str(v, key, k)!, 'url', k)); break;
        default:
          // RFC 8428: a label ending in "_" must be understood; others may be ignored.
          if (key.endsWith('_')) throw new CodecError('E_SYNTAX', `SenML label "${key.slice(0, 20)}" must be understood (record ${k})`, k);
      }
    }
    out.push(r);
  }
  return out;
}

export function decodeSenmlJson(bytes: Uint8Array, opts: CodecOptions, values: 'required' | 'forbidden' | 'optional' = 'required'): LwM2MRecord[] {
  try {
    checkSize(bytes, opts);
    return fromSenml(readSenmlJson(bytes), opts, values);
  } catch (e) {
    throw asCodecError(e);
  }
}
