import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import { AlertDescription, AlertLevel, alertForCode, encodeAlert, parseAlert } from './alert.js';
import type { CipherSuite } from './cipher-suite.js';
import { DtlsError } from './dtls-error.js';
import { encodeHandshakeMessage, fragmentHandshakeMessage, HANDSHAKE_HEADER_LENGTH, HandshakeType, parseHandshakeFragments } from './handshake-fragment.js';
import type { HandshakeFragment, HandshakeMessage } from './handshake-fragment.js';
import { HandshakeReassembler } from './handshake-reassembler.js';
import type { RecordCipher } from './record-cipher.js';
import { ContentType, DTLS_1_2, encodeInnerPlaintext, encodeRecord, MAX_PLAINTEXT_LENGTH, MAX_SEQUENCE, parseInnerPlaintext, RECORD_HEADER_LENGTH, writeRecordHeader } from './record.js';
import { concat, equalBytes } from './bytes.js';
import type { ContentTypeValue, DtlsRecord } from './record.js';
import { ReplayWindow } from './replay-window.js';
import { RetransmitTimer } from './retransmit-timer.js';
import type { RetransmitOptions } from './retransmit-timer.js';

/** What a connection needs from the endpoint that owns it. */
export interface ConnectionHost {
  /** Hands one datagram to the inner transport; failures are the host's to count. */
  sendDatagram(data: Uint8Array, peer: PeerAddress): void;
  deliver(data: Uint8Array, conn: Connection): void;
  established(conn: Connection): void;
  /** The connection is over: closed cleanly (no error) or failed. */
  ended(conn: Connection, error: DtlsError | undefined): void;
  dropped(code: DtlsError['code']): void;
  internalError(error: unknown): void;
  /** An authenticated, newest record came from another address (RFC 9146 6): follow it. */
  peerMoved(conn: Connection, to: PeerAddress): void;
  /** A fresh CID to receive on for this connection, or null when CIDs are off. */
  allocateCid(conn: Connection): Uint8Array | null;
}

export interface ConnectionOptions {
  readonly mtu: number;
  readonly retransmit: RetransmitOptions;
  readonly maxHandshakeMessageLength: number;
  readonly suites: readonly CipherSuite[];
  readonly requireExtendedMasterSecret: boolean;
}

interface WriteState { readonly epoch: number; seq: number; readonly cipher: RecordCipher | null }
interface ReadState { readonly epoch: number; readonly cipher: RecordCipher | null; readonly window: ReplayWindow }

/** One entry of a flight: re-encoded with fresh record sequence numbers on every retransmission. */
export type FlightEntry =
  | { readonly kind: 'handshake'; readonly epoch: number; readonly msg: HandshakeMessage }
  | { readonly kind: 'ccs'; readonly epoch: number };

/** Records queued while an asynchronous step (a PSK lookup) is pending. */
const MAX_BACKLOG = 16;
/** A retransmitted peer flight triggers at most one resend of ours per this many ms. */
const RESEND_GUARD_MS = 100;

/**
 * The state of one association with one peer: record layer (epochs, sequence numbers, replay
 * windows, protection) and the handshake framing both roles share. The role subclasses drive
 * the handshake messages.
 */
export abstract class Connection {
  abstract readonly role: 'client' | 'server';
  protected readonly writeStates: WriteState[] = [{ epoch: 0, seq: 0, cipher: null }];
  protected read: ReadState = { epoch: 0, cipher: null, window: new ReplayWindow() };
  /** The read state before the last ChangeCipherSpec: only for spotting peer retransmissions. */
  protected previousRead: ReadState | null = null;
  protected pendingRead: RecordCipher | null = null;
  protected pendingWrite: RecordCipher | null = null;
  protected readonly reassembler: HandshakeReassembler;
  protected transcript: Hash = createHash('sha256');
  private transcriptParts: Uint8Array[] = [];
  protected nextSendSeq = 0;
  protected lastFlight: FlightEntry[] | null = null;
  protected readonly timer: RetransmitTimer;
  protected suite: CipherSuite | null = null;
  private lastResend = 0;
  private lastRefusal = 0;
  /** RFC 9146: the CID we expect on protected records, and the one we put on ours. */
  protected readCid: Uint8Array | null = null;
  protected writeCid: Uint8Array | null = null;
  private busy = false;
  private backlog: DtlsRecord[] = [];
  /** Records of the next epoch that arrived before the peer's ChangeCipherSpec (RFC 6347 4.1). */
  private nextEpochRecords: DtlsRecord[] = [];
  /** Application data that authenticated before our handshake ended (the peer finished first). */
  private earlyData: Uint8Array[] = [];

