/**
 * A pull reader over CBOR bytes for the flat SenML CBOR layout (an array of maps of
 * scalars): heads and scalar values read in place, every length checked against the
 * bytes left before anything is allocated, text checked as UTF-8, and only the items
 * SenML uses accepted (no tags, no undefined or other simple values, no indefinite-length
 * strings). It does the work of the well-formedness guard and of cbor-x in one pass, and
 * builds no intermediate Maps.
 */
import { isUtf8 } from 'node:buffer';
import { CodecError } from './codec-error.js';

/** A scalar as SenML carries it; null is returned as null and refused by the caller where it matters. */
export type CborScalar = number | bigint | string | boolean | Uint8Array | null;

export const INDEFINITE = -1;

export class CborReader {
  pos = 0;
  /** Major type of the last head read. */
  major = 0;
  /** Argument of the last head read: a count, a length, an integer's magnitude; INDEFINITE for indefinite lengths. */
  arg = 0;
  /** The argument as a bigint when an 8-byte argument passes 2^53 (else undefined). */
  bigArg: bigint | undefined;
  private readonly buf: Buffer;

  constructor(readonly b: Uint8Array) {
    this.buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  fail(code: 'E_TRUNCATED' | 'E_SYNTAX' | 'E_LIMIT' | 'E_UTF8', msg: string, at = this.pos): never {
    throw new CodecError(code, `CBOR: ${msg} at offset ${at}`, at);
  }

  get atEnd(): boolean {
    return this.pos >= this.b.length;
  }

  /** Whether the next byte is a break (and consumes it). */
  isBreak(): boolean {
    if (this.pos >= this.b.length) this.fail('E_TRUNCATED', 'missing break');
    if (this.b[this.pos] !== 0xff) return false;
    this.pos++;
    return true;
  }

  /** Reads one head; returns the initial byte. Floats and simple values leave `arg` as their additional information. */
  head(): number {
    const b = this.b;
    const n = b.length;
    const start = this.pos;
    if (start >= n) this.fail('E_TRUNCATED', 'item expected');
    const ib = b[start]!;
    this.pos = start + 1;
    const major = ib >> 5;
    const ai = ib & 31;
    this.major = major;
    this.bigArg = undefined;
    if (major === 7) {
      this.arg = ai;
      if (ib === 0xff) this.fail('E_SYNTAX', 'unexpected break', start);
      return ib;
    }
    if (ai < 24) { this.arg = ai; return ib; }
    if (ai === 24) {
      if (start + 2 > n) this.fail('E_TRUNCATED', 'head runs past the end');
      this.arg = b[start + 1]!;
      this.pos = start + 2;
    } else if (ai === 25) {
      if (start + 3 > n) this.fail('E_TRUNCATED', 'head runs past the end');
      this.arg = (b[start + 1]! << 8) | b[start + 2]!;
      this.pos = start + 3;
    } else if (ai === 26) {
      if (start + 5 > n) this.fail('E_TRUNCATED', 'head runs past the end');
      this.arg = this.buf.readUInt32BE(start + 1);
      this.pos = start + 5;
    } else if (ai === 27) {
      if (start + 9 > n) this.fail('E_TRUNCATED', 'head runs past the end');
      const hi = this.buf.readUInt32BE(start + 1);
      const lo = this.buf.readUInt32BE(start + 5);
      this.pos = start + 9;
      if (hi < 0x200000) this.arg = hi * 0x100000000 + lo;
      else {
        this.bigArg = (BigInt(hi) << 32n) | BigInt(lo);
        this.arg = Number(this.bigArg); // inexact, only ever compared with lengths far below it
      }
    } else if (ai === 31 && major >= 2 && major <= 5) {
      if (major <= 3) this.fail('E_SYNTAX', 'indefinite-length string', start); // cbor-x refused them too; no LwM2M sender needs them
      this.arg = INDEFINITE;
    } else {
      this.fail('E_SYNTAX', `reserved additional information ${ai}`, start);
    }
    return ib;
  }

  /** After a container head: refuses a count that the bytes left cannot hold (each item takes a byte at least). */
  checkCount(count: number, per: number, at: number): void {
    if (count !== INDEFINITE && count * per > this.b.length - this.pos) {
      this.fail('E_TRUNCATED', `${per === 2 ? 'map' : 'array'} of ${count} items runs past the end`, at);
    }
  }

  /** The text string whose head was just read. */
  textBody(at: number): string {
    const len = this.arg;
    const from = this.pos;
    if (len > this.b.length - from) this.fail('E_TRUNCATED', `string of ${len} bytes runs past the end`, at);
    const to = from + len;
    this.pos = to;
    const b = this.b;
    let ascii = true;
    for (let k = from; k < to; k++) {
      if (b[k]! > 0x7f) { ascii = false; break; }
    }
    if (ascii) return len <= 16 ? shortAscii(b, from, len) : this.buf.toString('latin1', from, to);
    if (!isUtf8(b.subarray(from, to))) this.fail('E_UTF8', 'invalid UTF-8 in a text string', at);
    return this.buf.toString('utf8', from, to);
  }

  /** The byte string whose head was just read, as a copy detached from the input. */
  bytesBody(at: number): Uint8Array {
    const len = this.arg;
    const from = this.pos;
    if (len > this.b.length - from) this.fail('E_TRUNCATED', `string of ${len} bytes runs past the end`, at);
    this.pos = from + len;
    return new Uint8Array(this.b.subarray(from, from + len));
  }

  /** A float or simple value whose head (major 7) was just read. */
  simpleBody(ib: number, at: number): number | boolean | null {
    switch (ib) {
      case 0xf4: return false;
      case 0xf5: return true;
      case 0xf6: return null;
      case 0xf9: return this.half(at);
      case 0xfa: {
        if (this.pos + 4 > this.b.length) this.fail('E_TRUNCATED', 'head runs past the end', at);
        const v = this.buf.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xfb: {
        if (this.pos + 8 > this.b.length) this.fail('E_TRUNCATED', 'head runs past the end', at);
        const v = this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      default:
        return this.fail('E_SYNTAX', `simple value ${ib === 0xf8 ? this.b[this.pos] : ib & 31} is not used by this format`, at);
    }
  }

  private half(at: number): number {
    if (this.pos + 2 > this.b.length) this.fail('E_TRUNCATED', 'head runs past the end', at);
    const h = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    const sign = h & 0x8000 ? -1 : 1;
    if (exp === 0) return sign * mant * 2 ** -24;
    if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
    return sign * (1024 + mant) * 2 ** (exp - 25);
  }

  /**
   * One scalar item. Containers are refused with E_LIMIT (SenML records hold no nesting:
   * `depth` names the level for the message), tags with E_SYNTAX.
   */
  scalar(depth: number): CborScalar {
    const at = this.pos;
    const ib = this.head();
    switch (this.major) {
      case 0: return this.bigArg ?? this.arg;
      case 1: return this.bigArg !== undefined ? -1n - this.bigArg : this.arg < 0x1fffffffffffff ? -1 - this.arg : -1n - BigInt(this.arg);
      case 2: return this.bytesBody(at);
      case 3: return this.textBody(at);
      case 4: case 5: return this.fail('E_LIMIT', `nesting deeper than ${depth}`, at);
      case 6: return this.fail('E_SYNTAX', `tag ${this.arg} is not used by this format`, at);
      default: return this.simpleBody(ib, at);
    }
  }
}

/** Short ASCII strings are cheaper built in JS than through a native call (fromCharCode with fixed arguments). */
function shortAscii(b: Uint8Array, p: number, len: number): string {
  const f = String.fromCharCode;
  switch (len) {
    case 0: return '';
    case 1: return f(b[p]!);
    case 2: return f(b[p]!, b[p + 1]!);
    case 3: return f(b[p]!, b[p + 1]!, b[p + 2]!);
    case 4: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!);
    case 5: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!);
    case 6: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!);
    case 7: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!);
    case 8: return f(b[p]!, b[p + 1]!, b[p + 2]!, b[p + 3]!, b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    default: return shortAscii(b, p, 8) + shortAscii(b, p + 8, len - 8);
  }
}
