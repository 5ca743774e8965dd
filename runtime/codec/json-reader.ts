/**
 * A small strict JSON reader for SenML JSON and LwM2M JSON. Why not JSON.parse: integers
 * beyond 2^53 (64-bit resources) must stay exact, errors need an offset, and nesting is
 * bounded. Integer literals outside the safe range become bigint. Objects become Maps
 * (no prototype keys such as "__proto__" to worry about). A class rather than closures:
 * no per-call function allocation on the hot path.
 */
import { CodecError } from './codec-error.js';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

const NUM = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/** A pull reader: the SenML readers walk records with it without building generic values. */
export class JsonReader {
  pos = 0;
  readonly n: number;
  constructor(readonly text: string, readonly maxDepth: number) {
    this.n = text.length;
  }

  fail(msg: string, at = this.pos): never {
    throw new CodecError(at >= this.n ? 'E_TRUNCATED' : 'E_SYNTAX', `JSON: ${msg} at offset ${at}`, at);
  }

  /** The next character code after whitespace (NaN at the end). */
  peek(): number {
    this.ws();
    return this.text.charCodeAt(this.pos);
  }

  /** Consumes `code` after whitespace, or fails naming what was expected. */
  expect(code: number, what: string): void {
    if (this.peek() !== code) this.fail(`${what} expected`);
    this.pos++;
  }

  /** After a member or element: true for ",", false for the closing `close`. */
  more(close: number, what: string): boolean {
    const c = this.peek();
    if (c === 0x2c) { this.pos++; return true; }
    if (c === close) { this.pos++; return false; }
    return this.fail(`"," or "${what}" expected`);
  }

  /** A string value, or E_SYNTAX naming the label. */
  stringOf(label: string): string {
    if (this.peek() !== 0x22) this.fail(`"${label}" must be a string`);
    return this.string();
  }

  /** A number value, or E_SYNTAX naming the label. */
  numberOf(label: string): number | bigint {
    const c = this.peek();
    if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) this.fail(`"${label}" must be a number`);
    return this.number();
  }

  booleanOf(label: string): boolean {
    this.ws();
    if (this.text.startsWith('true', this.pos)) { this.pos += 4; return true; }
    if (this.text.startsWith('false', this.pos)) { this.pos += 5; return false; }
    return this.fail(`"${label}" must be true or false`);
  }

  /** Fails unless only whitespace is left. */
  end(): void {
    this.ws();
    if (this.pos < this.n) throw new CodecError('E_TRAILING_BYTES', `JSON: text after the value at offset ${this.pos}`, this.pos);
  }

  ws(): void {
    const t = this.text;
    let p = this.pos;
    while (p < this.n) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  string(): string {
    const t = this.text;
    const start = ++this.pos;
    let p = start;
    for (;;) {
      if (p >= this.n) this.fail('unterminated string', p);
      const c = t.charCodeAt(p);
      if (c === 0x22) { this.pos = p + 1; return t.slice(start, p); }
      if (c === 0x5c) break; // escapes: take the slow path
      if (c < 0x20) this.fail('control character in string', p);
      p++;
    }
    let out = t.slice(start, p);
    while (p < this.n) {
      const c = t.charCodeAt(p);
      if (c === 0x22) { this.pos = p + 1; return out; }
      if (c < 0x20) this.fail('control character in string', p);
      if (c !== 0x5c) { out += t[p]; p++; continue; }
      switch (t[p + 1]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = t.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape', p);
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default: this.fail('bad escape', p);
      }
      p += 2;
    }
    return this.fail('unterminated string', p);
  }

  number(): number | bigint {
    NUM.lastIndex = this.pos;
    const m = NUM.exec(this.text);
    if (m === null) return this.fail('bad number');
    const tok = m[0];
    this.pos += tok.length;
    if (m[1] === undefined && m[2] === undefined) {
      const v = Number(tok);
      // Integers beyond 2^53 keep every digit.
      if (!Number.isSafeInteger(v)) {
        if (tok.length > 40) this.fail('integer too long', this.pos - tok.length);
        return BigInt(tok);
      }
      return v;
    }
    return Number(tok);
  }

  value(depth: number): JsonValue {
    this.ws();
    if (this.pos >= this.n) this.fail('value expected');
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x22) return this.string();
    if (c === 0x7b || c === 0x5b) {
      if (depth >= this.maxDepth) throw new CodecError('E_LIMIT', `JSON: nesting deeper than ${this.maxDepth} at offset ${this.pos}`, this.pos);
      this.pos++;
      this.ws();
      if (c === 0x5b) {
        const arr: JsonValue[] = [];
        if (t.charCodeAt(this.pos) === 0x5d) { this.pos++; return arr; }
        for (;;) {
          arr.push(this.value(depth + 1));
          this.ws();
          const d = t.charCodeAt(this.pos);
          if (d === 0x2c) { this.pos++; continue; }
          if (d === 0x5d) { this.pos++; return arr; }
          this.fail('"," or "]" expected');
        }
      }
      const obj: JsonObject = new Map();
      if (t.charCodeAt(this.pos) === 0x7d) { this.pos++; return obj; }
      for (;;) {
        this.ws();
        if (t.charCodeAt(this.pos) !== 0x22) this.fail('member name expected');
        const at = this.pos;
        const key = this.string();
        if (obj.has(key)) this.fail(`duplicate member "${key.slice(0, 20)}"`, at);
        this.ws();
        if (t.charCodeAt(this.pos) !== 0x3a) this.fail('":" expected');
        this.pos++;
        obj.set(key, this.value(depth + 1));
        this.ws();
        const d = t.charCodeAt(this.pos);
        if (d === 0x2c) { this.pos++; continue; }
        if (d === 0x7d) { this.pos++; return obj; }
        this.fail('"," or "}" expected');
      }
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (t.startsWith('true', this.pos)) { this.pos += 4; return true; }
    if (t.startsWith('false', this.pos)) { this.pos += 5; return false; }
    if (t.startsWith('null', this.pos)) { this.pos += 4; return null; }
    return this.fail('unexpected character');
  }
}

export function readJson(text: string, maxDepth: number): JsonValue {
  const r = new JsonReader(text, maxDepth);
  const v = r.value(0);
  r.ws();
  if (r.pos < r.n) throw new CodecError('E_TRAILING_BYTES', `JSON: text after the value at offset ${r.pos}`, r.pos);
  return v;
}

/** A JSON number literal for a finite number or a bigint; NaN and infinities have none. */
export function jsonNumber(v: number | bigint, path: string): string {
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isFinite(v)) throw new CodecError('E_UNREPRESENTABLE', `${v} has no JSON form (${path})`, undefined, path);
  // -0 would print as 0; keep the sign.
  return Object.is(v, -0) ? '-0.0' : String(v);
}
