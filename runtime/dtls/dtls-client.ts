import type { DatagramTransport, PeerAddress } from '../transport/datagram-transport.js';
import { peerKey } from '../transport/datagram-transport.js';
import type { Connection } from './connection.js';
import { DtlsEndpoint } from './dtls-endpoint.js';
import type { DtlsCommonOptions } from './dtls-endpoint.js';
import { DtlsError } from './dtls-error.js';
import { ClientConnection } from './handshake-client.js';
import type { ClientCredentials, PskCredentials } from './handshake-client.js';
import { loadRpk, spkiOf } from './rpk.js';
import type { LoadedRpk, RpkCredentials } from './rpk.js';
import { equalBytes } from './bytes.js';
import { loadX509, verifyChain } from './x509.js';
import type { LoadedX509, X509Credentials } from './x509.js';
import type { DtlsRecord } from './record.js';
import { SessionCache } from './session-cache.js';

export interface DtlsClientOptions extends DtlsCommonOptions {
  /** PSK credentials, the same for every server or chosen per server. */
  readonly psk?: PskCredentials | ((peer: PeerAddress) => PskCredentials | undefined);
  /**
   * Raw public key credentials (RFC 7250, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8): our P-256 key,
   * and the server's public key to trust (PEM or SPKI DER), or a check of the key it shows.
   */
  readonly rpk?: RpkCredentials & {
    readonly serverPublicKey: string | Uint8Array | ((spki: Uint8Array, peer: PeerAddress) => boolean | Promise<boolean>);
  };
  /** Sessions (to distinct servers) at most. */
  readonly maxPeers?: number;
  /**
   * X.509 mode (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8): our chain and key, the roots the server's
   * chain must lead to, and the name (DNS name or IP) its certificate must carry.
   */
  readonly x509?: X509Credentials & {
    readonly serverName?: string | ((peer: PeerAddress) => string | undefined);
  };
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
  private readonly rpk: (LoadedRpk & { readonly check: (spki: Uint8Array, peer: PeerAddress) => boolean | Promise<boolean> }) | undefined;
  private readonly maxPeers: number;
  private readonly offerCid: boolean;
  private readonly x509: LoadedX509 | undefined;
  private readonly serverName: string | ((peer: PeerAddress) => string | undefined) | undefined;
  private readonly sessions: SessionCache | null;

  constructor(inner: DatagramTransport, options: DtlsClientOptions) {
    super(inner, options);
    this.psk = options.psk;
    if (options.psk === undefined && options.rpk === undefined && options.x509 === undefined) {
      throw new DtlsError('E_DTLS_CONFIG', 'a client needs psk, rpk or x509 credentials');
    }
    if (options.x509 !== undefined) {
      this.x509 = loadX509(options.x509);
      this.serverName = options.x509.serverName;
    }
    if (options.rpk !== undefined) {
      const trust = options.rpk.serverPublicKey;
      const expected = typeof trust === 'function' ? null : spkiOf(trust);
      this.rpk = {
        ...loadRpk(options.rpk),
        check: typeof trust === 'function' ? trust : (spki) => expected !== null && equalBytes(spki, expected),
      };
    }
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
      const psk = typeof this.psk === 'function' ? this.psk(peer) : this.psk;
      const rpk = this.rpk;
      const x509 = this.x509;
      const name = typeof this.serverName === 'function' ? this.serverName(peer) : this.serverName;
      const creds: ClientCredentials = {
        ...(psk !== undefined ? { psk } : {}),
        ...(rpk !== undefined ? { rpk: { ...rpk, verifyServerKey: (spki: Uint8Array) => rpk.check(spki, peer) } } : {}),
        ...(x509 !== undefined ? {
          x509: {
            chain: x509.chain, privateKey: x509.privateKey,
            verifyServerChain: (ders: Uint8Array[]) => verifyChain(ders, x509.roots, name === undefined ? {} : { name }),
          },
        } : {}),
      };
      if (creds.psk === undefined && creds.rpk === undefined && creds.x509 === undefined) {
        this.settle(key, undefined, new DtlsError('E_DTLS_CONFIG', `no PSK credentials for ${key}`));
      } else if (this.conns.size >= this.maxPeers) {
        this.settle(key, undefined, new DtlsError('E_DTLS_LIMIT', 'too many sessions'));
      } else {
        // Resume only a session made with the same credentials.
        const cached = this.sessions?.get(key);
        const resume = cached !== undefined && cached.identity.type === 'psk' && cached.identity.identity === psk?.identity ? cached : undefined;
        const conn = new ClientConnection({ address: peer.address, port: peer.port }, this, this.connOptions, creds, this.offerCid, resume);
        this.conns.set(key, conn);
        this.handshaking.add(conn);
        conn.start();
      }
    }
    return promise;
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
