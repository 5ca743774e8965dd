import type { DatagramTransport, PeerAddress } from '../transport/datagram-transport.js';
import { peerKey } from '../transport/datagram-transport.js';
import type { Connection } from './connection.js';
import type { CipherSuite } from './cipher-suite.js';
import { clientCredentials, loadClientRpk, loadClientX509, loadPeer } from './client-credentials.js';
import type { DtlsPeerCredentials, LoadedClientRpk, LoadedClientX509, LoadedPeer, ServerKeyTrust, X509ClientCredentials } from './client-credentials.js';
import { DtlsEndpoint } from './dtls-endpoint.js';
import type { DtlsCommonOptions } from './dtls-endpoint.js';
import { DtlsError } from './dtls-error.js';
import { ClientConnection } from './handshake-client.js';
import type { ClientCredentials, PskCredentials } from './handshake-client.js';
import type { RpkCredentials } from './rpk.js';
import type { DtlsRecord } from './record.js';
import { SessionCache } from './session-cache.js';

export type { DtlsPeerCredentials, ServerKeyTrust, X509ClientCredentials } from './client-credentials.js';
export { checkPeerCredentials } from './client-credentials.js';

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

export function createDtlsClient(inner: DatagramTransport, options: DtlsClientOptions): DtlsClient {
  return new DtlsClient(inner, options);
}
