/**
 * LwM2M JSON (11543, legacy 1543): {"bn":..., "bt":..., "e":[{"n":..., "v"|"sv"|"bv"|"ov":..., "t":...}]}.
 * Opaque travels in "sv" as standard base64 with padding; Objlnk in "ov" as "o:i";
 * Time in "v" as seconds; Corelnk in "sv" as link text.
 */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { jsonNumber, readJson, type JsonValue } from './json-reader.js';
import { SenmlResolver, senmlIn, setField, toSenml, type SenmlIn } from './senml-records.js';
import { base64Encode, utf8Decode, utf8Encode } from './text-bytes.js';

const LABEL = { v: 'v', vs: 'sv', vb: 'bv', vlo: 'ov', vd: 'sv' } as const;

export function encodeLwm2mJson(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath): Uint8Array {
  const recs = toSenml(records, opts, basePath);
  const bn = recs[0]?.bn;
  let s = bn !== undefined ? '{"bn":' + JSON.stringify(bn) + ',"e":[' : '{"e":[';
  for (let k = 0; k < recs.length; k++) {
    const r = recs[k]!;
    let body = r.n !== undefined ? '"n":' + JSON.stringify(r.n) : '';
    if (r.field !== undefined) {
      const v = r.value!;
      body += (body ? ',"' : '"') + LABEL[r.field] + '":';
      if (typeof v === 'string') body += JSON.stringify(v);
      else if (typeof v === 'boolean') body += v ? 'true' : 'false';
      else if (v instanceof Uint8Array) body += '"' + base64Encode(v) + '"';
      else body += jsonNumber(v, (bn ?? '') + (r.n ?? ''));
    }
    if (r.t !== undefined) body += (body ? ',' : '') + '"t":' + jsonNumber(r.t, 't');
    s += (k ? ',{' : '{') + body + '}';
  }
  return utf8Encode(s + ']}');
}

function readLwm2mJson(bytes: Uint8Array): SenmlIn[] {
  const doc = readJson(utf8Decode(bytes), 3);
  if (!(doc instanceof Map)) throw new CodecError('E_SYNTAX', 'LwM2M JSON must be an object', 0);
  const bn = doc.get('bn');
  const bt = doc.get('bt');
  const e = doc.get('e');
  if (bn !== undefined && typeof bn !== 'string') throw new CodecError('E_SYNTAX', 'LwM2M JSON "bn" must be a string', 0);
  if (bt !== undefined && typeof bt !== 'number' && typeof bt !== 'bigint') throw new CodecError('E_SYNTAX', 'LwM2M JSON "bt" must be a number', 0);
  if (!Array.isArray(e)) throw new CodecError('E_SYNTAX', 'LwM2M JSON needs an "e" array', 0);
  const out: SenmlIn[] = [];
  for (let k = 0; k < e.length; k++) {
    const m: JsonValue = e[k]!;
    if (!(m instanceof Map)) throw new CodecError('E_SYNTAX', `LwM2M JSON entry ${k} is not an object`, k);
    const r: SenmlIn = senmlIn(k);
    if (k === 0) { r.bn = bn; r.bt = bt; }
    for (const [key, v] of m) {
      switch (key) {
        case 'n':
          if (typeof v !== 'string') throw new CodecError('E_SYNTAX', `LwM2M JSON "n" must be a string (entry ${k})`, k);
          r.n = v;
          break;
        case 't':
          if (typeof v !== 'number' && typeof v !== 'bigint') throw new CodecError('E_SYNTAX', `LwM2M JSON "t" must be a number (entry ${k})`, k);
          r.t = v;
          break;
        case 'v':
          if (typeof v !== 'number' && typeof v !== 'bigint') throw new CodecError('E_SYNTAX', `LwM2M JSON "v" must be a number (entry ${k})`, k);
          setField(r, 'v', v);
          break;
        case 'bv':
          if (typeof v !== 'boolean') throw new CodecError('E_SYNTAX', `LwM2M JSON "bv" must be true or false (entry ${k})`, k);
          setField(r, 'vb', v);
          break;
        case 'ov': case 'sv':
          if (typeof v !== 'string') throw new CodecError('E_SYNTAX', `LwM2M JSON "${key}" must be a string (entry ${k})`, k);
          setField(r, key === 'ov' ? 'vlo' : 'vs', v);
          break;
        // other members are ignored
      }
    }
    out.push(r);
  }
  return out;
}

export function decodeLwm2mJson(bytes: Uint8Array, opts: CodecOptions): LwM2MRecord[] {
  try {
    checkSize(bytes, opts);
    const r = new SenmlResolver(opts, 'required');
    r.opaqueAsBase64 = true;
    for (const x of readLwm2mJson(bytes)) r.add(x);
    return r.out;
  } catch (e) {
    throw asCodecError(e);
  }
}
