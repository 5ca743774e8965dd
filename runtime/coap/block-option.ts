/** The Block1/Block2 option value (RFC 7959 §2.2): NUM, M and SZX in 0-3 bytes. */

export interface BlockValue {
  readonly num: number;
  readonly more: boolean;
  /** Block size exponent: size = 2 ** (szx + 4), 0..6 (7 is reserved for BERT). */
  readonly szx: number;
}

export function blockSize(szx: number): number {
  return 1 << (szx + 4);
}

/** The largest SZX whose block size is at most `bytes` (16..1024). */
export function szxForSize(bytes: number): number {
  let szx = 6;
  while (szx > 0 && blockSize(szx) > bytes) szx--;
  return szx;
}

/** undefined for a malformed value (too long, or SZX 7 which we do not support). */
export function decodeBlock(v: Uint8Array): BlockValue | undefined {
  if (v.length > 3) return undefined;
  let n = 0;
  for (const b of v) n = (n << 8) | b;
  const szx = n & 7;
  if (szx === 7) return undefined;
  return { num: n >> 4, more: (n & 8) !== 0, szx };
}

export function encodeBlock(b: BlockValue): Uint8Array {
  if (b.num < 0 || b.num > 0xfffff || b.szx < 0 || b.szx > 6) throw new RangeError('block option out of range');
  const n = (b.num << 4) | (b.more ? 8 : 0) | b.szx;
  if (n === 0) return new Uint8Array(0);
  if (n < 0x100) return Uint8Array.of(n);
  if (n < 0x10000) return Uint8Array.of(n >> 8, n & 0xff);
  return Uint8Array.of(n >> 16, (n >> 8) & 0xff, n & 0xff);
}
