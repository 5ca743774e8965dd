/**
 * A DTLS client's credentials: what it proves (PSK, raw key pair, X.509 chain) and how it
 * trusts a server (its raw key, roots and name, or its pinned certificate), loaded once and
 * bound to one peer for a handshake.
 */
import type { X509Certificate } from 'node:crypto';
import type { PeerAddress } from '../transport/datagram-transport.js';
import { equalBytes } from './bytes.js';
import { suiteByName } from './cipher-suite.js';
import type { CipherSuite, CipherSuiteName } from './cipher-suite.js';
import { DtlsError } from './dtls-error.js';
import type { ClientCredentials, PskCredentials } from './handshake-client.js';
import { loadRpk, spkiOf } from './rpk.js';
import type { LoadedRpk, RpkCredentials } from './rpk.js';
import { loadX509, readCertificates, verifyChain } from './x509.js';
import type { CertificateSource, LoadedX509, X509Credentials } from './x509.js';

/** How the client checks a server's key in raw public key mode: the key itself (PEM or SPKI DER), or a check of the key shown. */
export type ServerKeyTrust = string | Uint8Array | ((spki: Uint8Array, peer: PeerAddress) => boolean | Promise<boolean>);

/** Our X.509 credentials as a client, and how the server's certificate is trusted. */
export interface X509ClientCredentials extends Omit<X509Credentials, 'trustedRoots'> {
  /** Roots the server's chain must lead to (then `serverName` is checked too). */
  readonly trustedRoots?: CertificateSource | readonly CertificateSource[];
  /**
   * The server's own certificate, pinned: the leaf it shows must be exactly this one, within
   * its validity period (LwM2M certificate usage 3, "domain-issued certificate"). With it,
   * `trustedRoots` may be left out.
   */
  readonly serverCertificate?: CertificateSource;
  /** The DNS name or IP address the server's leaf must carry (with `trustedRoots`). */
  readonly serverName?: string | ((peer: PeerAddress) => string | undefined);
}

/**
 * What the client proves and trusts with one server, as LwM2M's Security object holds it per
 * server: a PSK, a raw key pair with the server's key, or X.509, and the cipher suites to offer.
 */
export interface DtlsPeerCredentials {
  readonly psk?: PskCredentials;
  readonly rpk?: RpkCredentials & { readonly serverPublicKey: ServerKeyTrust };
  readonly x509?: X509ClientCredentials;
  /** Suites offered to this server, in order of preference (default: the client's `cipherSuites`). */
  readonly cipherSuites?: readonly CipherSuiteName[];
}

export interface LoadedClientRpk extends LoadedRpk {
  readonly check: (spki: Uint8Array, peer: PeerAddress) => boolean | Promise<boolean>;
}

export interface LoadedClientX509 {
  readonly chain: LoadedX509['chain'];
  readonly privateKey: LoadedX509['privateKey'];
  readonly roots: readonly X509Certificate[] | undefined;
  readonly pinned: X509Certificate | undefined;
  readonly serverName: X509ClientCredentials['serverName'];
}

export interface LoadedPeer {
  readonly psk: PskCredentials | undefined;
  readonly rpk: LoadedClientRpk | undefined;
  readonly x509: LoadedClientX509 | undefined;
  readonly suites: readonly CipherSuite[] | undefined;
}

export function loadClientRpk(rpk: RpkCredentials & { readonly serverPublicKey: ServerKeyTrust }): LoadedClientRpk {
  const trust = rpk.serverPublicKey;
  let expected: Uint8Array | null = null;
  if (typeof trust !== 'function') {
    try {
      expected = spkiOf(trust);
    } catch (e) {
      throw new DtlsError('E_DTLS_CONFIG', 'unreadable server public key', { cause: e });
    }
  }
  return {
    ...loadRpk(rpk),
    check: typeof trust === 'function' ? trust : (spki) => expected !== null && equalBytes(spki, expected),
  };
}

export function loadClientX509(x509: X509ClientCredentials): LoadedClientX509 {
  const roots = x509.trustedRoots === undefined ? undefined : readCertificates(x509.trustedRoots);
  const pinned = x509.serverCertificate === undefined ? undefined : readCertificates(x509.serverCertificate)[0];
  if (x509.serverCertificate !== undefined && pinned === undefined) throw new DtlsError('E_DTLS_CONFIG', 'no certificate in serverCertificate');
  if ((roots === undefined || roots.length === 0) && pinned === undefined) {
    throw new DtlsError('E_DTLS_CONFIG', 'X.509 needs trustedRoots or a pinned serverCertificate to trust the server');
  }
  // loadX509 checks our chain against our key; the roots it wants are ours to give or not.
  const own = loadX509({ certificateChain: x509.certificateChain, privateKey: x509.privateKey, trustedRoots: roots?.map((r) => new Uint8Array(r.raw)) ?? [new Uint8Array(pinned!.raw)] });
  return { chain: own.chain, privateKey: own.privateKey, roots, pinned, serverName: x509.serverName };
}

/** Parses the keys and certificates of per-server credentials; throws DtlsError E_DTLS_CONFIG as a handshake would. */
export function checkPeerCredentials(c: DtlsPeerCredentials): void {
  loadPeer(c);
}

export function loadPeer(c: DtlsPeerCredentials): LoadedPeer {
  let suites: CipherSuite[] | undefined;
  if (c.cipherSuites !== undefined) {
    suites = c.cipherSuites.map((name) => {
      const s = suiteByName(name);
      if (s === undefined) throw new DtlsError('E_DTLS_CONFIG', `unknown cipher suite ${name}`);
      return s;
    });
    if (suites.length === 0) throw new DtlsError('E_DTLS_CONFIG', 'an empty list of cipher suites');
  }
  return {
    psk: c.psk,
    rpk: c.rpk === undefined ? undefined : loadClientRpk(c.rpk),
    x509: c.x509 === undefined ? undefined : loadClientX509(c.x509),
    suites,
  };
}

/** The handshake's view of the credentials for one peer: trust checks bound to that peer. */
export function clientCredentials(psk: PskCredentials | undefined, rpk: LoadedClientRpk | undefined, x509: LoadedClientX509 | undefined, peer: PeerAddress): ClientCredentials {
  const name = typeof x509?.serverName === 'function' ? x509.serverName(peer) : x509?.serverName;
  return {
    ...(psk !== undefined ? { psk } : {}),
    ...(rpk !== undefined ? { rpk: { privateKey: rpk.privateKey, spki: rpk.spki, verifyServerKey: (spki: Uint8Array) => rpk.check(spki, peer) } } : {}),
    ...(x509 !== undefined ? {
      x509: { chain: x509.chain, privateKey: x509.privateKey, verifyServerChain: (ders: Uint8Array[]) => verifyServerChain(ders, x509, name) },
    } : {}),
  };
}

/** The server's chain against the pinned certificate and/or the roots (with the name); returns the leaf. */
function verifyServerChain(ders: readonly Uint8Array[], x509: LoadedClientX509, name: string | undefined): X509Certificate {
  let leaf: X509Certificate | undefined;
  if (x509.pinned !== undefined) {
    const first = ders[0];
    if (first === undefined || !equalBytes(first, new Uint8Array(x509.pinned.raw))) {
      throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'the server\'s certificate is not the pinned one');
    }
    // Validity period (and parse) of the pinned leaf; no chain is needed for it.
    leaf = verifyChain([first], [x509.pinned]);
  }
  if (x509.roots !== undefined && x509.roots.length > 0) leaf = verifyChain(ders, x509.roots, name === undefined ? {} : { name });
  return leaf!;
}
