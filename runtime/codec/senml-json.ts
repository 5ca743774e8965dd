/** SenML JSON (110): an array of records; vd is base64url without padding. */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { jsonNumber, readJson, type JsonValue } from './json-reader.js';
import { fromSenml, senmlIn, setField, writeSenml, type SenmlIn, type SenmlOut, type SenmlSink } from './senml-records.js';
import type { SenmlField, SenmlWire } from './senml-value.js';
import { base64Decode, base64UrlEncode, utf8Decode, utf8Encode } from './text-bytes.js';

/** Appends records to a JSON text as they come. */
class JsonText implements SenmlSink {
  s = '[';
  count = 0;
  record(bn: string | undefined, n: string | undefined, t: number | undefined, field: SenmlField | undefined, v: SenmlWire | undefined): void {
    let body = '';
    if (bn !== undefined) body += '"bn":' + JSON.stringify(bn);
    if (n !== undefined) body += (body ? ',' : '') + '"n":' + JSON.stringify(n);
    if (field !== undefined) {
      const name = body ? ',"' + field + '":' : '"' + field + '":';
      if (typeof v === 'string') body += name + JSON.stringify(v);
      else if (typeof v === 'boolean') body += name + (v ? 'true' : 'false');
      else if (v instanceof Uint8Array) body += name + '"' + base64UrlEncode(v) + '"';
      else body += name + jsonNumber(v!, (bn ?? '') + (n ?? ''));
    }
    if (t !== undefined) body += (body ? ',' : '') + '"t":' + jsonNumber(t, 't');
    this.s += (this.count++ ? ',{' : '{') + body + '}';
  }
}

export function writeSenmlJson(recs: readonly SenmlOut[]): string {
  const w = new JsonText();
  for (const r of recs) w.record(r.bn, r.n, r.t, r.field, r.value);
  return w.s + ']';
}

export function encodeSenmlJson(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath): Uint8Array {
  const w = new JsonText();
  writeSenml(records, opts, basePath, w);
  return utf8Encode(w.s + ']');
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