  /** Whether the session was resumed with an abbreviated handshake. */
  resumedSession = false;
  isEstablished = false;
  isEnded = false;
  identity: PeerIdentity | undefined;
  lastActivity = Date.now();
  readonly createdAt = Date.now();

  constructor(public peer: PeerAddress, protected readonly host: ConnectionHost, protected readonly options: ConnectionOptions) {
    this.reassembler = new HandshakeReassembler(options.maxHandshakeMessageLength * 2);
    this.timer = new RetransmitTimer(options.retransmit, () => this.resendFlight(), () => {
      this.fail(new DtlsError('E_DTLS_TIMEOUT', 'handshake timed out: no answer to our flight'), false);
    });
  }

  get cipherSuite(): CipherSuite | null { return this.suite; }
  /** Whether RFC 7627 was negotiated. */
  abstract get extendedMasterSecret(): boolean;
  /** Whether RFC 7366 was negotiated (CBC suites only). */
  abstract get encryptThenMac(): boolean;

  private get write(): WriteState { return this.writeStates[this.writeStates.length - 1]!; }

  /** The CID this side receives on, when one was negotiated. */
  get connectionId(): Uint8Array | null { return this.readCid; }

  /** Handles one record routed to this connection; never throws. `from`: where it came from. */
  handleRecord(rec: DtlsRecord, from: PeerAddress = this.peer): void {
    if (this.isEnded) return;
    if (this.busy) {
      if (this.backlog.length < MAX_BACKLOG) this.backlog.push(rec);
      else this.host.dropped('E_DTLS_LIMIT');
      return;
    }
    try {
      this.processRecord(rec, from);
    } catch (e) {
      this.failWith(e);
    }
  }

  protected failWith(e: unknown): void {
    if (e instanceof DtlsError) {
      this.fail(e, true);
    } else {
      this.host.internalError(e);
      this.fail(new DtlsError('E_DTLS_INTERNAL', 'internal error', { cause: e }), true);
    }
  }

