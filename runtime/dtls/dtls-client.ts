import type { DatagramTransport, PeerAddress } from '../transport/datagram-transport.js';
import { peerKey } from '../transport/datagram-transport.js';
import type { Connection } from './connection.js';
import type { CipherSuite } from './cipher-suite.js';
import { DtlsEndpoint } from './dtls-endpoint.js';
import type { DtlsCommonOptions } from './dtls-endpoint.js';
import { DtlsError } from './dtls-error.js';
import { ClientConnection } from './handshake-client.js';
import type { ClientCredentials, PskCredentials } from './handshake-client.js';
import { loadRpk, spkiOf } from './rpk.js';
import type { LoadedRpk, RpkCredentials } from './rpk.js';
import { equalBytes } from './bytes.js';
import { loadX509, readCertificates, verifyChain } from './x509.js';
import type { CertificateSource, LoadedX509, X509Credentials } from './x509.js';
import { suiteByName } from './cipher-suite.js';
import type { CipherSuiteName } from './cipher-suite.js';
import type { X509Certificate } from 'node:crypto';
import type { DtlsRecord } from './record.js';
import { SessionCache } from './session-cache.js';

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

export interface DtlsClientOptions extends DtlsCommonOptions {
  /** PSK credentials, the same for every server or chosen per server. */
  readonly psk?: PskCredentials | ((peer: PeerAddress) => PskCredentials | undefined);
  /**
   * Raw public key credentials (RFC 7250, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8): our P-256 key,
   * and the server's public key to trust (PEM or SPKI DER), or a check of the key it shows.
   */
  readonly rpk?: RpkCredentials & { readonly serverPublicKey: ServerKeyTrust };
  /** Sessions (to distinct servers) at most. */
  readonly maxPeers?: number;
  /**
   * X.509 mode (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8): our chain and key, the roots the server's
   * chain must lead to, and the name (DNS name or IP) its certificate must carry.
   */
  readonly x509?: X509ClientCredentials;
  /**
   * Credentials chosen per server (an LwM2M client's Security instances): called before each
   * handshake; when it returns something, that replaces `psk`, `rpk` and `x509` for the peer.
   * Return the same object for the same server: its keys are loaded once per object.
   */
  readonly credentials?: (peer: PeerAddress) => DtlsPeerCredentials | undefined;
  /** Resume earlier sessions with an abbreviated handshake when the server agrees (default true). */
  readonly resumeSessions?: boolean;
  /** Offer RFC 9146 connection IDs, so the session survives our address changing (NAT). */
  readonly connectionId?: boolean;
}

interface Waiter { resolve: (c: Connection) => void; reject: (e: DtlsError) => void }

/**
 * The DTLS client role over one inner transport. `send` to a server without a session starts
 * the handshake and sends once it is done; `connect` does the handshake alone.
 */
export class DtlsClient extends DtlsEndpoint {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly psk: DtlsClientOptions['psk'];
  private readonly rpk: LoadedClientRpk | undefined;
  private readonly maxPeers: number;
  private readonly offerCid: boolean;
  private readonly x509: LoadedClientX509 | undefined;
  private readonly perPeer: DtlsClientOptions['credentials'];
  /** Keys and certificates of per-peer credentials, parsed once per credentials object. */
  private readonly loaded = new WeakMap<DtlsPeerCredentials, LoadedPeer>();
  private readonly sessions: SessionCache | null;

  constructor(inner: DatagramTransport, options: DtlsClientOptions) {
    super(inner, options);
    this.psk = options.psk;
    this.perPeer = options.credentials;
    if (options.psk === undefined && options.rpk === undefined && options.x509 === undefined && options.credentials === undefined) {
      throw new DtlsError('E_DTLS_CONFIG', 'a client needs psk, rpk, x509 or per-server credentials');
    }
    if (options.x509 !== undefined) this.x509 = loadClientX509(options.x509);
    if (options.rpk !== undefined) this.rpk = loadClientRpk(options.rpk);
    this.maxPeers = options.maxPeers ?? 64;
    this.offerCid = options.connectionId ?? false;
    this.sessions = options.resumeSessions === false ? null : new SessionCache(this.maxPeers, 86_400_000);
  }

  /** Resolves once a session with the peer is established (starting a handshake if needed). */
  async connect(peer: PeerAddress): Promise<void> {
    await this.sessionFor(peer);
  }

