/** SenML JSON (110): an array of records; vd is base64url without padding. */
import type { LwM2MRecord } from '../model/record.js';
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { jsonNumber, JsonReader } from './json-reader.js';
import { resetSenmlIn, senmlIn, senmlName, SenmlResolver, setField, writeSenml, type SenmlIn, type SenmlSink } from './senml-records.js';
import type { SenmlField, SenmlWire } from './senml-value.js';
import { base64Decode, base64UrlEncode, utf8Decode, utf8Encode } from './text-bytes.js';

/** Appends records to a JSON text as they come. */
class JsonText implements SenmlSink {
  s = '[';
  count = 0;
  record(bn: string | undefined, bt: number | undefined, p: LwM2MPath, skip: number, t: number | undefined, field: SenmlField | undefined, v: SenmlWire | undefined): void {
    const n = senmlName(p, skip);
    let body = '';
    if (bn !== undefined) body += '"bn":' + JSON.stringify(bn);
    if (bt !== undefined) body += (body ? ',' : '') + '"bt":' + jsonNumber(bt, 'bt');
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

export function encodeSenmlJson(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath, baseTime = false): Uint8Array {
  const w = new JsonText();
  writeSenml(records, opts, basePath, w, baseTime);
  return utf8Encode(w.s + ']');
}

const BIT: Readonly<Record<string, number>> = { bn: 1, n: 2, bt: 4, t: 8, v: 16, vs: 32, vb: 64, vd: 128, vlo: 256 };

/**
 * Reads SenML JSON records straight from the text (a pull reader, no generic JSON
 * values) into `sink` with one scratch record, or into a list. Record offsets are
 * record indexes; syntax errors carry the character offset.
 */
export function readSenmlJson(bytes: Uint8Array, sink?: SenmlResolver): SenmlIn[] {
  const j = new JsonReader(utf8Decode(bytes), 2);
  const out: SenmlIn[] = [];
  const scratch = senmlIn(0);
  j.expect(0x5b, 'SenML JSON: "["');
  if (j.peek() === 0x5d) j.pos++;
  else {
    for (let k = 0; ; k++) {
      j.expect(0x7b, `SenML record ${k}: "{"`);
      const r = sink === undefined ? senmlIn(k) : resetSenmlIn(scratch, k);
      let seen = 0;
      if (j.peek() === 0x7d) j.pos++;
      else {
        do {
          if (j.peek() !== 0x22) j.fail('member name expected');
          const at = j.pos;
          const key = j.string();
          j.expect(0x3a, '":"');
          const bit = BIT[key];
          if (bit !== undefined && Object.hasOwn(BIT, key)) {
            if (seen & bit) j.fail(`duplicate member "${key}"`, at);
            seen |= bit;
          }
          switch (key) {
            case 'bn': r.bn = j.stringOf(key); break;
            case 'n': r.n = j.stringOf(key); break;
            case 'bt': r.bt = j.numberOf(key); break;
            case 't': r.t = j.numberOf(key); break;
            case 'v': setField(r, 'v', j.numberOf(key)); break;
            case 'vs': setField(r, 'vs', j.stringOf(key)); break;
            case 'vlo': setField(r, 'vlo', j.stringOf(key)); break;
            case 'vb': setField(r, 'vb', j.booleanOf(key)); break;
            case 'vd': { const vat = j.pos; setField(r, 'vd', base64Decode(j.stringOf(key), 'url', vat)); break; }
            default:
              // RFC 8428: a label ending in "_" must be understood; others are skipped.
              if (key.endsWith('_')) throw new CodecError('E_SYNTAX', `SenML label "${key.slice(0, 20)}" must be understood (record ${k})`, k);
              j.value(2);
          }
        } while (j.more(0x7d, '}'));
      }
      if (sink === undefined) out.push(r);
      else sink.add(r);
      if (!j.more(0x5d, ']')) break;
    }
  }
  j.end();
  return out;
}

export function decodeSenmlJson(bytes: Uint8Array, opts: CodecOptions, values: 'required' | 'forbidden' | 'optional' = 'required'): LwM2MRecord[] {
  try {
    checkSize(bytes, opts);
    const r = new SenmlResolver(opts, values);
    readSenmlJson(bytes, r);
    return r.out;
  } catch (e) {
    throw asCodecError(e);
  }
}
