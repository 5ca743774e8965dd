/**
 * A linear well-formedness pass over CBOR before cbor-x sees it, so that cbor-x never
 * allocates for a declared length the input cannot hold, never recurses without bound,
 * and never meets tags or simple values the LwM2M formats do not use (cbor-x gives many
 * tags meanings: records, typed arrays, shared structures). Checks that exactly one
 * item spans the input.
 */
import { isUtf8 } from 'node:buffer';
import { CodecError } from './codec-error.js';

export interface CborGuardOptions {
  readonly maxDepth: number;
  /** Tags allowed (e.g. 1, epoch time, in LwM2M CBOR); all others are refused. */
  readonly tags?: ReadonlySet<number>;
}

class Guard {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly opts: CborGuardOptions) {}

  fail(code: 'E_TRUNCATED' | 'E_SYNTAX' | 'E_LIMIT' | 'E_UTF8', msg: string, at = this.pos): never {
    throw new CodecError(code, `CBOR: ${msg} at offset ${at}`, at);
  }

  /** The argument of the head just read; -1 for an indefinite length. */
  arg(ai: number, major: number): number {
    if (ai < 24) return ai;
    const need = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
    if (need === 0) {
      if (ai === 31 && (major === 2 || major === 3 || major === 4 || major === 5)) return -1;
      return this.fail('E_SYNTAX', `reserved additional information ${ai}`, this.pos - 1);
    }
    const b = this.b;
    if (this.pos + need > b.length) this.fail('E_TRUNCATED', 'head runs past the end');
    let v = 0;
    for (let k = 0; k < need; k++) v = v * 256 + b[this.pos + k]!;
    this.pos += need;
    return v; // 8-byte arguments above 2^53 are inexact, but far above any length check
  }

  item(depth: number): void {
    const b = this.b;
    const n = b.length;
    if (this.pos >= n) this.fail('E_TRUNCATED', 'item expected');
    const start = this.pos;
    const ib = b[this.pos++]!;
    const major = ib >> 5;
    const ai = ib & 31;
    if (ib === 0xff) this.fail('E_SYNTAX', 'unexpected break', start);
    const v = this.arg(ai, major);
    switch (major) {
      case 0: case 1: return;
      case 2: case 3:
        // cbor-x refuses indefinite-length strings; no LwM2M sender needs them.
        if (v < 0) this.fail('E_SYNTAX', 'indefinite-length string', start);
        if (v > n - this.pos) this.fail('E_TRUNCATED', `string of ${v} bytes runs past the end`, start);
        if (major === 3) this.text(this.pos, this.pos + v, start);
        this.pos += v;
        return;
      case 4: case 5: {
        if (depth >= this.opts.maxDepth) this.fail('E_LIMIT', `nesting deeper than ${this.opts.maxDepth}`, start);
        const per = major === 5 ? 2 : 1;
        if (v < 0) {
          for (;;) {
            if (this.pos >= n) this.fail('E_TRUNCATED', 'missing break');
            if (b[this.pos] === 0xff) { this.pos++; return; }
            for (let k = 0; k < per; k++) this.item(depth + 1);
          }
        }
        // Every item takes at least one byte: a count beyond the rest cannot be honest.
        if (v * per > n - this.pos) this.fail('E_TRUNCATED', `${major === 5 ? 'map' : 'array'} of ${v} items runs past the end`, start);
        this.children(v * per, depth + 1);
        return;
      }
      case 6:
        if (this.opts.tags === undefined || !this.opts.tags.has(v)) this.fail('E_SYNTAX', `tag ${v} is not used by this format`, start);
        if (depth >= this.opts.maxDepth) this.fail('E_LIMIT', `nesting deeper than ${this.opts.maxDepth}`, start);
        this.item(depth + 1);
        return;
      default:
        // false, true, null, and floats only: no other simple values, no undefined.
        if (ai === 20 || ai === 21 || ai === 22 || ai === 25 || ai === 26 || ai === 27) return;
        this.fail('E_SYNTAX', `simple value ${ai === 24 ? b[this.pos - 1] : ai} is not used by this format`, start);
    }
  }

  /** Text strings must be UTF-8 (cbor-x would decode bad bytes silently); ASCII is checked in place. */
  text(from: number, to: number, at: number): void {
    const b = this.b;
    for (let k = from; k < to; k++) {
      if (b[k]! > 0x7f) {
        if (!isUtf8(b.subarray(from, to))) this.fail('E_UTF8', 'invalid UTF-8 in a text string', at);
        return;
      }
    }
  }

  /** Fast path inside containers: small ints, floats, booleans and short strings need no call. */
  children(count: number, depth: number): void {
    const b = this.b;
    const n = b.length;
    for (let k = 0; k < count; k++) {
      const p = this.pos;
      if (p < n) {
        const ib = b[p]!;
        const major = ib >> 5;
        const ai = ib & 31;
        if (major <= 1) {
          if (ai < 24) { this.pos = p + 1; continue; }
          if (ai <= 27 && p + 1 + (1 << (ai - 24)) <= n) { this.pos = p + 1 + (1 << (ai - 24)); continue; }
        } else if (major === 2 || major === 3) {
          if (ai < 24 && p + 1 + ai <= n) {
            if (major === 3) {
              // ASCII in place; anything else goes to the full UTF-8 check.
              let q = p + 1;
              while (q < p + 1 + ai && b[q]! < 0x80) q++;
              if (q < p + 1 + ai) this.text(p + 1, p + 1 + ai, p);
            }
            this.pos = p + 1 + ai;
            continue;
          }
        } else if (major === 7) {
          if (ai === 20 || ai === 21 || ai === 22) { this.pos = p + 1; continue; }
          if (ai >= 25 && ai <= 27 && p + 1 + (1 << (ai - 24)) <= n) { this.pos = p + 1 + (1 << (ai - 24)); continue; }
        }
      }
      this.item(depth); // everything else, errors included, takes the full path
    }
  }
}

export function guardCbor(b: Uint8Array, opts: CborGuardOptions): void {
  const g = new Guard(b, opts);
  g.item(0);
  if (g.pos !== b.length) throw new CodecError('E_TRAILING_BYTES', `CBOR: ${b.length - g.pos} bytes after the item at offset ${g.pos}`, g.pos);
}
