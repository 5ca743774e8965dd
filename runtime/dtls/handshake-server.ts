import type { ECDH, KeyObject, X509Certificate } from 'node:crypto';
import type { PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import { TLS_EMPTY_RENEGOTIATION_INFO_SCSV } from './cipher-suite.js';
import type { CipherSuite } from './cipher-suite.js';
import { Connection } from './connection.js';
import type { ConnectionHost, ConnectionOptions, FlightEntry } from './connection.js';
import { DtlsError } from './dtls-error.js';
import {
  EMPTY_RENEGOTIATION_INFO, encodeConnectionId, ExtensionType, findExtension, parseConnectionId, parseU16List,
} from './extensions.js';
import type { Extension } from './extensions.js';
import { HandshakeType } from './handshake-fragment.js';
import type { HandshakeMessage } from './handshake-fragment.js';
import { encodeServerHello } from './handshake-hello.js';
import type { ClientHello } from './handshake-hello.js';
import { parseClientKeyExchangePsk, parseFinished } from './handshake-psk.js';
import {
  CERT_TYPE_RAW_PUBLIC_KEY, ECDSA_SECP256R1_SHA256, ecdsaVerify, encodeCertificateRequest, encodeRpkCertificate,
  encodeServerKeyExchangeEcdhe, ephemeralKey, parseCertificateVerify, parseClientKeyExchangeEcdhe, parseRpkCertificate,
  SECP256R1, sharedSecret,
} from './handshake-ecdhe.js';
import { equalBytes } from './bytes.js';
import { finishedVerifyData, keyBlock, masterSecret, pskPremaster } from './key-schedule.js';
import { DTLS_1_2 } from './record.js';
import { AlertDescription, AlertLevel } from './alert.js';
import { peerPublicKey } from './rpk.js';
import type { LoadedRpk } from './rpk.js';
import { encodeCertificateList, parseCertificateList } from './x509.js';
import { sessionKey } from './session-cache.js';
import type { ResumableSession, SessionCache } from './session-cache.js';
import { randomBytesPooled } from './random-pool.js';

/** Server-side PSK lookup: the key for an identity, or undefined when unknown. */
export type PskStore = (identity: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** Server credentials: a PSK store, a raw public key pair with a client-key check, or both. */
export interface ServerCredentials {
  readonly pskStore?: PskStore;
  readonly rpk?: LoadedRpk & {
    /** Whether a client's key (SubjectPublicKeyInfo, DER) may connect. */
    readonly verifyClientKey: (spki: Uint8Array, peer: PeerAddress) => boolean | Promise<boolean>;
  };
  readonly x509?: {
    readonly chain: readonly X509Certificate[];
    readonly privateKey: KeyObject;
    /** Validates a client's chain (DER, leaf first); returns the leaf or throws DtlsError. */
    readonly verifyClientChain: (ders: Uint8Array[], peer: PeerAddress) => X509Certificate | Promise<X509Certificate>;
  };
  /** Whether a cached session's identity may still resume; false: a full handshake instead. */
  readonly verifyResumption?: (identity: PeerIdentity, peer: PeerAddress) => boolean | Promise<boolean>;
}

type ServerState =
  | 'wait_client_certificate' | 'wait_client_key_exchange' | 'wait_certificate_verify'
  | 'wait_finished' | 'wait_finished_resumed' | 'established';

const decoder = new TextDecoder();

/** The server side of the handshake, created once a ClientHello's cookie checked out. */
export class ServerConnection extends Connection {
  readonly role = 'server' as const;
  private state: ServerState = 'wait_client_key_exchange';
  private clientRandom: Uint8Array = new Uint8Array(0);
  private readonly serverRandom = randomBytesPooled(32);
  private useEms = false;
  private useEtm = false;
  private master: Uint8Array | null = null;
  private peerIdentity: PeerIdentity | null = null;
  private sessionId: Uint8Array = new Uint8Array(0);
  private ecdh: ECDH | null = null;
  private clientKey: KeyObject | null = null;
  /** The transcript up to the ClientKeyExchange: what the client's CertificateVerify signs. */
  private signedTranscript: Uint8Array | null = null;

  constructor(
    peer: PeerAddress, host: ConnectionHost, options: ConnectionOptions,
    private readonly creds: ServerCredentials, private readonly sessions: SessionCache | null,
  ) {
    super(peer, host, options);
  }

  get helloRandom(): Uint8Array { return this.clientRandom; }
  /** Who the client claims to be so far in its handshake (PSK identity, key, certificate); null before it said. */
  get claimedIdentity(): PeerIdentity | null { return this.peerIdentity; }
  get extendedMasterSecret(): boolean { return this.useEms; }
  get encryptThenMac(): boolean { return this.useEtm; }

  /**
   * How both sides would show their keys for ECDHE_ECDSA, or null if we cannot agree:
   * raw public keys when the client asks for them both ways (RFC 7250), X.509 when it names
   * no certificate types (or lists X.509), P-256 and SHA-256 in any case (RFC 8422).
   */
  private certModeFor(hello: ClientHello): 'rpk' | 'x509' | null {
    const listHas = (d: Uint8Array, v: number): boolean => d.length >= 1 && d.subarray(1, 1 + d[0]!).includes(v);
    const groups = findExtension(hello.extensions, ExtensionType.supportedGroups);
    const sigs = findExtension(hello.extensions, ExtensionType.signatureAlgorithms);
    const points = findExtension(hello.extensions, ExtensionType.ecPointFormats);
    if (groups !== undefined && !safeList(groups.data).includes(SECP256R1)) return null;
    if (sigs !== undefined && !safeList(sigs.data).includes(ECDSA_SECP256R1_SHA256)) return null;
    if (points !== undefined && !listHas(points.data, 0)) return null;
    const st = findExtension(hello.extensions, ExtensionType.serverCertificateType);
    const ct = findExtension(hello.extensions, ExtensionType.clientCertificateType);
    const both = (type: number): boolean => (st === undefined ? type === 0 : listHas(st.data, type)) && (ct === undefined ? type === 0 : listHas(ct.data, type));
    if (this.creds.rpk !== undefined && both(CERT_TYPE_RAW_PUBLIC_KEY)) return 'rpk';
    if (this.creds.x509 !== undefined && both(0)) return 'x509';
    return null;
  }

  private chooseSuite(hello: ClientHello): CipherSuite | undefined {
    return this.options.suites.find((s) => hello.cipherSuites.includes(s.id) && (s.keyExchange === 'psk'
      ? this.creds.pskStore !== undefined
      : this.certModeFor(hello) !== null));
  }

  private certMode: 'rpk' | 'x509' = 'rpk';

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
      const suite = this.chooseSuite(hello);
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
      // RFC 7366: only for CBC suites, and only if asked.
      this.useEtm = suite.kind === 'cbc' && findExtension(hello.extensions, ExtensionType.encryptThenMac) !== undefined;
      if (this.useEtm) extensions.push({ type: ExtensionType.encryptThenMac, data: new Uint8Array(0) });
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
      if (suite.keyExchange === 'ecdhe_ecdsa') {
        this.certMode = this.certModeFor(hello)!;
        if (findExtension(hello.extensions, ExtensionType.ecPointFormats) !== undefined) {
          extensions.push({ type: ExtensionType.ecPointFormats, data: Uint8Array.of(1, 0) });
        }
        // RFC 7250 4.2: in ServerHello, the one type chosen, as a single byte, for each
        // extension the client sent.
        const chosen = this.certMode === 'rpk' ? CERT_TYPE_RAW_PUBLIC_KEY : 0;
        for (const t of [ExtensionType.clientCertificateType, ExtensionType.serverCertificateType]) {
          if (findExtension(hello.extensions, t) !== undefined) extensions.push({ type: t, data: Uint8Array.of(chosen) });
        }
      }
      const resumed = this.resumable(hello);
      if (resumed !== undefined) {
        // The identity may have lost its credentials since: resuming would skip their check.
        const ok = this.creds.verifyResumption?.(resumed.identity, this.peer) ?? true;
        if (ok === true) { this.resume(resumed, extensions); return; }
        if (ok instanceof Promise) {
          this.runAsync(ok.then((yes) => {
            if (this.isEnded) return;
            if (yes) this.resume(resumed, extensions);
            else this.fullHandshake(suite, extensions, resumed);
          }));
          return;
        }
      }
      this.fullHandshake(suite, extensions, resumed);
    } catch (e) {
      this.failWith(e);
    }
  }

  /** Flight 4 of a full handshake; a cached session refused for resumption is forgotten first. */
  private fullHandshake(suite: CipherSuite, extensions: Extension[], refused: ResumableSession | undefined): void {
    if (refused !== undefined) this.sessions?.delete(sessionKey(refused.sessionId));
    if (this.sessions !== null) this.sessionId = randomBytesPooled(32);
    const flight: FlightEntry[] = [];
    const add = (type: number, body: Uint8Array): void => { flight.push({ kind: 'handshake', epoch: 0, msg: this.nextMessage(type, body) }); };
    add(HandshakeType.serverHello, encodeServerHello({
      version: DTLS_1_2, random: this.serverRandom, sessionId: this.sessionId,
      cipherSuite: suite.id, compressionMethod: 0, extensions,
    }));
    if (suite.keyExchange === 'ecdhe_ecdsa') {
      this.ecdh = ephemeralKey();
      const rpkMode = this.certMode === 'rpk';
      const signingKey = rpkMode ? this.creds.rpk!.privateKey : this.creds.x509!.privateKey;
      add(HandshakeType.certificate, rpkMode ? encodeRpkCertificate(this.creds.rpk!.spki) : encodeCertificateList(this.creds.x509!.chain));
      add(HandshakeType.serverKeyExchange, encodeServerKeyExchangeEcdhe(new Uint8Array(this.ecdh.getPublicKey()), this.clientRandom, this.serverRandom, signingKey));
      // LwM2M authenticates the client too: ask for its raw public key.
      add(HandshakeType.certificateRequest, encodeCertificateRequest());
      this.state = 'wait_client_certificate';
    }
    add(HandshakeType.serverHelloDone, new Uint8Array(0));
    this.sendFlight(flight, false);
  }

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
    this.peerIdentity = cached.identity;
    const keys = keyBlock(this.suite!, cached.master, this.clientRandom, this.serverRandom, this.useEtm);
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
    if (this.state === 'wait_client_certificate' && msg.type === HandshakeType.certificate && this.certMode === 'x509') {
      const ders = parseCertificateList(msg.body);
      // An empty list: the client has no certificate; LwM2M needs one.
      if (ders.length === 0) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'the client sent no certificate');
      this.hashMessage(msg);
      this.state = 'wait_client_key_exchange';
      const accept = (leaf: X509Certificate): void => {
        this.clientKey = peerPublicKey(new Uint8Array(leaf.publicKey.export({ type: 'spki', format: 'der' })));
        this.peerIdentity = { type: 'x509', subject: leaf.subject, certificate: new Uint8Array(leaf.raw) };
      };
      const checked = this.creds.x509!.verifyClientChain(ders, this.peer);
      if (checked instanceof Promise) this.runAsync(checked.then(accept));
      else accept(checked);
      return;
    }
    if (this.state === 'wait_client_certificate' && msg.type === HandshakeType.certificate) {
      const spki = new Uint8Array(parseRpkCertificate(msg.body));
      this.clientKey = peerPublicKey(spki);
      this.hashMessage(msg);
      this.peerIdentity = { type: 'rpk', publicKey: spki };
      this.state = 'wait_client_key_exchange';
      const trusted = this.creds.rpk!.verifyClientKey(spki, this.peer);
      const decide = (ok: boolean): void => {
        if (!ok) throw new DtlsError('E_DTLS_UNKNOWN_PEER_KEY', 'the client\'s raw public key is not known');
      };
      if (trusted instanceof Promise) this.runAsync(trusted.then(decide));
      else decide(trusted);
      return;
    }
    if (this.state === 'wait_client_key_exchange' && msg.type === HandshakeType.clientKeyExchange) {
      if (this.suite!.keyExchange === 'ecdhe_ecdsa') {
        const premaster = sharedSecret(this.ecdh!, parseClientKeyExchangeEcdhe(msg.body));
        this.hashMessage(msg);
        this.signedTranscript = this.transcriptBytes();
        this.deriveKeys(premaster);
        this.state = 'wait_certificate_verify';
        return;
      }
      const identity = decoder.decode(parseClientKeyExchangePsk(msg.body));
      this.hashMessage(msg);
      this.peerIdentity = { type: 'psk', identity };
      const found = this.creds.pskStore!(identity);
      const use = (key: Uint8Array | undefined): void => {
        if (key === undefined) throw new DtlsError('E_DTLS_UNKNOWN_PSK_IDENTITY', `unknown PSK identity ${JSON.stringify(identity)}`);
        this.deriveKeys(pskPremaster(key));
      };
      if (found instanceof Promise) this.runAsync(found.then((key) => { if (!this.isEnded) use(key); }));
      else use(found);
      return;
    }
    if (this.state === 'wait_certificate_verify' && msg.type === HandshakeType.certificateVerify) {
      if (!ecdsaVerify(this.clientKey!, this.signedTranscript!, parseCertificateVerify(msg.body))) {
        throw new DtlsError('E_DTLS_DECRYPT_ERROR', 'CertificateVerify does not verify');
      }
      this.hashMessage(msg);
      this.signedTranscript = null;
      this.state = 'wait_finished';
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
      const identity = this.peerIdentity!;
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
      this.markEstablished(this.peerIdentity!);
      return;
    }
    throw new DtlsError('E_DTLS_UNEXPECTED_MESSAGE', `handshake message ${msg.type} unexpected in ${this.state}`);
  }

  /** Keys from the premaster; the session hash (RFC 7627) ends with the ClientKeyExchange. */
  private deriveKeys(premaster: Uint8Array): void {
    const suite = this.suite!;
    const master = masterSecret(premaster, this.clientRandom, this.serverRandom, this.useEms ? this.transcriptHash() : null);
    const keys = keyBlock(suite, master, this.clientRandom, this.serverRandom, this.useEtm);
    this.master = master;
    this.pendingRead = keys.clientWrite;
    this.pendingWrite = keys.serverWrite;
    this.state = 'wait_finished';
  }
}

/** A u16 list extension body, or [] when it does not parse (the caller then treats it as absent support). */
function safeList(data: Uint8Array): number[] {
  try {
    return parseU16List(data);
  } catch {
    return [];
  }
}
