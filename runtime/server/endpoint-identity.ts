/**
 * Whether a DTLS peer identity is the one an endpoint's security entry names, and whether two
 * identities are the same peer: the checks behind "no device can register as another".
 */
import { createHash } from 'node:crypto';
import type { PeerIdentity } from '../transport/datagram-transport.js';
import { publicKeyId } from './public-key-id.js';
import { expectedCommonName, type EndpointSecurity } from './security-store.js';

/**
 * The CN of an X.509 subject as node:crypto prints it ("C=FR\nO=Acme\nCN=dev1"); undefined
 * when there is none or more than one (which CN would name the endpoint is then unclear).
 */
export function commonNameOf(subject: string): string | undefined {
  const cns = subject.split('\n').filter((line) => line.startsWith('CN='));
  return cns.length === 1 ? cns[0]!.slice(3) : undefined;
}

export function identityBelongsTo(entry: EndpointSecurity, identity: PeerIdentity): boolean {
  const c = entry.credentials;
  if (c === undefined || c.mode !== identity.type) return false;
  if (c.mode === 'psk' && identity.type === 'psk') return c.identity === identity.identity;
  if (c.mode === 'rpk' && identity.type === 'rpk') return samePublicKey(c.publicKey, identity.publicKey);
  if (identity.type === 'x509') {
    const cn = commonNameOf(identity.subject);
    return cn !== undefined && cn === expectedCommonName(entry);
  }
  return false;
}

/**
 * Same peer: both plain, or the same PSK identity, public key or certificate subject (the
 * subject, not the certificate bytes, so that a renewed certificate keeps the registration).
 */
export function sameIdentity(a: PeerIdentity | undefined, b: PeerIdentity | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.type === 'psk' && b.type === 'psk') return a.identity === b.identity;
  if (a.type === 'rpk' && b.type === 'rpk') return samePublicKey(a.publicKey, b.publicKey);
  if (a.type === 'x509' && b.type === 'x509') return a.subject === b.subject;
  return false;
}

/** A short loggable form: keys and certificates as a fingerprint, never whole. */
export function describeIdentity(identity: PeerIdentity | undefined): string {
  if (identity === undefined) return 'nosec';
  if (identity.type === 'psk') return `psk:${identity.identity}`;
  if (identity.type === 'rpk') return `rpk:sha256:${fingerprint(identity.publicKey)}`;
  return `x509:${identity.subject.replace(/\n/g, ', ')}`;
}

function fingerprint(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === b.length && Buffer.compare(a, b) === 0) return true;
  const id = publicKeyId(a);
  return id !== undefined && id === publicKeyId(b);
}