  protected sessionFor(peer: PeerAddress): Promise<Connection> {
    if (this.closed) return Promise.reject(new DtlsError('E_DTLS_CLOSED', 'transport closed'));
    const key = peerKey(peer);
    const existing = this.conns.get(key);
    if (existing !== undefined && existing.isEstablished && !existing.isEnded) return Promise.resolve(existing);
    const promise = new Promise<Connection>((resolve, reject) => {
      const list = this.waiters.get(key) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(key, list);
    });
    if (existing === undefined) {
      let chosen: { creds: ClientCredentials; suites: readonly CipherSuite[] | undefined };
      try {
        chosen = this.credentialsFor(peer);
      } catch (e) {
        this.settle(key, undefined, e instanceof DtlsError ? e : new DtlsError('E_DTLS_CONFIG', 'unusable credentials', { cause: e }));
        return promise;
      }
      const { creds, suites } = chosen;
      const psk = creds.psk;
      if (creds.psk === undefined && creds.rpk === undefined && creds.x509 === undefined) {
        this.settle(key, undefined, new DtlsError('E_DTLS_CONFIG', `no credentials for ${key}`));
      } else if (this.conns.size >= this.maxPeers) {
        this.settle(key, undefined, new DtlsError('E_DTLS_LIMIT', 'too many sessions'));
      } else {
        // Resume only a session made with the same credentials.
        const cached = this.sessions?.get(key);
        const resume = cached !== undefined && cached.identity.type === 'psk' && cached.identity.identity === psk?.identity ? cached : undefined;
        const options = suites === undefined ? this.connOptions : { ...this.connOptions, suites };
        const conn = new ClientConnection({ address: peer.address, port: peer.port }, this, options, creds, this.offerCid, resume);
        this.conns.set(key, conn);
        this.handshaking.add(conn);
        conn.start();
      }
    }
    return promise;
  }

  /** The credentials (and suites) for a handshake with `peer`: per server when configured so. */
  private credentialsFor(peer: PeerAddress): { creds: ClientCredentials; suites: readonly CipherSuite[] | undefined } {
    const given = this.perPeer?.(peer);
    if (given !== undefined) {
      let l = this.loaded.get(given);
      if (l === undefined) {
        l = loadPeer(given);
        this.loaded.set(given, l);
      }
      return { creds: clientCredentials(l.psk, l.rpk, l.x509, peer), suites: l.suites };
    }
    const psk = typeof this.psk === 'function' ? this.psk(peer) : this.psk;
    return { creds: clientCredentials(psk, this.rpk, this.x509, peer), suites: undefined };
  }

  protected route(rec: DtlsRecord, _peer: PeerAddress, key: string): void {
    const conn = this.conns.get(key);
    if (conn === undefined) { this.dropped('E_DTLS_NO_SESSION'); return; }
    conn.handleRecord(rec);
  }

  /** Resolves or rejects whoever waits for this peer; the error is built only if someone waits. */
  private settle(key: string, conn: Connection | undefined, error: DtlsError | (() => DtlsError) | undefined): void {
    const list = this.waiters.get(key);
    if (list === undefined) return;
    this.waiters.delete(key);
    if (conn !== undefined) {
      for (const w of list) w.resolve(conn);
      return;
    }
    // Built only on failure: an Error captures a stack trace, which costs more than a handshake step.
    const err = typeof error === 'function' ? error() : error ?? new DtlsError('E_DTLS_CLOSED', 'session ended');
    for (const w of list) w.reject(err);
  }

  override established(conn: Connection): void {
    if (conn instanceof ClientConnection) {
      const s = conn.session;
      if (s !== undefined) this.sessions?.set(peerKey(conn.peer), s);
    }
    super.established(conn);
    this.settle(peerKey(conn.peer), conn, undefined);
  }

  override ended(conn: Connection, error: DtlsError | undefined): void {
    // A failed handshake may be the cached session's fault: start afresh next time.
    if (error !== undefined && !conn.isEstablished) this.sessions?.delete(peerKey(conn.peer));
    super.ended(conn, error);
    this.settle(peerKey(conn.peer), undefined, error ?? (() => new DtlsError('E_DTLS_CLOSED', 'session closed')));
  }

  override async close(): Promise<void> {
    await super.close();
    for (const key of [...this.waiters.keys()]) this.settle(key, undefined, new DtlsError('E_DTLS_CLOSED', 'transport closed'));
  }
}

interface LoadedClientRpk extends LoadedRpk {
  readonly check: (spki: Uint8Array, peer: PeerAddress) => boolean | Promise<boolean>;
}

interface LoadedClientX509 {
  readonly chain: LoadedX509['chain'];
  readonly privateKey: LoadedX509['privateKey'];
  readonly roots: readonly X509Certificate[] | undefined;
  readonly pinned: X509Certificate | undefined;
  readonly serverName: X509ClientCredentials['serverName'];
}

interface LoadedPeer {
  readonly psk: PskCredentials | undefined;
  readonly rpk: LoadedClientRpk | undefined;
  readonly x509: LoadedClientX509 | undefined;
  readonly suites: readonly CipherSuite[] | undefined;
}

function loadClientRpk(rpk: NonNullable<DtlsClientOptions['rpk']>): LoadedClientRpk {
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

function loadClientX509(x509: X509ClientCredentials): LoadedClientX509 {
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

function loadPeer(c: DtlsPeerCredentials): LoadedPeer {
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
function clientCredentials(psk: PskCredentials | undefined, rpk: LoadedClientRpk | undefined, x509: LoadedClientX509 | undefined, peer: PeerAddress): ClientCredentials {
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

export function createDtlsClient(inner: DatagramTransport, options: DtlsClientOptions): DtlsClient {
  return new DtlsClient(inner, options);
}