  private processRecord(rec: DtlsRecord, from: PeerAddress): void {
    let state: ReadState;
    let current: boolean;
    if (rec.epoch === this.read.epoch) { state = this.read; current = true; }
    else if (this.previousRead !== null && rec.epoch === this.previousRead.epoch) { state = this.previousRead; current = false; }
    else if (rec.epoch === this.read.epoch + 1 && !this.isEstablished && this.nextEpochRecords.length < MAX_BACKLOG) {
      // The peer's CCS was lost or reordered: keep a few until it comes (unauthenticated yet).
      this.nextEpochRecords.push(rec);
      return;
    } else { this.host.dropped('E_DTLS_BAD_EPOCH'); return; }
    // The window only moves for authenticated records (RFC 6347 4.1.2.6): a forged epoch-0
    // record with a huge number must not push the real ones out. Epoch 0 relies on
    // message_seq to discard duplicates instead.
    const protectedRecord = state.cipher !== null;
    if (protectedRecord && !state.window.check(rec.sequence)) { this.host.dropped('E_DTLS_REPLAY'); return; }
    let plain: Uint8Array;
    let type: number = rec.type;
    // With a negotiated CID every protected record carries it, and only those do.
    const cidRecord = rec.type === ContentType.tls12Cid;
    if (cidRecord !== (protectedRecord && this.readCid !== null)) { this.host.dropped('E_DTLS_BAD_RECORD'); return; }
    if (cidRecord && (rec.cid === undefined || !equalBytes(rec.cid, this.readCid!))) { this.host.dropped('E_DTLS_BAD_RECORD'); return; }
    if (state.cipher === null) {
      plain = rec.fragment;
    } else {
      const opened = state.cipher.open(rec.type, rec.version, rec.epoch, rec.sequence, rec.fragment, cidRecord ? rec.cid : undefined);
      if (opened === null) {
        // A record that does not authenticate is dropped (RFC 6347 4.1.2.7), except the peer's
        // Finished: then the keys disagree (a wrong PSK) and waiting on is pointless.
        if (!this.isEstablished && this.awaitingPeerFinished()) {
          throw new DtlsError('E_DTLS_BAD_RECORD_MAC', 'the peer\'s Finished does not authenticate: keys disagree');
        }
        this.host.dropped('E_DTLS_BAD_RECORD_MAC');
        return;
      }
      plain = opened;
      if (cidRecord) {
        const inner = parseInnerPlaintext(opened);
        if (inner === null || inner.type === ContentType.tls12Cid) { this.host.dropped('E_DTLS_BAD_RECORD'); return; }
        plain = inner.content;
        type = inner.type;
      }
    }
    if (plain.length > MAX_PLAINTEXT_LENGTH) { this.host.dropped('E_DTLS_RECORD_OVERFLOW'); return; }
    if (protectedRecord) {
      const newest = rec.sequence > state.window.newest;
      state.window.accept(rec.sequence);
      // Only an authenticated record newer than all before may move the peer's address.
      if (newest && current && (from.address !== this.peer.address || from.port !== this.peer.port)) {
        if (this.readCid === null) { this.host.dropped('E_DTLS_NO_SESSION'); return; }
        this.host.peerMoved(this, from);
      }
    }
    // Unauthenticated records must not keep an established session looking alive.
    if (protectedRecord || !this.isEstablished) this.lastActivity = Date.now();
    switch (type) {
      case ContentType.changeCipherSpec:
        if (!current) return;
        if (plain.length !== 1 || plain[0] !== 1) {
          if (!protectedRecord) { this.host.dropped('E_DTLS_DECODE'); return; }
          throw new DtlsError('E_DTLS_DECODE', 'bad ChangeCipherSpec');
        }
        if (this.pendingRead === null) {
          // A CCS we cannot act on: a retransmission, or out of order; ignored.
          return;
        }
        this.previousRead = this.read;
        this.read = { epoch: this.read.epoch + 1, cipher: this.pendingRead, window: new ReplayWindow() };
        this.pendingRead = null;
        if (this.nextEpochRecords.length > 0) {
          const early = this.nextEpochRecords;
          this.nextEpochRecords = [];
          queueMicrotask(() => { for (const r of early) this.handleRecord(r); });
        }
        return;
      case ContentType.alert:
        // After the handshake an unprotected alert could come from anyone: ignore it.
        if (state.cipher === null && this.isEstablished) return;
        this.handleAlert(plain);
        return;
      case ContentType.handshake:
        this.handleHandshakeRecord(plain, current, protectedRecord);
        return;
      case ContentType.applicationData:
        if (state.cipher === null || !current) { this.host.dropped('E_DTLS_UNEXPECTED_MESSAGE'); return; }
        if (!this.isEstablished) {
          if (this.earlyData.length < MAX_BACKLOG) this.earlyData.push(plain);
          else this.host.dropped('E_DTLS_LIMIT');
          return;
        }
        this.host.deliver(plain, this);
        return;
    }
  }

  private handleAlert(plain: Uint8Array): void {
    const alert = parseAlert(plain);
    if (alert.description === AlertDescription.closeNotify) {
      const wasEstablished = this.isEstablished;
      if (wasEstablished) this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
      this.end(wasEstablished ? undefined : new DtlsError('E_DTLS_CLOSED', 'peer closed during the handshake', { alert: 0 }));
      return;
    }
    if (alert.level === AlertLevel.fatal) {
      this.end(new DtlsError('E_DTLS_ALERT_RECEIVED', `peer sent fatal alert ${alert.description}`, { alert: alert.description }));
    }
    // Warnings other than close_notify (e.g. no_renegotiation) change nothing here.
  }

  private handleHandshakeRecord(plain: Uint8Array, current: boolean, protectedRecord: boolean): void {
    let frags: HandshakeFragment[];
    try {
      frags = parseHandshakeFragments(plain, this.options.maxHandshakeMessageLength);
    } catch (e) {
      // Bad framing in a record anyone could have sent is dropped like any bad record.
      if (!protectedRecord && e instanceof DtlsError) { this.host.dropped(e.code); return; }
      throw e;
    }
    let peerRetransmitted = false;
    let renegotiation = false;
    for (const f of frags) {
      // A hello after the handshake starts a renegotiation (its message_seq restarts at 0, RFC
      // 6347 4.2.2, so it would pass for a retransmission): we never renegotiate.
      if (this.isEstablished && (f.type === HandshakeType.clientHello || f.type === HandshakeType.helloRequest)) {
        renegotiation = true;
        continue;
      }
      if (!current) {
        // Old-epoch handshake records only tell us the peer is retransmitting.
        if (f.messageSeq < this.reassembler.nextSeq) peerRetransmitted = true;
        continue;
      }
      let res: ReturnType<HandshakeReassembler['add']>;
      try {
        res = this.reassembler.add(f);
      } catch (e) {
        if (!protectedRecord && e instanceof DtlsError) { this.host.dropped(e.code); continue; }
        throw e;
      }
      if (res === 'old') peerRetransmitted = true;
    }
    if (renegotiation && protectedRecord && current) {
      // RFC 5746 4.2 / 5246 7.2.2: a warning; the session goes on. Repeats are answered at most
      // once per guard interval.
      const now = Date.now();
      if (now - this.lastRefusal >= RESEND_GUARD_MS) {
        this.lastRefusal = now;
        this.sendAlert(AlertLevel.warning, AlertDescription.noRenegotiation);
      }
    }
    this.pumpMessages();
    if (this.isEnded) return;
    if (peerRetransmitted && this.lastFlight !== null) {
      const now = Date.now();
      if (now - this.lastResend >= RESEND_GUARD_MS) this.resendFlight();
    }
  }

