import type { DatagramTransport, PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import { peerKey } from '../transport/datagram-transport.js';
import { CookieJar } from './cookie.js';
import type { Connection } from './connection.js';
import { DtlsEndpoint } from './dtls-endpoint.js';
import type { DtlsCommonOptions } from './dtls-endpoint.js';
import { DtlsError } from './dtls-error.js';
import { encodeHandshakeMessage, HandshakeType, parseHandshakeFragments } from './handshake-fragment.js';
import type { HandshakeMessage } from './handshake-fragment.js';
import { encodeHelloVerifyRequest, parseClientHello } from './handshake-hello.js';
import type { ClientHello } from './handshake-hello.js';
import { ServerConnection } from './handshake-server.js';
import type { PskStore, ServerCredentials } from './handshake-server.js';
import { loadRpk } from './rpk.js';
import type { RpkCredentials } from './rpk.js';
import type { X509Certificate } from 'node:crypto';
import { loadX509, verifyChain } from './x509.js';
import type { LoadedX509, X509Credentials } from './x509.js';
import { equalBytes } from './bytes.js';
import { SessionCache } from './session-cache.js';
import { ContentType, DTLS_1_0, encodeRecord } from './record.js';
import type { DtlsRecord } from './record.js';

export interface DtlsServerOptions extends DtlsCommonOptions {
  /** identity -> key; undefined for an unknown identity (answered with unknown_psk_identity). */
  readonly pskStore?: PskStore;
  /**
   * Raw public key mode (RFC 7250, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8): our P-256 key, and
   * the check of each client's key (SubjectPublicKeyInfo, DER); the client must show one.
   */
  readonly rpk?: RpkCredentials & {
    readonly verifyClientKey: (spki: Uint8Array, peer: PeerAddress) => boolean | Promise<boolean>;
  };
  /**
   * X.509 mode (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8): our chain and key, the roots client chains
   * must lead to, and an optional further check of the client's leaf certificate.
   */
  readonly x509?: X509Credentials & {
    readonly verifyClient?: (leaf: X509Certificate, peer: PeerAddress) => boolean | Promise<boolean>;
  };
  /** Peers with state (sessions and handshakes) at most; beyond, new ClientHellos are dropped. */
  readonly maxPeers?: number;
  /**
   * When maxPeers is reached, a new peer (whose cookie checked out) takes the place of the
   * established session idle the longest, if that one has been idle this long (default 5 min):
   * devices that vanished without close_notify do not lock the server up.
   */
  readonly evictIdleAfterMs?: number;
  /** Handshakes in progress at most. */
  readonly maxHandshakes?: number;
  /** How often the cookie secret rotates. */
  readonly cookieRotateMs?: number;
  /** Sessions kept for resumption (RFC 5246 7.3; 0 turns resumption off). Default 1000. */
  readonly sessionCacheSize?: number;
  /** How long a session may be resumed. Default 24 h. */
  readonly sessionLifetimeMs?: number;
  /** Length of the RFC 9146 connection IDs handed to clients that offer the extension (0: off; default 6). */
  readonly connectionIdLength?: number;
  /**
   * Asked before a session is resumed (abbreviated handshake): whether its identity is still
   * trusted. False makes it a full handshake, which checks the credentials again.
   */
  readonly verifyResumption?: (identity: PeerIdentity, peer: PeerAddress) => boolean | Promise<boolean>;
}

/** A ClientHello fits one record in practice; longer ones are not worth state before the cookie. */
const MAX_CLIENT_HELLO = 2048;

/**
 * The DTLS server role over one inner transport: many peers, each with bounded state, none
 * before its ClientHello returned a valid cookie (RFC 6347 4.2.1).
 */
export class DtlsServer extends DtlsEndpoint {
  private readonly cookies: CookieJar;
  private readonly creds: ServerCredentials;
  private readonly maxPeers: number;
  private readonly evictIdleAfterMs: number;
  private readonly maxHandshakes: number;
  private readonly sessions: SessionCache | null;

  constructor(inner: DatagramTransport, options: DtlsServerOptions) {
    super(inner, options);
    if (options.pskStore !== undefined && typeof options.pskStore !== 'function') throw new DtlsError('E_DTLS_CONFIG', 'pskStore must be a function');
    if (options.pskStore === undefined && options.rpk === undefined && options.x509 === undefined) {
      throw new DtlsError('E_DTLS_CONFIG', 'a server needs a pskStore, rpk or x509 credentials');
    }
    this.creds = {
      ...(options.pskStore !== undefined ? { pskStore: options.pskStore } : {}),
      ...(options.rpk !== undefined ? { rpk: { ...loadRpk(options.rpk), verifyClientKey: options.rpk.verifyClientKey } } : {}),
      ...(options.x509 !== undefined ? { x509: x509Verifier(loadX509(options.x509), options.x509.verifyClient) } : {}),
      ...(options.verifyResumption !== undefined ? { verifyResumption: options.verifyResumption } : {}),
    };
    this.maxPeers = options.maxPeers ?? 10_000;
    this.evictIdleAfterMs = options.evictIdleAfterMs ?? 300_000;
    this.maxHandshakes = options.maxHandshakes ?? 1_000;
    this.cookies = new CookieJar(options.cookieRotateMs ?? 60_000);
    const cacheSize = options.sessionCacheSize ?? 1000;
    this.sessions = cacheSize > 0 ? new SessionCache(cacheSize, options.sessionLifetimeMs ?? 86_400_000) : null;
    const cidLength = options.connectionIdLength ?? 6;
    if (!Number.isInteger(cidLength) || cidLength < 0 || cidLength > 32) throw new DtlsError('E_DTLS_CONFIG', 'connectionIdLength must be 0..32');
    this.cidLength = cidLength;
  }

  /**
   * Ends every session whose peer identity `match` picks, with close_notify, and every
   * handshake whose client claimed such an identity, with a fatal alert; forgets those
   * sessions for resumption too. For credentials that were revoked. Returns how many ended.
   */
  closeSessions(match: (identity: PeerIdentity) => boolean): number {
    let n = 0;
    for (const c of [...this.conns.values()]) {
      if (c.isEnded) continue;
      if (c.isEstablished) {
        if (c.identity !== undefined && match(c.identity)) { c.close(); n++; }
        continue;
      }
      const claimed = c instanceof ServerConnection ? c.claimedIdentity : null;
      if (claimed !== null && match(claimed)) {
        c.fail(new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'the client\'s credentials were revoked during its handshake'), true);
        n++;
      }
    }
    this.sessions?.deleteWhere((s) => match(s.identity));
    return n;
  }

  /** The peers with an established session and who they proved to be. */
  sessionIdentities(): { readonly peer: PeerAddress; readonly identity: PeerIdentity }[] {
    const out: { peer: PeerAddress; identity: PeerIdentity }[] = [];
    for (const c of this.conns.values()) if (c.isEstablished && !c.isEnded && c.identity !== undefined) out.push({ peer: c.peer, identity: c.identity });
    return out;
  }

  /** Rotates the cookie secret now. */
  rotateCookieSecret(): void { this.cookies.rotate(); }

  /** Only a session the client made can carry data: the server role never starts a handshake. */
  canReach(peer: PeerAddress): boolean {
    const c = this.conns.get(peerKey(peer));
    return c !== undefined && c.isEstablished && !c.isEnded;
  }

  protected sessionFor(peer: PeerAddress): Promise<Connection> {
    const c = this.conns.get(peerKey(peer));
    if (c === undefined || !c.isEstablished || c.isEnded) return Promise.reject(new DtlsError('E_DTLS_NO_SESSION', 'no established session with this peer'));
    return Promise.resolve(c);
  }

  protected route(rec: DtlsRecord, peer: PeerAddress, key: string): void {
    const conn = this.conns.get(key);
    if (rec.epoch === 0 && rec.type === ContentType.handshake && rec.fragment[0] === HandshakeType.clientHello) {
      // A repeat of the hello that created the current handshake goes to it (it resends its flight).
      if (conn instanceof ServerConnection && !conn.isEstablished && sameRandom(rec.fragment, conn.helloRandom)) {
        conn.handleRecord(rec);
        return;
      }
      if (conn instanceof ServerConnection && conn.isEstablished && sameRandom(rec.fragment, conn.helloRandom)) {
        this.dropped('E_DTLS_REPLAY');
        return;
      }
      this.statelessHello(rec, peer, key, conn);
      return;
    }
    if (conn === undefined) { this.dropped('E_DTLS_NO_SESSION'); return; }
    conn.handleRecord(rec);
  }

  private statelessHello(rec: DtlsRecord, peer: PeerAddress, key: string, existing: Connection | undefined): void {
    let msg: HandshakeMessage;
    let hello: ClientHello;
    try {
      const frags = parseHandshakeFragments(rec.fragment, MAX_CLIENT_HELLO);
      const f = frags[0];
      if (frags.length !== 1 || f === undefined || f.fragmentOffset !== 0 || f.body.length !== f.length) {
        this.dropped('E_DTLS_BAD_RECORD');
        return;
      }
      msg = { type: f.type, messageSeq: f.messageSeq, body: f.body };
      hello = parseClientHello(f.body);
    } catch (e) {
      this.dropped(e instanceof DtlsError ? e.code : 'E_DTLS_DECODE');
      return;
    }
    if (!this.cookies.verify(peer, hello)) {
      if (hello.cookie.length > 0) this.dropped('E_DTLS_BAD_COOKIE');
      this.sendHelloVerify(rec, msg, peer, hello);
      return;
    }
    if (existing === undefined) {
      if (this.conns.size >= this.maxPeers && !this.evictIdlest()) { this.dropped('E_DTLS_LIMIT'); return; }
      if (this.handshaking.size >= this.maxHandshakes) { this.dropped('E_DTLS_LIMIT'); return; }
    } else {
      // The peer proved its address again with a fresh hello: it restarted (RFC 6347 4.2.8).
      existing.fail(new DtlsError('E_DTLS_CLOSED', 'replaced by a new handshake from the same address'), false);
    }
    const conn = new ServerConnection(peer, this, this.connOptions, this.creds, this.sessions);
    this.conns.set(key, conn);
    this.handshaking.add(conn);
    conn.start(msg, hello, rec.sequence);
  }

  /** Ends the established session idle the longest, if idle long enough; true if one went. */
  private evictIdlest(): boolean {
    let idlest: Connection | undefined;
    for (const c of this.conns.values()) {
      if (c.isEstablished && (idlest === undefined || c.lastActivity < idlest.lastActivity)) idlest = c;
    }
    if (idlest === undefined || Date.now() - idlest.lastActivity < this.evictIdleAfterMs) return false;
    idlest.close();
    return true;
  }

  private sendHelloVerify(rec: DtlsRecord, msg: HandshakeMessage, peer: PeerAddress, hello: ClientHello): void {
    const cookie = this.cookies.issue(peer, hello);
    // RFC 6347 4.2.1: version 1.0 in HVR, and the record number of the hello it answers.
    const hvr = encodeHandshakeMessage({ type: HandshakeType.helloVerifyRequest, messageSeq: msg.messageSeq, body: encodeHelloVerifyRequest({ version: DTLS_1_0, cookie }) });
    this.counters.helloVerifyRequestsSent++;
    this.sendDatagram(encodeRecord(ContentType.handshake, DTLS_1_0, 0, rec.sequence, hvr), peer);
  }
}

