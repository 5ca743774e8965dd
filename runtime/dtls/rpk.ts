import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DtlsError } from './dtls-error.js';

/** A private key as PEM text, DER (PKCS#8 or SEC1), or a KeyObject: always P-256 (secp256r1). */
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
    privateKey = typeof src === 'string' ? createPrivateKey(src) : src instanceof Uint8Array ? privateKeyFromDer(src) : src;
  } catch (e) {
    throw new DtlsError('E_DTLS_CONFIG', 'unreadable private key', { cause: e });
  }
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new DtlsError('E_DTLS_CONFIG', 'the raw public key must be an EC P-256 private key');
  }
  const spki = new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  return { privateKey, spki };
}

/** PKCS#8 DER, or the SEC1 ECPrivateKey DER some provisioning tools write into /0/x/5. */
function privateKeyFromDer(der: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'sec1' });
  }
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

/** The SPKI (DER) of a public key given as PEM text or DER, or of a key pair's KeyObject, for trust lists. */
export function spkiOf(publicKey: string | Uint8Array | KeyObject): Uint8Array {
  const key = typeof publicKey === 'string'
    ? createPublicKey(publicKey)
    : publicKey instanceof Uint8Array ? createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' })
      : publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/** PKCS#8 DER of a private key given as PEM text, DER (PKCS#8 or SEC1) or a KeyObject. */
export function pkcs8Of(privateKey: PrivateKeySource): Uint8Array {
  return new Uint8Array(loadRpk({ privateKey }).privateKey.export({ type: 'pkcs8', format: 'der' }));
}
