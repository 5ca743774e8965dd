import { ByteReader, ByteWriter } from './bytes.js';
import { DtlsError } from './dtls-error.js';

/** RFC 5246 7.4 handshake types used by the PSK handshakes here. */
export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  helloVerifyRequest: 3,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
} as const;

export const HANDSHAKE_HEADER_LENGTH = 12;

/** One fragment of a handshake message as carried in a record (RFC 6347 4.2.2). */
export interface HandshakeFragment {
  readonly type: number;
  readonly length: number;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  readonly body: Uint8Array;
}

/** A whole handshake message. */
export interface HandshakeMessage {
  readonly type: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
}

/** All fragments of one handshake record; fails on any fragment that breaks its own bounds. */
export function parseHandshakeFragments(fragment: Uint8Array, maxMessageLength: number): HandshakeFragment[] {
  const r = new ByteReader(fragment);
  const out: HandshakeFragment[] = [];
  while (r.remaining > 0) {
    const type = r.u8();
    const length = r.u24();
    const messageSeq = r.u16();
    const fragmentOffset = r.u24();
    const fragmentLength = r.u24();
    if (length > maxMessageLength) throw new DtlsError('E_DTLS_HANDSHAKE_TOO_LARGE', `handshake message of ${length} bytes`);
    if (fragmentOffset + fragmentLength > length) throw new DtlsError('E_DTLS_DECODE', 'handshake fragment beyond its message');
    out.push({ type, length, messageSeq, fragmentOffset, body: r.bytes(fragmentLength) });
  }
  return out;
}

/** The message as hashed in the transcript: one fragment covering the whole body (RFC 6347 4.2.6). */
export function encodeHandshakeMessage(msg: HandshakeMessage): Uint8Array {
  return encodeFragment(msg, 0, msg.body.length);
}

function encodeFragment(msg: HandshakeMessage, offset: number, length: number): Uint8Array {
  return new ByteWriter(HANDSHAKE_HEADER_LENGTH + length)
    .u8(msg.type).u24(msg.body.length).u16(msg.messageSeq).u24(offset).u24(length)
    .bytes(msg.body.subarray(offset, offset + length)).finish();
}

/** Splits a message into fragments whose bodies are at most `maxBody` bytes. */
export function fragmentHandshakeMessage(msg: HandshakeMessage, maxBody: number): Uint8Array[] {
  if (msg.body.length <= maxBody) return [encodeHandshakeMessage(msg)];
  const out: Uint8Array[] = [];
  for (let off = 0; off < msg.body.length; off += maxBody) {
    out.push(encodeFragment(msg, off, Math.min(maxBody, msg.body.length - off)));
  }
  return out;
}
