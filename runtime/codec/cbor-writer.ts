/**
 * A minimal CBOR writer for the SenML CBOR encoder: heads, text and byte strings, numbers,
 * booleans, straight into a slab of bytes that items are handed out as views of. It writes exactly the bytes the shared cbor-x
 * Encoder (cbor-engine.ts) writes for the same values (shortest heads, integers up to 32
 * bits as integers, other numbers as float64, bigint as 8-byte integers), without building
 * a Map per record for cbor-x to walk again: on a SenML pack that walk was half the cost.
 */
export class CborWriter {
  private buf: Uint8Array;
  private view: DataView;
  /** Where the item being written starts: finished items stay in the slab, as views handed out. */
  private start = 0;
  pos = 0;

  constructor(private readonly slab = 16384) {
    this.buf = new Uint8Array(slab);
    this.view = new DataView(this.buf.buffer);
  }

  /**
   * Starts an item. Items are written one after the other into a slab and handed out as
   * views of it (as cbor-x does): a right-sized copy per encode cost more than the encode.
   */
  begin(): void {
    this.pos = this.start; // drops what an encode that threw left behind
    if (this.buf.length - this.pos < 1024) this.fresh(0);
  }

  private fresh(need: number): void {
    const used = this.pos - this.start;
    const next = new Uint8Array(Math.max(this.slab, 2 * (used + need)));
    next.set(this.buf.subarray(this.start, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.start = 0;
    this.pos = used;
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.length) this.fresh(n);
  }

  /** A head of major type `major` with a non-negative argument below 2^32. */
  head(major: number, n: number): void {
    this.room(5);
    const b = this.buf;
    const m = major << 5;
    if (n < 24) b[this.pos++] = m | n;
    else if (n < 0x100) { b[this.pos++] = m | 24; b[this.pos++] = n; }
    else if (n < 0x10000) { b[this.pos++] = m | 25; b[this.pos++] = n >> 8; b[this.pos++] = n & 0xff; }
    else { b[this.pos++] = m | 26; this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  /** Small integer keys (SenML labels): -24..23 in one byte. */
  key(k: number): void {
    this.room(1);
    this.buf[this.pos++] = k >= 0 ? k : 0x1f - k;
  }

  text(s: string): void {
    const len = s.length;
    // ASCII in place (names, most values); anything else through the UTF-8 encoder.
    this.room(len + 5);
    const start = this.pos;
    const hs = len < 24 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 5;
    const b = this.buf;
    let p = start + hs;
    let k = 0;
    for (; k < len; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) break;
      b[p++] = c;
    }
    if (k < len) {
      const bytes = Buffer.from(s, 'utf8');
      this.head(3, bytes.length);
      this.room(bytes.length);
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
      return;
    }
    this.pos = start;
    if (hs === 1) { b[this.pos] = 0x60 | len; this.pos += 1 + len; return; }
    this.head(3, len);
    this.pos += len;
  }

  /**
   * A text string of `count` ids (0..65535) joined by "/", after a "/" when `slash`:
   * a SenML name written from its path without building the string.
   */
  ids(slash: boolean, count: number, a: number, b: number, c: number, d: number): void {
    let len = (slash ? 1 : 0) + count - 1 + digits(a);
    if (count > 1) len += digits(b);
    if (count > 2) len += digits(c);
    if (count > 3) len += digits(d);
    this.head(3, len);
    this.room(len);
    if (slash) this.buf[this.pos++] = 0x2f;
    this.id(a);
    if (count > 1) { this.buf[this.pos++] = 0x2f; this.id(b); }
    if (count > 2) { this.buf[this.pos++] = 0x2f; this.id(c); }
    if (count > 3) { this.buf[this.pos++] = 0x2f; this.id(d); }
  }

  private id(v: number): void {
    const b = this.buf;
    const n = digits(v);
    let p = this.pos + n;
    this.pos = p;
    do { b[--p] = 0x30 + (v % 10); v = (v / 10) | 0; } while (v > 0);
  }

  bytes(v: Uint8Array): void {
    this.head(2, v.length);
    this.room(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  boolean(v: boolean): void {
    this.room(1);
    this.buf[this.pos++] = v ? 0xf5 : 0xf4;
  }

  /** As cbor-x: integral values within 32 bits as integers, everything else float64 (never float32: lossy). */
  number(v: number): void {
    if (v >>> 0 === v) { this.head(0, v); return; }
    if (v >> 0 === v || (v < 0 && v >= -0x100000000 && Math.floor(v) === v)) { this.head(1, -1 - v); return; }
    this.room(9);
    this.buf[this.pos++] = 0xfb;
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  /** 64-bit integers (the runtime passes integers beyond 32 bits as bigint), always in 8 bytes as cbor-x writes them. */
  bigint(v: bigint): void {
    if (v >= 18446744073709551616n || v < -18446744073709551616n) {
      // Beyond 64 bits LwM2M has no integers; a float64 keeps the magnitude (never reached from checked values).
      this.number(Number(v));
      return;
    }
    this.room(9);
    if (v >= 0n) { this.buf[this.pos++] = 0x1b; this.view.setBigUint64(this.pos, v); }
    else { this.buf[this.pos++] = 0x3b; this.view.setBigUint64(this.pos, -v - 1n); }
    this.pos += 8;
  }

  /** The item written since begin(), as a view of the slab (never written again). */
  finish(): Uint8Array {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }
}

function digits(v: number): number {
  return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5;
}
