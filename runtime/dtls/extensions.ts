import { ByteReader, ByteWriter } from './bytes.js';
import { DtlsError } from './dtls-error.js';

export const ExtensionType = {
  /** RFC 8422 */
  supportedGroups: 10,
  ecPointFormats: 11,
  /** RFC 5246 7.4.1.4.1 */
  signatureAlgorithms: 13,
  /** RFC 7250 */
  clientCertificateType: 19,
  serverCertificateType: 20,
  /** RFC 7366 */
  encryptThenMac: 22,
  /** RFC 7627 */
  extendedMasterSecret: 23,
  /** RFC 5746 */
  renegotiationInfo: 0xff01,
  /** RFC 9146 (54; drafts used 53 with another MAC, not supported) */
  connectionId: 54,
} as const;

export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/** The extensions block at the end of a hello, if present; duplicates are an error (RFC 5246 7.4.1.4). */
export function parseExtensions(r: ByteReader): Extension[] {
  if (r.remaining === 0) return [];
  const block = r.sub(r.u16());
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16();
    const data = block.vec16();
    if (seen.has(type)) throw new DtlsError('E_DTLS_DECODE', `duplicate extension ${type}`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function encodeExtensions(w: ByteWriter, exts: readonly Extension[]): void {
  if (exts.length === 0) return;
  const inner = new ByteWriter();
  for (const e of exts) inner.u16(e.type).vec16(e.data);
  w.vec16(inner.finish());
}

export function findExtension(exts: readonly Extension[], type: number): Extension | undefined {
  return exts.find((e) => e.type === type);
}

/** An initial handshake's renegotiation_info: an empty renegotiated_connection (RFC 5746 3.2). */
export const EMPTY_RENEGOTIATION_INFO = Uint8Array.of(0);

/** The connection_id extension body: the CID the sender wants to receive (maybe empty). */
export function parseConnectionId(data: Uint8Array): Uint8Array {
  const r = new ByteReader(data);
  const cid = r.vec8();
  r.expectEnd('connection_id');
  return cid;
}

export function encodeConnectionId(cid: Uint8Array): Uint8Array {
  return new ByteWriter(1 + cid.length).vec8(cid).finish();
}

/** A vector of u16 values (supported_groups, signature_algorithms): the values, or [] if malformed. */
export function parseU16List(data: Uint8Array): number[] {
  const r = new ByteReader(data);
  const v = r.vec16();
  const out: number[] = [];
  for (let i = 0; i + 1 < v.length; i += 2) out.push((v[i]! << 8) | v[i + 1]!);
  return out;
}

export function encodeU16List(values: readonly number[]): Uint8Array {
  const w = new ByteWriter(2 + 2 * values.length).u16(2 * values.length);
  for (const v of values) w.u16(v);
  return w.finish();
}
