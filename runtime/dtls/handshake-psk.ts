import { ByteReader, ByteWriter } from './bytes.js';
import { DtlsError } from './dtls-error.js';

/** Longest PSK identity accepted; RFC 4279 5.3 requires at least 128 bytes of support. */
export const MAX_PSK_IDENTITY_LENGTH = 1024;

/** RFC 4279 2: ClientKeyExchange of plain PSK carries only the identity. */
export function parseClientKeyExchangePsk(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body);
  const identity = r.vec16();
  r.expectEnd('ClientKeyExchange');
  if (identity.length === 0 || identity.length > MAX_PSK_IDENTITY_LENGTH) throw new DtlsError('E_DTLS_DECODE', `PSK identity of ${identity.length} bytes`);
  return identity;
}

export function encodeClientKeyExchangePsk(identity: Uint8Array): Uint8Array {
  return new ByteWriter(2 + identity.length).vec16(identity).finish();
}

/** ServerKeyExchange of plain PSK: the identity hint, which this stack reads and ignores. */
export function parseServerKeyExchangePsk(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body);
  const hint = r.vec16();
  r.expectEnd('ServerKeyExchange');
  return hint;
}

export function parseFinished(body: Uint8Array): Uint8Array {
  if (body.length !== 12) throw new DtlsError('E_DTLS_DECODE', `Finished of ${body.length} bytes`);
  return body;
}