  /** Handles the complete messages in order, until none is left or an async step starts. */
  private pumpMessages(): void {
    let msg: HandshakeMessage | null;
    while (!this.busy && !this.isEnded && (msg = this.reassembler.pop()) !== null) this.handleHandshakeMessage(msg);
  }

  /** Runs an asynchronous step; records arriving meanwhile wait in a bounded backlog. */
  protected runAsync(step: Promise<void>): void {
    this.busy = true;
    step.then(
      () => this.drainBacklog(),
      (e: unknown) => { this.busy = false; this.backlog = []; this.failWith(e); },
    );
  }

  private drainBacklog(): void {
    this.busy = false;
    try {
      // Messages that arrived together with the one that started the async step.
      this.pumpMessages();
    } catch (e) {
      this.failWith(e);
      return;
    }
    const queued = this.backlog;
    this.backlog = [];
    for (const rec of queued) this.handleRecord(rec);
  }

  /** A handshake message in order: the role's state machine. Throws DtlsError to fail. */
  protected abstract handleHandshakeMessage(msg: HandshakeMessage): void;
  /** True while the next thing due from the peer is its Finished. */
  protected abstract awaitingPeerFinished(): boolean;

  /** Builds the next outgoing handshake message; hashes it into the transcript. */
  protected nextMessage(type: number, body: Uint8Array, hashIt = true): HandshakeMessage {
    const msg = { type, messageSeq: this.nextSendSeq++, body };
    if (hashIt) this.hashMessage(msg);
    return msg;
  }

  protected hashMessage(msg: HandshakeMessage): void {
    const bytes = encodeHandshakeMessage(msg);
    this.transcript.update(bytes);
    this.transcriptParts.push(bytes);
  }

  /** All handshake messages so far, as signed by CertificateVerify (RFC 5246 7.4.8). */
  protected transcriptBytes(): Uint8Array {
    return concat(...this.transcriptParts);
  }

  protected transcriptHash(): Uint8Array {
    return this.transcript.copy().digest();
  }

  /** Sends a new flight. `last` flights have no timer: they are resent when the peer's repeats. */
  protected sendFlight(entries: FlightEntry[], last: boolean): void {
    this.lastFlight = entries;
    this.transmit(entries);
    if (last) this.timer.stop();
    else this.timer.start();
  }

  private resendFlight(): void {
    if (this.lastFlight === null || this.isEnded) return;
    this.lastResend = Date.now();
    this.transmit(this.lastFlight);
  }

  /** Switches the write side to the pending keys (right after our ChangeCipherSpec). */
  private activatePendingWrite(): void {
    if (this.pendingWrite === null) throw new DtlsError('E_DTLS_INTERNAL', 'no pending write keys');
    const epoch = this.write.epoch + 1;
    // Keep one older epoch: a retransmitted flight re-sends its epoch-0 part under epoch 0.
    this.writeStates.push({ epoch, seq: 0, cipher: this.pendingWrite });
    if (this.writeStates.length > 2) this.writeStates.shift();
    this.pendingWrite = null;
  }

  private writeStateFor(epoch: number): WriteState {
    const ws = this.writeStates.find((w) => w.epoch === epoch);
    if (ws === undefined) throw new DtlsError('E_DTLS_INTERNAL', `no write state for epoch ${epoch}`);
    return ws;
  }

