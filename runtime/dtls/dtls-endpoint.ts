import type { Datagram, DatagramTransport, PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import { peerKey } from '../transport/datagram-transport.js';
import { CIPHER_SUITES, suiteByName } from './cipher-suite.js';
import type { CipherSuite, CipherSuiteName } from './cipher-suite.js';
import type { Connection, ConnectionHost, ConnectionOptions } from './connection.js';
import { DtlsError } from './dtls-error.js';
import type { DtlsErrorCode } from './dtls-error.js';
import { ContentType, parseRecords } from './record.js';
import type { DtlsRecord } from './record.js';
import { DEFAULT_RETRANSMIT } from './retransmit-timer.js';
import type { RetransmitOptions } from './retransmit-timer.js';
import { randomBytesPooled } from './random-pool.js';

export interface DtlsCommonOptions {
  /** Largest datagram we send during the handshake (default 1200: fits IPv6's 1280 minimum). */
  readonly mtu?: number;
  readonly retransmit?: Partial<RetransmitOptions>;
  /** In order of preference; default all, CCM_8 first (the LwM2M mandatory suite). */
  readonly cipherSuites?: readonly CipherSuiteName[];
  /** Refuse peers without RFC 7627; off by default because some (node-dtls-client) lack it. */
  readonly requireExtendedMasterSecret?: boolean;
  readonly maxHandshakeMessageLength?: number;
  /** Established sessions silent this long are dropped (0: never). */
  readonly idleTimeoutMs?: number;
  /** A handshake not finished after this long is abandoned. */
  readonly handshakeTimeoutMs?: number;
}

export type DtlsEvent =
  | {
    readonly type: 'established'; readonly peer: PeerAddress; readonly identity: PeerIdentity;
    readonly cipherSuite: CipherSuiteName; readonly extendedMasterSecret: boolean;
    /** RFC 7366 encrypt-then-MAC (CBC suites only). */
    readonly encryptThenMac: boolean;
    /** An abbreviated handshake resumed an earlier session. */
    readonly resumed: boolean;
  }
  | { readonly type: 'closed'; readonly peer: PeerAddress; readonly identity: PeerIdentity | undefined }
  /** A session with a connection ID followed its peer to a new address (RFC 9146). */
  | { readonly type: 'peer-moved'; readonly from: PeerAddress; readonly peer: PeerAddress; readonly identity: PeerIdentity | undefined }
  | { readonly type: 'error'; readonly peer: PeerAddress; readonly error: DtlsError };

export interface DtlsStats {
  handshakesCompleted: number;
  /** Of which abbreviated (resumed) ones. */
  handshakesResumed: number;
  handshakesFailed: number;
  helloVerifyRequestsSent: number;
  recordsDropped: number;
  internalErrors: number;
  sendErrors: number;
  readonly drops: Partial<Record<DtlsErrorCode, number>>;
}

const SWEEP_MS = 1000;

/** What both roles share: the inner transport, the peer table, events, limits and stats. */
export abstract class DtlsEndpoint implements DatagramTransport, ConnectionHost {
  protected readonly conns = new Map<string, Connection>();
  /** Sessions by the connection ID we receive on (hex). */
  protected readonly byCid = new Map<string, Connection>();
  /** Length of the CIDs we hand out; 0: we receive without CIDs. */
  protected cidLength = 0;
  protected readonly connOptions: ConnectionOptions;
  protected closed = false;
  private handler: ((d: Datagram) => void) | undefined;
  /** The session of the last send(), and of the last application data received: checked against the peer before each use. */
  private lastSent: Connection | undefined;
  private lastReceived: Connection | undefined;
  /** Datagrams handed to the inner transport and not yet sent; close() lets them go first. */
  private inflight = 0;
  private drained: (() => void) | undefined;
  private eventHandler: ((e: DtlsEvent) => void) | undefined;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly idleTimeoutMs: number;
  private readonly handshakeTimeoutMs: number;
  protected readonly counters: DtlsStats = {
    handshakesCompleted: 0, handshakesResumed: 0, handshakesFailed: 0, helloVerifyRequestsSent: 0,
    recordsDropped: 0, internalErrors: 0, sendErrors: 0, drops: {},
  };

  constructor(protected readonly inner: DatagramTransport, options: DtlsCommonOptions) {
    const suites: CipherSuite[] = [];
    for (const name of options.cipherSuites ?? CIPHER_SUITES.map((s) => s.name as CipherSuiteName)) {
      const s = suiteByName(name);
      if (s === undefined) throw new DtlsError('E_DTLS_CONFIG', `unknown cipher suite ${name}`);
      suites.push(s);
    }
    if (suites.length === 0) throw new DtlsError('E_DTLS_CONFIG', 'no cipher suites');
    const mtu = options.mtu ?? 1200;
    if (mtu < 256 || mtu > 65507) throw new DtlsError('E_DTLS_CONFIG', `mtu ${mtu} out of range`);
    this.connOptions = {
      mtu,
      retransmit: { ...DEFAULT_RETRANSMIT, ...options.retransmit },
      maxHandshakeMessageLength: options.maxHandshakeMessageLength ?? 8192,
      suites,
      requireExtendedMasterSecret: options.requireExtendedMasterSecret ?? false,
    };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 0;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 120_000;
    inner.onDatagram((d) => this.onInnerDatagram(d));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref?.();
  }

  onDatagram(handler: (datagram: Datagram) => void): void { this.handler = handler; }
  /** Handshake results and session ends, for logging and for the layers above. */
  onEvent(handler: (event: DtlsEvent) => void): void { this.eventHandler = handler; }
  address(): PeerAddress { return this.inner.address(); }

  /** Connections still in their handshake, kept up to date by established() and ended(). */
  protected handshaking = new Set<Connection>();

  stats(): DtlsStats & { sessions: number; handshakesInProgress: number } {
    const hs = this.handshaking.size;
    return { ...this.counters, drops: { ...this.counters.drops }, sessions: this.conns.size - hs, handshakesInProgress: hs };
  }

  /** The identity the peer proved, if a session is established. */
  identityOf(peer: PeerAddress): PeerIdentity | undefined {
    const c = this.conns.get(peerKey(peer));
    return c?.isEstablished === true ? c.identity : undefined;
  }

  send(data: Uint8Array, peer: PeerAddress): Promise<void> {
    if (this.closed) return Promise.reject(new DtlsError('E_DTLS_CLOSED', 'transport closed'));
    // Fast path without extra promise hops: the session exists. The layer above sends to the
    // same peer object again and again: the last one's session is found without a map key.
    let conn = this.lastSent;
    if (conn === undefined || conn.peer.port !== peer.port || conn.peer.address !== peer.address) {
      conn = this.conns.get(peerKey(peer));
      this.lastSent = conn;
    }
    if (conn !== undefined && conn.isEstablished && !conn.isEnded) {
      try {
        return this.inner.send(conn.sealApplicationData(data), peer);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.sessionFor(peer).then((c) => this.inner.send(c.sealApplicationData(data), peer));
  }

  /** The established connection to send on; the client role may start a handshake. */
  protected abstract sessionFor(peer: PeerAddress): Promise<Connection>;
  protected abstract route(rec: DtlsRecord, peer: PeerAddress, key: string): void;

  /** Ends the session with one peer with close_notify. */
  disconnect(peer: PeerAddress): void {
    this.conns.get(peerKey(peer))?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const c of [...this.conns.values()]) c.close();
    // Let the close_notify alerts go out before the socket closes (bounded wait).
    if (this.inflight > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => { this.drained = r; timer = setTimeout(r, 500); });
      clearTimeout(timer);
    }
    await this.inner.close();
  }

  private onInnerDatagram(d: Datagram): void {
    if (this.closed) return;
    try {
      // A plain view of the datagram: the subarrays the parse takes of a Buffer would each go through Buffer's constructor.
      const data = d.data;
      const view = data instanceof Buffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data;
      const { records, error } = parseRecords(view, this.cidLength);
      let key: string | undefined;
      for (const rec of records) {
        if (rec.cid !== undefined) {
          // CID records find their session whatever address they come from.
          const conn = this.byCid.get(Buffer.from(rec.cid).toString('hex'));
          if (conn === undefined) this.dropped('E_DTLS_NO_SESSION');
          else conn.handleRecord(rec, d.peer);
          continue;
        }
        // Application data from the peer of the last one goes straight to its session (no map key);
        // everything else takes the role's routing.
        const last = this.lastReceived;
        if (rec.type === ContentType.applicationData && last !== undefined && !last.isEnded && last.isEstablished
          && last.peer.port === d.peer.port && last.peer.address === d.peer.address) {
          last.handleRecord(rec);
          continue;
        }
        key ??= peerKey(d.peer);
        this.route(rec, d.peer, key);
        if (rec.type === ContentType.applicationData) this.lastReceived = this.conns.get(key);
      }
      if (error !== undefined) this.dropped(error.code);
    } catch (e) {
      // route() and connections catch their own errors; anything here is a bug to count.
      this.internalError(e);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of [...this.conns.values()]) {
      if (!c.isEstablished && now - c.createdAt > this.handshakeTimeoutMs) {
        c.fail(new DtlsError('E_DTLS_TIMEOUT', 'handshake took too long'), true);
      } else if (c.isEstablished && this.idleTimeoutMs > 0 && now - c.lastActivity > this.idleTimeoutMs) {
        c.close();
      }
    }
  }

  protected emit(e: DtlsEvent): void {
    try {
      this.eventHandler?.(e);
    } catch (err) {
      this.internalError(err);
    }
  }

  // ConnectionHost

  sendDatagram(data: Uint8Array, peer: PeerAddress): void {
    // Counted until done, so that close() can let the last alerts leave first.
    this.inflight++;
    this.inner.send(data, peer).then(this.sent, this.sendFailed);
  }

  private readonly sent = (): void => {
    if (--this.inflight === 0) this.drained?.();
  };

  private readonly sendFailed = (): void => {
    this.counters.sendErrors++;
    this.sent();
  };

  deliver(data: Uint8Array, conn: Connection): void {
    try {
      this.handler?.({ data, peer: conn.peer, identity: conn.identity! });
    } catch (err) {
      this.internalError(err);
    }
  }

  established(conn: Connection): void {
    this.handshaking.delete(conn);
    this.counters.handshakesCompleted++;
    if (conn.resumedSession) this.counters.handshakesResumed++;
    this.emit({
      type: 'established', peer: conn.peer, identity: conn.identity!,
      cipherSuite: conn.cipherSuite!.name as CipherSuiteName, extendedMasterSecret: conn.extendedMasterSecret,
      resumed: conn.resumedSession, encryptThenMac: conn.encryptThenMac,
    });
  }

  ended(conn: Connection, error: DtlsError | undefined): void {
    this.handshaking.delete(conn);
    if (this.lastSent === conn) this.lastSent = undefined;
    if (this.lastReceived === conn) this.lastReceived = undefined;
    const key = peerKey(conn.peer);
    if (this.conns.get(key) === conn) this.conns.delete(key);
    const cid = conn.connectionId;
    if (cid !== null) {
      const cidKey = Buffer.from(cid).toString('hex');
      if (this.byCid.get(cidKey) === conn) this.byCid.delete(cidKey);
    }
    if (error !== undefined && !conn.isEstablished) this.counters.handshakesFailed++;
    if (error !== undefined) this.emit({ type: 'error', peer: conn.peer, error });
    else this.emit({ type: 'closed', peer: conn.peer, identity: conn.identity });
  }

  peerMoved(conn: Connection, to: PeerAddress): void {
    const from = conn.peer;
    const oldKey = peerKey(from);
    const newKey = peerKey(to);
    if (this.conns.get(oldKey) === conn) this.conns.delete(oldKey);
    // Whatever session held the new address lost it (its NAT binding went to this peer).
    const displaced = this.conns.get(newKey);
    if (displaced !== undefined && displaced !== conn) displaced.fail(new DtlsError('E_DTLS_CLOSED', 'address taken over by another session'), false);
    conn.peer = { address: to.address, port: to.port };
    this.conns.set(newKey, conn);
    this.emit({ type: 'peer-moved', from, peer: conn.peer, identity: conn.identity });
  }

  /** A fresh CID for a new session (server role), registered for routing. */
  allocateCid(conn: Connection): Uint8Array | null {
    if (this.cidLength === 0) return null;
    for (let i = 0; i < 8; i++) {
      const cid = randomBytesPooled(this.cidLength);
      const k = Buffer.from(cid).toString('hex');
      if (!this.byCid.has(k)) { this.byCid.set(k, conn); return cid; }
    }
    return null;
  }

  dropped(code: DtlsErrorCode): void {
    this.counters.recordsDropped++;
    this.counters.drops[code] = (this.counters.drops[code] ?? 0) + 1;
  }

  internalError(_error: unknown): void {
    this.counters.internalErrors++;
  }
}
