import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DtlsError } from './dtls-error.js';

/** A private key as PEM text, DER PKCS#8, or a KeyObject: always P-256 (secp256r1). */
export type PrivateKeySource = string | Uint8Array | KeyObject;

/** Our raw-public-key credentials (RFC 7250). */
export interface RpkCredentials {
  readonly privateKey: PrivateKeySource;
}

export interface LoadedRpk {
  readonly privateKey: KeyObject;
  /** SubjectPublicKeyInfo, DER: what the peer receives in our Certificate message. */
  readonly spki: Uint8Array;
}

export function loadRpk(creds: RpkCredentials): LoadedRpk {
  let privateKey: KeyObject;
  try {
    const src = creds.privateKey;
    privateKey = typeof src === 'string'
      ? createPrivateKey(src)
      : src instanceof Uint8Array ? createPrivateKey({ key: Buffer.from(src), format: 'der', type: 'pkcs8' }) : src;
  } catch (e) {
    throw new DtlsError('E_DTLS_CONFIG', 'unreadable private key', { cause: e });
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new DtlsError('E_DTLS_CONFIG', 'the raw public key must be an EC P-256 private key');
  }
  const spki = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  return { privateKey, spki };
}

/** The peer's SubjectPublicKeyInfo as a key, if it is an EC P-256 key; throws otherwise. */
export function peerPublicKey(spki: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'the peer\'s raw public key does not parse', { cause: e });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'the peer\'s raw public key is not EC P-256');
  }
  return key;
}

/** The SPKI (DER) of a public key given as PEM text or DER, for trust lists. */
export function spkiOf(publicKey: string | Uint8Array | KeyObject): Uint8Array {
  const key = typeof publicKey === 'string'
    ? createPublicKey(publicKey)
    : publicKey instanceof Uint8Array ? createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' }) : publicKey;
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}
