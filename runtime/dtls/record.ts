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

export function encodeCidRecord(version: number, epoch: number, sequence: number, cid: Uint8Array, fragment: Uint8Array): Uint8Array {
  return new ByteWriter(RECORD_HEADER_LENGTH + cid.length + fragment.length)
    .u8(ContentType.tls12Cid).u16(version).u16(epoch).u48(sequence).bytes(cid).vec16(fragment).finish();
}

/** RFC 9146 5.1 additional data of a tls12_cid record under an AEAD cipher. */
export function cidAdditionalData(version: number, epoch: number, sequence: number, cid: Uint8Array, innerLength: number): Uint8Array {
  return new ByteWriter(23 + cid.length)
    .bytes(SEQ_NUM_PLACEHOLDER).u8(ContentType.tls12Cid).u8(cid.length).u8(ContentType.tls12Cid)
    .u16(version).u16(epoch).u48(sequence).bytes(cid).u16(innerLength).finish();
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
  return new ByteWriter(13).u16(epoch).u48(sequence).u8(type).u16(version).u16(length).finish();
}
