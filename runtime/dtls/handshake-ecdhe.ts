import { createECDH, sign, verify } from 'node:crypto';
import type { ECDH, KeyObject } from 'node:crypto';
import { ByteReader, ByteWriter, concat } from './bytes.js';
import { DtlsError } from './dtls-error.js';

/** RFC 8422 / RFC 5246 code points used by TLS_ECDHE_ECDSA with P-256 and SHA-256. */
export const NAMED_CURVE = 3;
export const SECP256R1 = 23;
export const ECDSA_SECP256R1_SHA256 = 0x0403;
export const CLIENT_CERT_ECDSA_SIGN = 64;
/** RFC 7250 certificate type. */
export const CERT_TYPE_RAW_PUBLIC_KEY = 2;

export interface ServerEcdheParams {
  /** The signed part: curve_type, named curve, the point. */
  readonly params: Uint8Array;
  readonly point: Uint8Array;
  readonly signature: Uint8Array;
}

/** A fresh ephemeral P-256 key pair for one handshake. */
export function ephemeralKey(): ECDH {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh;
}

/** The x-coordinate of the shared point (RFC 8422 5.10); a bad peer point is illegal_parameter. */
export function sharedSecret(ecdh: ECDH, peerPoint: Uint8Array): Uint8Array {
  if (peerPoint.length !== 65 || peerPoint[0] !== 4) throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', 'not an uncompressed P-256 point');
  try {
    return new Uint8Array(ecdh.computeSecret(Buffer.from(peerPoint)));
  } catch (e) {
    throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', 'the peer\'s ECDH point is not on the curve', { cause: e });
  }
}

export function ecdsaSign(key: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign('sha256', data, key));
}

export function ecdsaVerify(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}

/** ServerKeyExchange for ECDHE_ECDSA (RFC 8422 5.4), signed over both randoms and the params. */
export function encodeServerKeyExchangeEcdhe(point: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, key: KeyObject): Uint8Array {
  const params = new ByteWriter(4 + point.length).u8(NAMED_CURVE).u16(SECP256R1).vec8(point).finish();
  const signature = ecdsaSign(key, concat(clientRandom, serverRandom, params));
  return new ByteWriter().bytes(params).u16(ECDSA_SECP256R1_SHA256).vec16(signature).finish();
}

export function parseServerKeyExchangeEcdhe(body: Uint8Array): ServerEcdheParams {
  const r = new ByteReader(body);
  const start = r.offset;
  if (r.u8() !== NAMED_CURVE) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'only named curves');
  if (r.u16() !== SECP256R1) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'only secp256r1');
  const point = r.vec8();
  const params = body.subarray(start, r.offset);
  if (r.u16() !== ECDSA_SECP256R1_SHA256) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'only ecdsa_secp256r1_sha256 signatures');
  const signature = r.vec16();
  r.expectEnd('ServerKeyExchange');
  return { params, point, signature };
}

/** Certificate carrying a raw public key (RFC 7250 3): just the SubjectPublicKeyInfo. */
export function encodeRpkCertificate(spki: Uint8Array): Uint8Array {
  return new ByteWriter(3 + spki.length).vec24(spki).finish();
}

export function parseRpkCertificate(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body);
  const spki = r.vec24();
  r.expectEnd('Certificate');
  if (spki.length === 0) throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'empty raw public key');
  return spki;
}

/** CertificateRequest: ecdsa_sign, ecdsa_secp256r1_sha256, no authorities. */
export function encodeCertificateRequest(): Uint8Array {
  return new ByteWriter(9).vec8(Uint8Array.of(CLIENT_CERT_ECDSA_SIGN)).u16(2).u16(ECDSA_SECP256R1_SHA256).u16(0).finish();
}

export function parseCertificateRequest(body: Uint8Array): void {
  const r = new ByteReader(body);
  const types = r.vec8();
  const algs = r.vec16();
  r.vec16();
  r.expectEnd('CertificateRequest');
  if (!types.includes(CLIENT_CERT_ECDSA_SIGN)) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'server does not accept ECDSA client keys');
  let ok = false;
  for (let i = 0; i + 1 < algs.length; i += 2) if (((algs[i]! << 8) | algs[i + 1]!) === ECDSA_SECP256R1_SHA256) ok = true;
  if (!ok) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'server does not accept ecdsa_secp256r1_sha256');
}

export function encodeClientKeyExchangeEcdhe(point: Uint8Array): Uint8Array {
  return new ByteWriter(1 + point.length).vec8(point).finish();
}

export function parseClientKeyExchangeEcdhe(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body);
  const point = r.vec8();
  r.expectEnd('ClientKeyExchange');
  return point;
}

export function encodeCertificateVerify(signature: Uint8Array): Uint8Array {
  return new ByteWriter(4 + signature.length).u16(ECDSA_SECP256R1_SHA256).vec16(signature).finish();
}

export function parseCertificateVerify(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body);
  if (r.u16() !== ECDSA_SECP256R1_SHA256) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'only ecdsa_secp256r1_sha256 signatures');
  const sig = r.vec16();
  r.expectEnd('CertificateVerify');
  return sig;
}
