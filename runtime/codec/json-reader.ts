/**
 * A small strict JSON reader for SenML JSON and LwM2M JSON. Why not JSON.parse: integers
 * beyond 2^53 (64-bit resources) must stay exact, errors need an offset, and nesting is
 * bounded. Integer literals outside the safe range become bigint. Objects become Maps
 * (no prototype keys such as "__proto__" to worry about).
 */
import { CodecError } from './codec-error.js';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export function readJson(text: string, maxDepth: number): JsonValue {
  let pos = 0;
  const n = text.length;

  const fail = (msg: string, at = pos): never => {
    throw new CodecError(at >= n ? 'E_TRUNCATED' : 'E_SYNTAX', `JSON: ${msg} at offset ${at}`, at);
  };
  const ws = (): void => {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };

  const readString = (): string => {
    // pos is at the opening quote
    const start = ++pos;
    for (;;) {
      if (pos >= n) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) { const s = text.slice(start, pos++); return s; }
      if (c === 0x5c) break; // escapes: take the slow path
      if (c < 0x20) fail('control character in string');
      pos++;
    }
    let out = text.slice(start, pos);
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) { pos++; return out; }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) { out += text[pos]; pos++; continue; }
      const e = text[pos + 1];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default: fail('bad escape');
      }
      pos += 2;
    }
    return fail('unterminated string');
  };

  const NUM = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const readNumber = (): number | bigint => {
    NUM.lastIndex = pos;
    const m = NUM.exec(text);
    if (m === null) return fail('bad number');
    const tok = m[0];
    pos += tok.length;
    if (m[1] === undefined && m[2] === undefined) {
      const v = Number(tok);
      // Integers beyond 2^53 keep every digit.
      if (!Number.isSafeInteger(v)) {
        if (tok.length > 40) fail('integer too long', pos - tok.length);
        return BigInt(tok);
      }
      return v;
    }
    return Number(tok);
  };

  const readValue = (depth: number): JsonValue => {
    ws();
    if (pos >= n) fail('value expected');
    const c = text.charCodeAt(pos);
    if (c === 0x22) return readString();
    if (c === 0x7b || c === 0x5b) {
      if (depth >= maxDepth) throw new CodecError('E_LIMIT', `JSON: nesting deeper than ${maxDepth} at offset ${pos}`, pos);
      pos++;
      ws();
      if (c === 0x5b) {
        const arr: JsonValue[] = [];
        if (text.charCodeAt(pos) === 0x5d) { pos++; return arr; }
        for (;;) {
          arr.push(readValue(depth + 1));
          ws();
          const d = text.charCodeAt(pos);
          if (d === 0x2c) { pos++; continue; }
          if (d === 0x5d) { pos++; return arr; }
          fail('"," or "]" expected');
        }
      }
      const obj: JsonObject = new Map();
      if (text.charCodeAt(pos) === 0x7d) { pos++; return obj; }
      for (;;) {
        ws();
        if (text.charCodeAt(pos) !== 0x22) fail('member name expected');
        const at = pos;
        const key = readString();
        if (obj.has(key)) fail(`duplicate member "${key.slice(0, 20)}"`, at);
        ws();
        if (text.charCodeAt(pos) !== 0x3a) fail('":" expected');
        pos++;
        obj.set(key, readValue(depth + 1));
        ws();
        const d = text.charCodeAt(pos);
        if (d === 0x2c) { pos++; continue; }
        if (d === 0x7d) { pos++; return obj; }
        fail('"," or "}" expected');
      }
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return readNumber();
    if (text.startsWith('true', pos)) { pos += 4; return true; }
    if (text.startsWith('false', pos)) { pos += 5; return false; }
    if (text.startsWith('null', pos)) { pos += 4; return null; }
    return fail('unexpected character');
  };

  const v = readValue(0);
  ws();
  if (pos < n) throw new CodecError('E_TRAILING_BYTES', `JSON: text after the value at offset ${pos}`, pos);
  return v;
}

/** A JSON number literal for a finite number or a bigint; NaN and infinities have none. */
export function jsonNumber(v: number | bigint, path: string): string {
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isFinite(v)) throw new CodecError('E_UNREPRESENTABLE', `${v} has no JSON form (${path})`, undefined, path);
  // -0 would print as 0; keep the sign.
  return Object.is(v, -0) ? '-0.0' : String(v);
}
