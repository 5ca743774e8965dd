import { ByteReader, ByteWriter } from './bytes.js';
import { DtlsError } from './dtls-error.js';

/** RFC 5246 6.2.1 content types, and RFC 9146's tls12_cid for records carrying a connection ID. */
export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  tls12Cid: 25,
} as const;
export type ContentTypeValue = (typeof ContentType)[keyof typeof ContentType];

export const DTLS_1_0 = 0xfeff;
export const DTLS_1_2 = 0xfefd;
export const RECORD_HEADER_LENGTH = 13;
/** RFC 5246 6.2.3: a protected record may be at most 2^14 + 2048 bytes. */
export const MAX_CIPHERTEXT_LENGTH = 16384 + 2048;
export const MAX_PLAINTEXT_LENGTH = 16384;
/** 48-bit sequence numbers; a connection must not wrap (RFC 6347 4.1). */
export const MAX_SEQUENCE = 2 ** 48 - 1;

export interface DtlsRecord {
  readonly type: ContentTypeValue;
  readonly version: number;
  readonly epoch: number;
  readonly sequence: number;
  /** The record body as received (ciphertext in epochs > 0). */
  readonly fragment: Uint8Array;
  /** The connection ID of a tls12_cid record. */
  readonly cid?: Uint8Array;
}

function isContentType(t: number): t is ContentTypeValue {
  return (t >= 20 && t <= 23) || t === 25;
}

/**
 * Splits a datagram into records. A record that fails the checks ends the parse: what came
 * before it is returned and the rest is reported as dropped (RFC 6347 4.1.2.7: drop, not fail).
 */
export function parseRecords(datagram: Uint8Array, cidLength = 0): { records: DtlsRecord[]; error?: DtlsError } {
  const records: DtlsRecord[] = [];
  const r = new ByteReader(datagram);
  while (r.remaining > 0) {
    if (r.remaining < RECORD_HEADER_LENGTH) {
      return { records, error: new DtlsError('E_DTLS_BAD_RECORD', 'truncated record header') };
    }
    const type = r.u8();
    const version = r.u16();
    const epoch = r.u16();
    const sequence = r.u48();
    let cid: Uint8Array | undefined;
    if (type === ContentType.tls12Cid) {
      // The CID length is not on the wire: only the receiver that chose it knows it (RFC 9146 4).
      if (cidLength === 0 || r.remaining < cidLength + 2) return { records, error: new DtlsError('E_DTLS_BAD_RECORD', 'unexpected tls12_cid record') };
      cid = r.bytes(cidLength);
    }
    const length = r.u16();
    if (!isContentType(type)) return { records, error: new DtlsError('E_DTLS_BAD_RECORD', `unknown content type ${type}`) };
    // Only DTLS 1.x versions: 0xfeXX (DTLS 1.0 is allowed on the first ClientHello).
    if (version >>> 8 !== 0xfe) return { records, error: new DtlsError('E_DTLS_BAD_RECORD', `bad record version 0x${version.toString(16)}`) };
    if (length > MAX_CIPHERTEXT_LENGTH) return { records, error: new DtlsError('E_DTLS_RECORD_OVERFLOW', `record length ${length}`) };
    if (length > r.remaining) return { records, error: new DtlsError('E_DTLS_BAD_RECORD', 'record length beyond datagram') };
    const fragment = r.bytes(length);
    records.push(cid === undefined ? { type, version, epoch, sequence, fragment } : { type, version, epoch, sequence, fragment, cid });
  }
  return { records };
}

export function encodeRecord(type: ContentTypeValue, version: number, epoch: number, sequence: number, fragment: Uint8Array): Uint8Array {
  return new ByteWriter(RECORD_HEADER_LENGTH + fragment.length)
    .u8(type).u16(version).u16(epoch).u48(sequence).vec16(fragment).finish();
}

/** RFC 9146 5.1 additional data of a tls12_cid record under an AEAD cipher. */
export function cidAdditionalData(version: number, epoch: number, sequence: number, cid: Uint8Array, innerLength: number): Uint8Array {
  const out = new Uint8Array(23 + cid.length);
  writeCidAdditionalData(out, version, epoch, sequence, cid, innerLength);
  return out;
}

/** cidAdditionalData written at the start of `out`; returns its length. */
export function writeCidAdditionalData(out: Uint8Array, version: number, epoch: number, sequence: number, cid: Uint8Array, innerLength: number): number {
  out.set(SEQ_NUM_PLACEHOLDER, 0);
  out[8] = ContentType.tls12Cid;
  out[9] = cid.length;
  out[10] = ContentType.tls12Cid;
  writeU16(out, 11, version);
  writeU16(out, 13, epoch);
  writeU48(out, 15, sequence);
  out.set(cid, 21);
  writeU16(out, 21 + cid.length, innerLength);
  return 23 + cid.length;
}
const SEQ_NUM_PLACEHOLDER = new Uint8Array(8).fill(0xff);

/** DTLSInnerPlaintext (RFC 9146 4): content, the real type, no padding from us. */
export function encodeInnerPlaintext(type: number, content: Uint8Array): Uint8Array {
  const out = new Uint8Array(content.length + 1);
  out.set(content);
  out[content.length] = type;
  return out;
}

/** The content and real type of a DTLSInnerPlaintext; null if it is all padding. */
export function parseInnerPlaintext(inner: Uint8Array): { type: number; content: Uint8Array } | null {
  let i = inner.length - 1;
  while (i >= 0 && inner[i] === 0) i--;
  if (i < 0) return null;
  return { type: inner[i]!, content: inner.subarray(0, i) };
}

/** The 13 bytes of additional data of an AEAD record (RFC 5246 6.2.3.3, with DTLS epoch+seq). */
export function aeadAdditionalData(type: number, version: number, epoch: number, sequence: number, length: number): Uint8Array {
  const out = new Uint8Array(13);
  writeAeadAdditionalData(out, type, version, epoch, sequence, length);
  return out;
}

/** aeadAdditionalData written at the start of `out`; returns 13. */
export function writeAeadAdditionalData(out: Uint8Array, type: number, version: number, epoch: number, sequence: number, length: number): number {
  writeU16(out, 0, epoch);
  writeU48(out, 2, sequence);
  out[8] = type;
  writeU16(out, 9, version);
  writeU16(out, 11, length);
  return 13;
}

/**
 * Writes a record header (13 bytes, or 13 + CID for tls12_cid) at out[0..] for a body of
 * `length` bytes; returns the header length.
 */
export function writeRecordHeader(out: Uint8Array, type: ContentTypeValue, version: number, epoch: number, sequence: number, cid: Uint8Array | null, length: number): number {
  out[0] = type;
  writeU16(out, 1, version);
  writeU16(out, 3, epoch);
  writeU48(out, 5, sequence);
  let o = 11;
  if (cid !== null) { out.set(cid, o); o += cid.length; }
  writeU16(out, o, length);
  return o + 2;
}

function writeU16(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 8) & 0xff;
  out[at + 1] = v & 0xff;
}

/** 48-bit unsigned, exact for any JS integer below 2^48. */
function writeU48(out: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 0x1_0000_0000);
  const lo = v >>> 0;
  writeU16(out, at, hi & 0xffff);
  out[at + 2] = (lo >>> 24) & 0xff;
  out[at + 3] = (lo >>> 16) & 0xff;
  out[at + 4] = (lo >>> 8) & 0xff;
  out[at + 5] = lo & 0xff;
}
