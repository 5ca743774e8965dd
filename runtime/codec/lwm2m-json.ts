/**
 * LwM2M JSON (11543, legacy 1543): {"bn":..., "bt":..., "e":[{"n":..., "v"|"sv"|"bv"|"ov":..., "t":...}]}.
 * Opaque travels in "sv" as standard base64 with padding; Objlnk in "ov" as "o:i";
 * Time in "v" as seconds; Corelnk in "sv" as link text.
 */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { jsonNumber, JsonReader } from './json-reader.js';
import { SenmlResolver, senmlIn, setField, toSenml, type SenmlIn } from './senml-records.js';
import { base64Encode, utf8Decode, utf8Encode } from './text-bytes.js';

const LABEL = { v: 'v', vs: 'sv', vb: 'bv', vlo: 'ov', vd: 'sv' } as const;

export function encodeLwm2mJson(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath, baseTime = false): Uint8Array {
  const recs = toSenml(records, opts, basePath, baseTime);
  const bn = recs[0]?.bn;
  const bt = recs[0]?.bt;
  let s = (bn !== undefined ? '{"bn":' + JSON.stringify(bn) + ',' : '{') + (bt !== undefined ? '"bt":' + jsonNumber(bt, 'bt') + ',' : '') + '"e":[';
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

const BIT: Readonly<Record<string, number>> = { n: 1, t: 2, v: 4, sv: 8, bv: 16, ov: 32 };

/** Reads the entries with a pull reader; bn and bt go to the first entry (they may come after "e"). */
function readLwm2mJson(bytes: Uint8Array): SenmlIn[] {
  const j = new JsonReader(utf8Decode(bytes), 3);
  const out: SenmlIn[] = [];
  let bn: string | undefined;
  let bt: number | bigint | undefined;
  let top = 0;
  j.expect(0x7b, 'LwM2M JSON: "{"');
  if (j.peek() === 0x7d) j.pos++;
  else {
    do {
      if (j.peek() !== 0x22) j.fail('member name expected');
      const at = j.pos;
      const key = j.string();
      j.expect(0x3a, '":"');
      const bit = key === 'bn' ? 1 : key === 'bt' ? 2 : key === 'e' ? 4 : 0;
      if (bit !== 0) {
        if (top & bit) j.fail(`duplicate member "${key}"`, at);
        top |= bit;
      }
      if (key === 'bn') bn = j.stringOf(key);
      else if (key === 'bt') bt = j.numberOf(key);
      else if (key === 'e') {
        j.expect(0x5b, '"e": "["');
        if (j.peek() === 0x5d) { j.pos++; continue; }
        for (let k = 0; ; k++) {
          j.expect(0x7b, `LwM2M JSON entry ${k}: "{"`);
          const r = senmlIn(k);
          let seen = 0;
          if (j.peek() === 0x7d) j.pos++;
          else {
            do {
              if (j.peek() !== 0x22) j.fail('member name expected');
              const kat = j.pos;
              const name = j.string();
              j.expect(0x3a, '":"');
              const b = Object.hasOwn(BIT, name) ? BIT[name]! : 0;
              if (b !== 0) {
                if (seen & b) j.fail(`duplicate member "${name}"`, kat);
                seen |= b;
              }
              switch (name) {
                case 'n': r.n = j.stringOf(name); break;
                case 't': r.t = j.numberOf(name); break;
                case 'v': setField(r, 'v', j.numberOf(name)); break;
                case 'bv': setField(r, 'vb', j.booleanOf(name)); break;
                case 'sv': setField(r, 'vs', j.stringOf(name)); break;
                case 'ov': setField(r, 'vlo', j.stringOf(name)); break;
                default: j.value(3); // other members are ignored
              }
            } while (j.more(0x7d, '}'));
          }
          out.push(r);
          if (!j.more(0x5d, ']')) break;
        }
      } else j.value(1); // other members are ignored
    } while (j.more(0x7d, '}'));
  }
  j.end();
  if (!(top & 4)) throw new CodecError('E_SYNTAX', 'LwM2M JSON needs an "e" array', 0);
  if (out.length > 0) { out[0]!.bn = bn; out[0]!.bt = bt; }
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
