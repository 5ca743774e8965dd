import { DtlsError } from './dtls-error.js';

/** A bounds-checked reader: every read past the end throws E_DTLS_DECODE, never reads garbage. */
export class ByteReader {
  private pos: number;
  private readonly end: number;

  constructor(private readonly buf: Uint8Array, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) throw new DtlsError('E_DTLS_DECODE', 'reader bounds outside buffer');
    this.pos = start;
    this.end = end;
  }

  get offset(): number { return this.pos; }
  get remaining(): number { return this.end - this.pos; }

  private need(n: number): void {
    if (n > this.end - this.pos) throw new DtlsError('E_DTLS_DECODE', `truncated: need ${n} bytes, have ${this.end - this.pos}`);
  }

  u8(): number { this.need(1); return this.buf[this.pos++]!; }
  u16(): number { this.need(2); const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!; this.pos += 2; return v; }
  u24(): number {
    this.need(3);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }
  /** 48-bit unsigned, exact in a JS number. */
  u48(): number { const hi = this.u16(); const lo = this.u32(); return hi * 0x1_0000_0000 + lo; }
  u32(): number { this.need(4); const b = this.buf; const p = this.pos; this.pos += 4; return ((b[p]! << 24) >>> 0) + (b[p + 1]! << 16) + (b[p + 2]! << 8) + b[p + 3]!; }
  bytes(n: number): Uint8Array { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  vec8(): Uint8Array { return this.bytes(this.u8()); }
  vec16(): Uint8Array { return this.bytes(this.u16()); }
  vec24(): Uint8Array { return this.bytes(this.u24()); }
  rest(): Uint8Array { return this.bytes(this.remaining); }
  /** A reader over the next `n` bytes; this reader skips them. */
  sub(n: number): ByteReader { this.need(n); const r = new ByteReader(this.buf, this.pos, this.pos + n); this.pos += n; return r; }
  expectEnd(what: string): void {
    if (this.pos !== this.end) throw new DtlsError('E_DTLS_DECODE', `${what}: ${this.end - this.pos} trailing bytes`);
  }
}

/** A growable writer for building messages. */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initial = 256) { this.buf = new Uint8Array(initial); }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  get length(): number { return this.len; }
  u8(v: number): this { this.room(1); this.buf[this.len++] = v & 0xff; return this; }
  u16(v: number): this { this.room(2); this.buf[this.len++] = (v >>> 8) & 0xff; this.buf[this.len++] = v & 0xff; return this; }
  u24(v: number): this { this.room(3); this.buf[this.len++] = (v >>> 16) & 0xff; this.buf[this.len++] = (v >>> 8) & 0xff; this.buf[this.len++] = v & 0xff; return this; }
  u32(v: number): this { this.u16(Math.floor(v / 0x10000) & 0xffff); return this.u16(v & 0xffff); }
  u48(v: number): this { this.u16(Math.floor(v / 0x1_0000_0000) & 0xffff); return this.u32(v % 0x1_0000_0000); }
  bytes(b: Uint8Array): this { this.room(b.length); this.buf.set(b, this.len); this.len += b.length; return this; }
  vec8(b: Uint8Array): this { if (b.length > 0xff) throw new DtlsError('E_DTLS_INTERNAL', 'vector too long'); return this.u8(b.length).bytes(b); }
  vec16(b: Uint8Array): this { if (b.length > 0xffff) throw new DtlsError('E_DTLS_INTERNAL', 'vector too long'); return this.u16(b.length).bytes(b); }
  vec24(b: Uint8Array): this { return this.u24(b.length).bytes(b); }
  /** The bytes written; the writer must not be used afterwards (an exactly sized buffer is handed over, not copied). */
  finish(): Uint8Array { return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len); }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
