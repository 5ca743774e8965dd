import { randomBytes } from 'node:crypto';
import type { PeerAddress } from '../transport/datagram-transport.js';
import { TLS_EMPTY_RENEGOTIATION_INFO_SCSV } from './cipher-suite.js';
import { Connection } from './connection.js';
import type { ConnectionHost, ConnectionOptions } from './connection.js';
import { DtlsError } from './dtls-error.js';
import { EMPTY_RENEGOTIATION_INFO, encodeConnectionId, ExtensionType, findExtension, parseConnectionId } from './extensions.js';
import type { Extension } from './extensions.js';
import { HandshakeType } from './handshake-fragment.js';
import type { HandshakeMessage } from './handshake-fragment.js';
import { encodeServerHello } from './handshake-hello.js';
import type { ClientHello } from './handshake-hello.js';
import { parseClientKeyExchangePsk, parseFinished } from './handshake-psk.js';
import { equalBytes } from './bytes.js';
import { finishedVerifyData, keyBlock, masterSecret, pskPremaster } from './key-schedule.js';
import { DTLS_1_2 } from './record.js';
import { AlertDescription, AlertLevel } from './alert.js';
import { sessionKey } from './session-cache.js';
import type { ResumableSession, SessionCache } from './session-cache.js';

/** Server-side PSK lookup: the key for an identity, or undefined when unknown. */
export type PskStore = (identity: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

type ServerState = 'wait_client_key_exchange' | 'wait_finished' | 'wait_finished_resumed' | 'established';

const decoder = new TextDecoder();

/** The server side of a PSK handshake, created once a ClientHello's cookie checked out. */
export class ServerConnection extends Connection {
  readonly role = 'server' as const;
  private state: ServerState = 'wait_client_key_exchange';
  private clientRandom: Uint8Array = new Uint8Array(0);
  private readonly serverRandom = new Uint8Array(randomBytes(32));
  private useEms = false;
  private master: Uint8Array | null = null;
  private pskIdentity = '';

  private sessionId: Uint8Array = new Uint8Array(0);

  constructor(
    peer: PeerAddress, host: ConnectionHost, options: ConnectionOptions,
    private readonly pskStore: PskStore, private readonly sessions: SessionCache | null,
  ) {
    super(peer, host, options);
  }

  get helloRandom(): Uint8Array { return this.clientRandom; }

  /** Starts from the verified ClientHello (the one carrying the cookie) and answers with flight 4. */
  start(msg: HandshakeMessage, hello: ClientHello, recordSequence: number): void {
    try {
      this.clientRandom = hello.random;
      // RFC 6347 4.2.1: the server's message_seq follows the ClientHello's; its epoch-0 record
      // numbers continue from the ClientHello's so they do not collide with the stateless HVR.
      this.nextSendSeq = msg.messageSeq;
      this.reassembler.reset(msg.messageSeq + 1);
      this.writeStates[0]!.seq = recordSequence;
      this.read.window.accept(recordSequence);

      // DTLS versions count down: 0xfefd (1.2) or lower means the client can do 1.2.
      if (hello.version > DTLS_1_2) throw new DtlsError('E_DTLS_PROTOCOL_VERSION', 'client does not offer DTLS 1.2');
      if (!hello.compressionMethods.includes(0)) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'client does not offer null compression');
      const suite = this.options.suites.find((s) => hello.cipherSuites.includes(s.id));
      if (suite === undefined) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'no cipher suite in common');
      this.suite = suite;

      this.useEms = findExtension(hello.extensions, ExtensionType.extendedMasterSecret) !== undefined;
      if (!this.useEms && this.options.requireExtendedMasterSecret) {
        throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'client does not offer the extended master secret');
      }
      const reneg = findExtension(hello.extensions, ExtensionType.renegotiationInfo);
      if (reneg !== undefined && !equalBytes(reneg.data, EMPTY_RENEGOTIATION_INFO)) {
        throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'non-empty renegotiation_info in an initial handshake');
      }
      const secureReneg = reneg !== undefined || hello.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);

      this.hashMessage(msg);
      const extensions: Extension[] = [];
      if (secureReneg) extensions.push({ type: ExtensionType.renegotiationInfo, data: EMPTY_RENEGOTIATION_INFO });
      if (this.useEms) extensions.push({ type: ExtensionType.extendedMasterSecret, data: new Uint8Array(0) });
      const cidExt = findExtension(hello.extensions, ExtensionType.connectionId);
      // RFC 9146 with CBC needs another MAC layout, not done here: no CID on CBC sessions.
      if (cidExt !== undefined && suite.kind === 'aead') {
        const peerCid = parseConnectionId(cidExt.data);
        const ours = this.host.allocateCid(this);
        if (ours !== null) {
          // RFC 9146 3: each side names the CID it wants to receive; empty means none.
          this.readCid = ours;
          this.writeCid = peerCid.length > 0 ? new Uint8Array(peerCid) : null;
          extensions.push({ type: ExtensionType.connectionId, data: encodeConnectionId(ours) });
        }
      }
      const resumed = this.resumable(hello);
      if (resumed !== undefined) {
        this.resume(resumed, extensions);
        return;
      }
      if (this.sessions !== null) this.sessionId = new Uint8Array(randomBytes(32));
      const serverHello = this.nextMessage(HandshakeType.serverHello, encodeServerHello({
        version: DTLS_1_2, random: this.serverRandom, sessionId: this.sessionId,
        cipherSuite: suite.id, compressionMethod: 0, extensions,
      }));
      const done = this.nextMessage(HandshakeType.serverHelloDone, new Uint8Array(0));
      this.sendFlight([{ kind: 'handshake', epoch: 0, msg: serverHello }, { kind: 'handshake', epoch: 0, msg: done }], false);
    } catch (e) {
      this.failWith(e);
    }
  }

  get extendedMasterSecret(): boolean { return this.useEms; }

  protected awaitingPeerFinished(): boolean { return this.state === 'wait_finished' || this.state === 'wait_finished_resumed'; }

  /** The cached session the hello asks for, if it may be resumed with what the hello offers. */
  private resumable(hello: ClientHello): ResumableSession | undefined {
    if (this.sessions === null || hello.sessionId.length === 0) return undefined;
    const cached = this.sessions.get(sessionKey(hello.sessionId));
    if (cached === undefined) return undefined;
    // Same suite, and (RFC 7627 5.3) the same extended-master-secret use, or a full handshake.
    if (cached.suiteId !== this.suite!.id || cached.extendedMasterSecret !== this.useEms) return undefined;
    return cached;
  }

  /** Abbreviated handshake (RFC 5246 7.3): ServerHello, ChangeCipherSpec, Finished at once. */
  private resume(cached: ResumableSession, extensions: Extension[]): void {
    this.sessionId = cached.sessionId;
    this.master = cached.master;
    this.pskIdentity = cached.identity.type === 'psk' ? cached.identity.identity : '';
    const keys = keyBlock(this.suite!, cached.master, this.clientRandom, this.serverRandom);
    this.pendingRead = keys.clientWrite;
    this.pendingWrite = keys.serverWrite;
    const serverHello = this.nextMessage(HandshakeType.serverHello, encodeServerHello({
      version: DTLS_1_2, random: this.serverRandom, sessionId: cached.sessionId,
      cipherSuite: this.suite!.id, compressionMethod: 0, extensions,
    }));
    const finished = this.nextMessage(HandshakeType.finished, finishedVerifyData(cached.master, 'server', this.transcriptHash()));
    this.state = 'wait_finished_resumed';
    this.resumedSession = true;
    this.sendFlight([{ kind: 'handshake', epoch: 0, msg: serverHello }, { kind: 'ccs', epoch: 0 }, { kind: 'handshake', epoch: 1, msg: finished }], false);
  }

  protected handleHandshakeMessage(msg: HandshakeMessage): void {
    if (this.state === 'established') {
      // RFC 5746 4.4 style refusal: we never renegotiate.
      if (msg.type === HandshakeType.clientHello) this.sendAlert(AlertLevel.warning, AlertDescription.noRenegotiation);
      return;
    }
    if (this.state === 'wait_client_key_exchange' && msg.type === HandshakeType.clientKeyExchange) {
      const identityBytes = parseClientKeyExchangePsk(msg.body);
      this.hashMessage(msg);
      this.pskIdentity = decoder.decode(identityBytes);
      const found = this.pskStore(this.pskIdentity);
      if (found instanceof Promise) {
        this.runAsync(found.then((key) => { if (!this.isEnded) this.deriveKeys(key); }));
      } else {
        this.deriveKeys(found);
      }
      return;
    }
    if (this.state === 'wait_finished' && msg.type === HandshakeType.finished) {
      if (this.read.epoch === 0) throw new DtlsError('E_DTLS_UNEXPECTED_MESSAGE', 'Finished before ChangeCipherSpec');
      const master = this.master!;
      const expected = finishedVerifyData(master, 'client', this.transcriptHash());
      if (!equalBytes(parseFinished(msg.body), expected)) throw new DtlsError('E_DTLS_DECRYPT_ERROR', 'client Finished does not verify');
      this.hashMessage(msg);
      const finished = this.nextMessage(HandshakeType.finished, finishedVerifyData(master, 'server', this.transcriptHash()));
      this.sendFlight([{ kind: 'ccs', epoch: 0 }, { kind: 'handshake', epoch: 1, msg: finished }], true);
      this.state = 'established';
      const identity = { type: 'psk', identity: this.pskIdentity } as const;
      if (this.sessions !== null && this.sessionId.length > 0) {
        this.sessions.set(sessionKey(this.sessionId), {
          sessionId: this.sessionId, master, suiteId: this.suite!.id, extendedMasterSecret: this.useEms, identity, createdAt: Date.now(),
        });
      }
      this.markEstablished(identity);
      return;
    }
    if (this.state === 'wait_finished_resumed' && msg.type === HandshakeType.finished) {
      if (this.read.epoch === 0) throw new DtlsError('E_DTLS_UNEXPECTED_MESSAGE', 'Finished before ChangeCipherSpec');
      const expected = finishedVerifyData(this.master!, 'client', this.transcriptHash());
      if (!equalBytes(parseFinished(msg.body), expected)) throw new DtlsError('E_DTLS_DECRYPT_ERROR', 'client Finished does not verify');
      this.hashMessage(msg);
      this.timer.stop();
      this.state = 'established';
      this.markEstablished({ type: 'psk', identity: this.pskIdentity });
      return;
    }
    throw new DtlsError('E_DTLS_UNEXPECTED_MESSAGE', `handshake message ${msg.type} unexpected in ${this.state}`);
  }

  private deriveKeys(psk: Uint8Array | undefined): void {
    if (psk === undefined) throw new DtlsError('E_DTLS_UNKNOWN_PSK_IDENTITY', `unknown PSK identity ${JSON.stringify(this.pskIdentity)}`);
    const suite = this.suite!;
    const master = masterSecret(pskPremaster(psk), this.clientRandom, this.serverRandom, this.useEms ? this.transcriptHash() : null);
    const keys = keyBlock(suite, master, this.clientRandom, this.serverRandom);
    this.master = master;
    this.pendingRead = keys.clientWrite;
    this.pendingWrite = keys.serverWrite;
    this.state = 'wait_finished';
  }
}