/** Compares the random of a single-fragment ClientHello record with a known one, without a full parse. */
function sameRandom(fragment: Uint8Array, random: Uint8Array): boolean {
  // 12-byte handshake header, 2-byte version, then 32 bytes of random.
  if (fragment.length < 12 + 2 + 32 || random.length !== 32) return false;
  return equalBytes(fragment.subarray(14, 46), random);
}

function x509Verifier(loaded: LoadedX509, extra: ((leaf: X509Certificate, peer: PeerAddress) => boolean | Promise<boolean>) | undefined): NonNullable<ServerCredentials['x509']> {
  return {
    chain: loaded.chain,
    privateKey: loaded.privateKey,
    verifyClientChain: (ders, peer) => {
      const leaf = verifyChain(ders, loaded.roots);
      if (extra === undefined) return leaf;
      const refuse = (): never => { throw new DtlsError('E_DTLS_UNKNOWN_PEER_KEY', 'the client certificate is refused'); };
      const ok = extra(leaf, peer);
      return ok instanceof Promise ? ok.then((v) => (v ? leaf : refuse())) : ok ? leaf : refuse();
    },
  };
}

export function createDtlsServer(inner: DatagramTransport, options: DtlsServerOptions): DtlsServer {
  return new DtlsServer(inner, options);
}
