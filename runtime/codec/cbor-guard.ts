/**
 * A linear well-formedness pass over CBOR before cbor-x sees it, so that cbor-x never
 * allocates for a declared length the input cannot hold, never recurses without bound,
 * and never meets tags or simple values the LwM2M formats do not use (cbor-x gives many
 * tags meanings: records, typed arrays, shared structures). Checks that exactly one
 * item spans the input.
 */
import { CodecError } from './codec-error.js';

export interface CborGuardOptions {
  readonly maxDepth: number;
  /** Tags allowed (e.g. 1, epoch time, in LwM2M CBOR); all others are refused. */
  readonly tags?: ReadonlySet<number>;
}

export function guardCbor(b: Uint8Array, opts: CborGuardOptions): void {
  const n = b.length;
  let pos = 0;
  const fail = (code: 'E_TRUNCATED' | 'E_SYNTAX' | 'E_LIMIT', msg: string, at = pos): never => {
    throw new CodecError(code, `CBOR: ${msg} at offset ${at}`, at);
  };
  /** Reads the argument of the head at pos; returns -1 for indefinite length. */
  const arg = (ai: number, major: number): number => {
    if (ai < 24) return ai;
    const need = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
    if (need === 0) {
      if (ai === 31 && (major === 2 || major === 3 || major === 4 || major === 5)) return -1;
      return fail('E_SYNTAX', `reserved additional information ${ai}`, pos - 1);
    }
    if (pos + need > n) fail('E_TRUNCATED', 'head runs past the end');
    let v = 0;
    for (let k = 0; k < need; k++) v = v * 256 + b[pos + k]!;
    pos += need;
    return v; // 8-byte arguments above 2^53 become inexact, but are then far above any length check
  };

  const item = (depth: number): void => {
    if (pos >= n) fail('E_TRUNCATED', 'item expected');
    const start = pos;
    const ib = b[pos++]!;
    const major = ib >> 5;
    const ai = ib & 31;
    if (ib === 0xff) fail('E_SYNTAX', 'unexpected break', start);
    const v = arg(ai, major);
    switch (major) {
      case 0: case 1: return;
      case 2: case 3:
        // cbor-x refuses indefinite-length strings; no LwM2M sender needs them.
        if (v < 0) fail('E_SYNTAX', 'indefinite-length string', start);
        if (v > n - pos) fail('E_TRUNCATED', `string of ${v} bytes runs past the end`, start);
        pos += v;
        return;
      case 4: case 5: {
        if (depth >= opts.maxDepth) fail('E_LIMIT', `nesting deeper than ${opts.maxDepth}`, start);
        const per = major === 5 ? 2 : 1;
        if (v < 0) {
          for (;;) {
            if (pos >= n) fail('E_TRUNCATED', 'missing break');
            if (b[pos] === 0xff) { pos++; return; }
            for (let k = 0; k < per; k++) item(depth + 1);
          }
        }
        // Every item takes at least one byte: a count beyond the rest cannot be honest.
        if (v * per > n - pos) fail('E_TRUNCATED', `${major === 5 ? 'map' : 'array'} of ${v} items runs past the end`, start);
        for (let k = 0; k < v * per; k++) item(depth + 1);
        return;
      }
      case 6:
        if (opts.tags === undefined || !opts.tags.has(v)) fail('E_SYNTAX', `tag ${v} is not used by this format`, start);
        if (depth >= opts.maxDepth) fail('E_LIMIT', `nesting deeper than ${opts.maxDepth}`, start);
        item(depth + 1);
        return;
      case 7:
        // false, true, null, and floats only: no other simple values, no undefined.
        if (ai === 20 || ai === 21 || ai === 22 || ai === 25 || ai === 26 || ai === 27) return;
        return fail('E_SYNTAX', `simple value ${ai === 24 ? b[pos - 1] : ai} is not used by this format`, start);
    }
  };

  item(0);
  if (pos !== n) throw new CodecError('E_TRAILING_BYTES', `CBOR: ${n - pos} bytes after the item at offset ${pos}`, pos);
}