  private sealRecord(type: ContentTypeValue, ws: WriteState, payload: Uint8Array): Uint8Array {
    if (ws.seq > MAX_SEQUENCE) throw new DtlsError('E_DTLS_LIMIT', 'record sequence numbers exhausted');
    const seq = ws.seq++;
    const cipher = ws.cipher;
    if (cipher === null) return encodeRecord(type, DTLS_1_2, ws.epoch, seq, payload);
    // Header and protected body in one buffer: no copy of the body after sealing.
    const cid = this.writeCid;
    const headerLength = RECORD_HEADER_LENGTH + (cid === null ? 0 : cid.length);
    // From Buffer's pool: a typed array of this size would be a fresh off-heap allocation per
    // record. Every byte sent is written below (only a CBC record's unused tail is not, and it
    // is cut off).
    const out = Buffer.allocUnsafe(headerLength + payload.length + (cid === null ? 0 : 1) + cipher.overhead);
    let length: number;
    let recordType: ContentTypeValue = type;
    if (cid !== null) {
      recordType = ContentType.tls12Cid;
      length = cipher.sealInto(out, headerLength, recordType, DTLS_1_2, ws.epoch, seq, encodeInnerPlaintext(type, payload), cid);
    } else {
      length = cipher.sealInto(out, headerLength, type, DTLS_1_2, ws.epoch, seq, payload);
    }
    writeRecordHeader(out, recordType, DTLS_1_2, ws.epoch, seq, cid, length);
    const total = headerLength + length;
    return total === out.length ? out : out.subarray(0, total);
  }

  /** Encodes a flight into records and packs them into datagrams of at most `mtu` bytes. */
  private transmit(entries: FlightEntry[]): void {
    const records: Uint8Array[] = [];
    for (const e of entries) {
      if (e.kind === 'ccs') {
        if (this.writeStates.every((w) => w.epoch !== e.epoch + 1)) this.activatePendingWrite();
        records.push(this.sealRecord(ContentType.changeCipherSpec, this.writeStateFor(e.epoch), Uint8Array.of(1)));
        continue;
      }
      const ws = this.writeStateFor(e.epoch);
      const cidOverhead = ws.cipher !== null && this.writeCid !== null ? this.writeCid.length + 1 : 0;
      const overhead = RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + (ws.cipher?.overhead ?? 0) + cidOverhead;
      const maxBody = Math.max(64, this.options.mtu - overhead);
      for (const frag of fragmentHandshakeMessage(e.msg, maxBody)) records.push(this.sealRecord(ContentType.handshake, ws, frag));
    }
    let batch: Uint8Array[] = [];
    let size = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      const dgram = new Uint8Array(size);
      let o = 0;
      for (const r of batch) { dgram.set(r, o); o += r.length; }
      this.host.sendDatagram(dgram, this.peer);
      batch = [];
      size = 0;
    };
    for (const r of records) {
      if (size + r.length > this.options.mtu) flush();
      batch.push(r);
      size += r.length;
    }
    flush();
  }

  /** The epoch the next CCS entry of a flight is sent in. */
  protected get writeEpoch(): number { return this.write.epoch; }

  /** One application-data record, ready for the inner transport. */
  sealApplicationData(data: Uint8Array): Uint8Array {
    if (!this.isEstablished || this.isEnded) throw new DtlsError('E_DTLS_NO_SESSION', 'no established session with this peer');
    if (data.length > MAX_PLAINTEXT_LENGTH) throw new DtlsError('E_DTLS_RECORD_OVERFLOW', `datagram of ${data.length} bytes exceeds 2^14`);
    this.lastActivity = Date.now();
    return this.sealRecord(ContentType.applicationData, this.write, data);
  }

  protected sendAlert(level: number, description: number): void {
    try {
      this.host.sendDatagram(this.sealRecord(ContentType.alert, this.write, encodeAlert(level, description)), this.peer);
    } catch (e) {
      this.host.internalError(e);
    }
  }

  /** Ends with a fatal alert to the peer (when `alert`) and reports the error. */
  fail(error: DtlsError, alert: boolean): void {
    if (this.isEnded) return;
    if (alert) this.sendAlert(AlertLevel.fatal, error.alert ?? alertForCode(error.code));
    this.end(error);
  }

  /** close_notify (RFC 5246 7.2.1) and end. */
  close(): void {
    if (this.isEnded) return;
    if (this.isEstablished) this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
    this.end(undefined);
  }

  protected end(error: DtlsError | undefined): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.timer.stop();
    this.lastFlight = null;
    this.backlog = [];
    this.host.ended(this, error);
  }

  protected markEstablished(identity: PeerIdentity): void {
    this.identity = identity;
    this.isEstablished = true;
    this.nextEpochRecords = [];
    // The handshake's bytes are no longer needed: keep per-session memory small.
    this.transcriptParts = [];
    this.host.established(this);
    const early = this.earlyData;
    this.earlyData = [];
    for (const d of early) if (!this.isEnded) this.host.deliver(d, this);
  }
}
