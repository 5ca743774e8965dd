import type { ECDH, KeyObject, X509Certificate } from 'node:crypto';
import type { PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import { concat, equalBytes } from './bytes.js';
import { Connection } from './connection.js';
import type { ConnectionHost, ConnectionOptions } from './connection.js';
import { DtlsError } from './dtls-error.js';
import {
  EMPTY_RENEGOTIATION_INFO, encodeConnectionId, encodeU16List, ExtensionType, findExtension, parseConnectionId,
} from './extensions.js';
import type { Extension } from './extensions.js';
import { HandshakeType } from './handshake-fragment.js';
import type { HandshakeMessage } from './handshake-fragment.js';
import { encodeClientHello, parseHelloVerifyRequest, parseServerHello } from './handshake-hello.js';
import { encodeClientKeyExchangePsk, parseFinished, parseServerKeyExchangePsk } from './handshake-psk.js';
import {
  CERT_TYPE_RAW_PUBLIC_KEY, ECDSA_SECP256R1_SHA256, ecdsaSign, ecdsaVerify, encodeCertificateVerify,
  encodeClientKeyExchangeEcdhe, encodeRpkCertificate, ephemeralKey, parseCertificateRequest, parseRpkCertificate,
  parseServerKeyExchangeEcdhe, SECP256R1, sharedSecret,
} from './handshake-ecdhe.js';
import { finishedVerifyData, keyBlock, masterSecret, pskPremaster } from './key-schedule.js';
import { DTLS_1_2 } from './record.js';
import { peerPublicKey } from './rpk.js';
import type { LoadedRpk } from './rpk.js';
import { encodeCertificateList, parseCertificateList } from './x509.js';
import type { ResumableSession } from './session-cache.js';
import type { FlightEntry } from './connection.js';
import { randomBytesPooled } from './random-pool.js';

export interface PskCredentials {
  readonly identity: string;
  readonly key: Uint8Array;
}

/** Client credentials for one server: a PSK, a raw public key pair, or both (the server picks). */
export interface ClientCredentials {
  readonly psk?: PskCredentials;
  readonly rpk?: LoadedRpk & {
    /** Whether the server's key (SubjectPublicKeyInfo, DER) is the one we trust. */
    readonly verifyServerKey: (spki: Uint8Array) => boolean | Promise<boolean>;
  };
  readonly x509?: {
    readonly chain: readonly X509Certificate[];
    readonly privateKey: KeyObject;
    /** Validates the server's chain (DER, leaf first); returns the leaf or throws DtlsError. */
    readonly verifyServerChain: (ders: Uint8Array[]) => X509Certificate | Promise<X509Certificate>;
  };
}

type ClientState =
  | 'wait_server_hello' | 'wait_server_hello_done'
  | 'wait_certificate' | 'wait_server_key_exchange' | 'wait_certificate_request_or_done'
  | 'wait_finished' | 'wait_finished_resumed' | 'established';

/** A server may ask for a fresh cookie more than once (a secret rotated between); not forever. */
const MAX_HELLO_VERIFY = 3;

/** The client side of the handshake: PSK or ECDHE_ECDSA with raw public keys. */
export class ClientConnection extends Connection {
  readonly role = 'client' as const;
  private state: ClientState = 'wait_server_hello';
  private readonly clientRandom = randomBytesPooled(32);
  private serverRandom: Uint8Array = new Uint8Array(0);
  private cookie: Uint8Array = new Uint8Array(0);
  private helloVerifies = 0;
  private lastHello: HandshakeMessage | null = null;
  private useEms = false;
  private useEtm = false;
  private master: Uint8Array | null = null;
  private sawKeyExchange = false;
  private serverSessionId: Uint8Array = new Uint8Array(0);
  private serverKey: KeyObject | null = null;
  private serverSpki: Uint8Array | null = null;
  private serverPoint: Uint8Array | null = null;
  private certificateRequested = false;
  /** How the ECDHE_ECDSA peers show their keys: RFC 7250 raw keys or X.509 chains. */
  private certMode: 'rpk' | 'x509' = 'x509';

  constructor(
    peer: PeerAddress, host: ConnectionHost, options: ConnectionOptions, private readonly creds: ClientCredentials,
    private readonly offerCid = false, private readonly resume: ResumableSession | undefined = undefined,
  ) {
    super(peer, host, options);
  }

  /** After a full handshake with a server that gave a session ID: what a later resumption needs. */
  get session(): ResumableSession | undefined {
    if (!this.isEstablished || this.master === null || this.serverSessionId.length === 0) return undefined;
    return {
      sessionId: this.serverSessionId, master: this.master, suiteId: this.suite!.id,
      extendedMasterSecret: this.useEms, identity: this.identity!, createdAt: Date.now(),
    };
  }

  get extendedMasterSecret(): boolean { return this.useEms; }
  get encryptThenMac(): boolean { return this.useEtm; }

  start(): void {
    try {
      this.sendHello();
    } catch (e) {
      this.failWith(e);
    }
  }

  /** Suites we can take part in with the credentials we have, in preference order. */
  private offeredSuites(): number[] {
    return this.options.suites
      .filter((s) => (s.keyExchange === 'psk' ? this.creds.psk !== undefined : this.creds.rpk !== undefined || this.creds.x509 !== undefined))
      .map((s) => s.id);
  }

  private sendHello(): void {
    const suites = this.offeredSuites();
    if (suites.length === 0) throw new DtlsError('E_DTLS_CONFIG', 'no credentials for any configured cipher suite');
    const extensions: Extension[] = [
      { type: ExtensionType.renegotiationInfo, data: EMPTY_RENEGOTIATION_INFO },
      { type: ExtensionType.extendedMasterSecret, data: new Uint8Array(0) },
    ];
    if (this.options.suites.some((s) => s.kind === 'cbc' && suites.includes(s.id))) {
      extensions.push({ type: ExtensionType.encryptThenMac, data: new Uint8Array(0) });
    }
    // An empty CID: we send the server's CID but need none ourselves (RFC 9146 3).
    if (this.offerCid) extensions.push({ type: ExtensionType.connectionId, data: encodeConnectionId(new Uint8Array(0)) });
    if (this.creds.rpk !== undefined || this.creds.x509 !== undefined) {
      extensions.push(
        { type: ExtensionType.supportedGroups, data: encodeU16List([SECP256R1]) },
        { type: ExtensionType.ecPointFormats, data: Uint8Array.of(1, 0) },
        { type: ExtensionType.signatureAlgorithms, data: encodeU16List([ECDSA_SECP256R1_SHA256]) },
      );
    }
    // Raw keys are asked for explicitly; without these extensions both sides use X.509 (RFC 7250 4.1).
    if (this.creds.rpk !== undefined) {
      extensions.push(
        { type: ExtensionType.clientCertificateType, data: Uint8Array.of(1, CERT_TYPE_RAW_PUBLIC_KEY) },
        { type: ExtensionType.serverCertificateType, data: Uint8Array.of(1, CERT_TYPE_RAW_PUBLIC_KEY) },
      );
    }
    const body = encodeClientHello({
      version: DTLS_1_2, random: this.clientRandom, sessionId: this.resume?.sessionId ?? new Uint8Array(0), cookie: this.cookie,
      cipherSuites: suites, compressionMethods: Uint8Array.of(0), extensions,
    });
    // Hashed only once we know which ClientHello the server answered (RFC 6347 4.2.6).
    this.lastHello = this.nextMessage(HandshakeType.clientHello, body, false);
    this.sendFlight([{ kind: 'handshake', epoch: 0, msg: this.lastHello }], false);
  }

  protected awaitingPeerFinished(): boolean { return this.state === 'wait_finished' || this.state === 'wait_finished_resumed'; }

  protected handleHandshakeMessage(msg: HandshakeMessage): void {
    switch (this.state) {
      case 'wait_server_hello':
        if (msg.type === HandshakeType.helloVerifyRequest) return this.onHelloVerify(msg);
        if (msg.type === HandshakeType.serverHello) return this.onServerHello(msg);
        break;
      case 'wait_server_hello_done':
        if (msg.type === HandshakeType.serverKeyExchange && !this.sawKeyExchange) {
          parseServerKeyExchangePsk(msg.body);
          this.sawKeyExchange = true;
          this.hashMessage(msg);
          return;
        }
        if (msg.type === HandshakeType.serverHelloDone) return this.onServerHelloDone(msg);
        break;
      case 'wait_certificate':
        if (msg.type === HandshakeType.certificate) return this.onServerCertificate(msg);
        break;
      case 'wait_server_key_exchange':
        if (msg.type === HandshakeType.serverKeyExchange) return this.onServerKeyExchangeEcdhe(msg);
        break;
      case 'wait_certificate_request_or_done':
        if (msg.type === HandshakeType.certificateRequest && !this.certificateRequested) {
          parseCertificateRequest(msg.body);
          this.certificateRequested = true;
          this.hashMessage(msg);
          return;
        }
        if (msg.type === HandshakeType.serverHelloDone) return this.onServerHelloDone(msg);
        break;
      case 'wait_finished':
        if (msg.type === HandshakeType.finished) return this.onFinished(msg);
        break;
      case 'wait_finished_resumed':
        if (msg.type === HandshakeType.finished) return this.onResumedFinished(msg);
        break;
      case 'established':
        // HelloRequest and anything later: we do not renegotiate; ignore.
        return;
    }
    throw new DtlsError('E_DTLS_UNEXPECTED_MESSAGE', `handshake message ${msg.type} unexpected in ${this.state}`);
  }

  private onHelloVerify(msg: HandshakeMessage): void {
    const hvr = parseHelloVerifyRequest(msg.body);
    if (++this.helloVerifies > MAX_HELLO_VERIFY) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'too many HelloVerifyRequests');
    if (hvr.cookie.length === 0) throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', 'empty cookie');
    this.cookie = new Uint8Array(hvr.cookie);
    this.sendHello();
  }

  private onServerHello(msg: HandshakeMessage): void {
    const sh = parseServerHello(msg.body);
    if (sh.version !== DTLS_1_2) throw new DtlsError('E_DTLS_PROTOCOL_VERSION', `server chose version 0x${sh.version.toString(16)}`);
    const suite = this.options.suites.find((s) => s.id === sh.cipherSuite);
    if (suite === undefined || !this.offeredSuites().includes(suite.id)) {
      throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', `server chose a suite we did not offer: 0x${sh.cipherSuite.toString(16)}`);
    }
    if (sh.compressionMethod !== 0) throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', 'server chose compression');
    const ecdhe = suite.keyExchange === 'ecdhe_ecdsa';
    const allowed = new Set<number>([ExtensionType.extendedMasterSecret, ExtensionType.renegotiationInfo]);
    if (suite.kind === 'cbc') allowed.add(ExtensionType.encryptThenMac);
    if (this.offerCid) allowed.add(ExtensionType.connectionId);
    if (this.creds.rpk !== undefined || this.creds.x509 !== undefined) allowed.add(ExtensionType.ecPointFormats);
    if (this.creds.rpk !== undefined) {
      for (const t of [ExtensionType.clientCertificateType, ExtensionType.serverCertificateType]) allowed.add(t);
    }
    for (const e of sh.extensions) {
      if (!allowed.has(e.type)) throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', `server sent extension ${e.type} we did not offer`);
    }
    const reneg = findExtension(sh.extensions, ExtensionType.renegotiationInfo);
    if (reneg !== undefined && !equalBytes(reneg.data, EMPTY_RENEGOTIATION_INFO)) {
      throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'non-empty renegotiation_info in an initial handshake');
    }
    const ems = findExtension(sh.extensions, ExtensionType.extendedMasterSecret);
    if (ems !== undefined && ems.data.length !== 0) throw new DtlsError('E_DTLS_DECODE', 'extended_master_secret with data');
    this.useEms = ems !== undefined;
    if (!this.useEms && this.options.requireExtendedMasterSecret) {
      throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'server does not support the extended master secret');
    }
    this.useEtm = findExtension(sh.extensions, ExtensionType.encryptThenMac) !== undefined;
    const cid = findExtension(sh.extensions, ExtensionType.connectionId);
    if (cid !== undefined) {
      const serverCid = parseConnectionId(cid.data);
      this.writeCid = serverCid.length > 0 ? new Uint8Array(serverCid) : null;
    }
    if (ecdhe) {
      // RFC 7250 4.2: the server names the certificate type it chose; no extension means X.509.
      const st = findExtension(sh.extensions, ExtensionType.serverCertificateType);
      if (st !== undefined) {
        if (st.data.length !== 1 || st.data[0] !== CERT_TYPE_RAW_PUBLIC_KEY || this.creds.rpk === undefined) {
          throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'server chose a certificate type we did not offer');
        }
        this.certMode = 'rpk';
      } else {
        if (this.creds.x509 === undefined) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'server uses X.509 and we have no trusted roots');
        this.certMode = 'x509';
      }
      const ct = findExtension(sh.extensions, ExtensionType.clientCertificateType);
      const clientMode = ct === undefined ? 'x509' : ct.data.length === 1 && ct.data[0] === CERT_TYPE_RAW_PUBLIC_KEY ? 'rpk' : 'none';
      if (clientMode !== this.certMode) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'server wants a client certificate type we do not have');
    }
    this.suite = suite;
    this.serverRandom = new Uint8Array(sh.random);
    this.serverSessionId = new Uint8Array(sh.sessionId);
    this.hashMessage(this.lastHello!);
    this.hashMessage(msg);
    const r = this.resume;
    if (r !== undefined && sh.sessionId.length > 0 && equalBytes(sh.sessionId, r.sessionId)) {
      // The server resumes (RFC 5246 7.3): same suite, same EMS use (RFC 7627 5.3), old master.
      if (suite.id !== r.suiteId) throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', 'resumed session with another cipher suite');
      if (this.useEms !== r.extendedMasterSecret) throw new DtlsError('E_DTLS_HANDSHAKE_FAILURE', 'resumed session changes extended master secret use');
      this.master = r.master;
      const keys = keyBlock(suite, r.master, this.clientRandom, this.serverRandom, this.useEtm);
      this.pendingWrite = keys.clientWrite;
      this.pendingRead = keys.serverWrite;
      this.resumedSession = true;
      this.state = 'wait_finished_resumed';
      return;
    }
    this.state = ecdhe ? 'wait_certificate' : 'wait_server_hello_done';
  }

  private onServerCertificate(msg: HandshakeMessage): void {
    if (this.certMode === 'x509') {
      const ders = parseCertificateList(msg.body);
      this.hashMessage(msg);
      this.state = 'wait_server_key_exchange';
      const accept = (leaf: X509Certificate): void => {
        this.serverKey = peerPublicKey(new Uint8Array(leaf.publicKey.export({ type: 'spki', format: 'der' })));
        this.x509Identity = { type: 'x509', subject: leaf.subject, certificate: new Uint8Array(leaf.raw) };
      };
      const checked = this.creds.x509!.verifyServerChain(ders);
      if (checked instanceof Promise) this.runAsync(checked.then(accept));
      else accept(checked);
      return;
    }
    const spki = parseRpkCertificate(msg.body);
    this.serverKey = peerPublicKey(spki);
    this.serverSpki = new Uint8Array(spki);
    this.hashMessage(msg);
    this.state = 'wait_server_key_exchange';
    const trusted = this.creds.rpk!.verifyServerKey(this.serverSpki);
    const decide = (ok: boolean): void => {
      if (!ok) throw new DtlsError('E_DTLS_UNKNOWN_PEER_KEY', 'the server\'s raw public key is not the trusted one');
    };
    if (trusted instanceof Promise) this.runAsync(trusted.then(decide));
    else decide(trusted);
  }

  private onServerKeyExchangeEcdhe(msg: HandshakeMessage): void {
    const ske = parseServerKeyExchangeEcdhe(msg.body);
    const signed = concat(this.clientRandom, this.serverRandom, ske.params);
    if (!ecdsaVerify(this.serverKey!, signed, ske.signature)) throw new DtlsError('E_DTLS_DECRYPT_ERROR', 'ServerKeyExchange signature does not verify');
    this.serverPoint = new Uint8Array(ske.point);
    this.hashMessage(msg);
    this.state = 'wait_certificate_request_or_done';
  }

  private onServerHelloDone(msg: HandshakeMessage): void {
    if (msg.body.length !== 0) throw new DtlsError('E_DTLS_DECODE', 'ServerHelloDone with a body');
    this.hashMessage(msg);
    const flight: FlightEntry[] = [];
    let premaster: Uint8Array;
    let cke: HandshakeMessage;
    let signer: (() => HandshakeMessage) | null = null;
    let identity: PeerIdentity;
    if (this.suite!.keyExchange === 'psk') {
      const psk = this.creds.psk!;
      cke = this.nextMessage(HandshakeType.clientKeyExchange, encodeClientKeyExchangePsk(new TextEncoder().encode(psk.identity)));
      premaster = pskPremaster(psk.key);
      identity = { type: 'psk', identity: psk.identity };
    } else {
      const rpk = this.creds.rpk;
      const x509 = this.creds.x509;
      const signingKey = this.certMode === 'rpk' ? rpk!.privateKey : x509!.privateKey;
      if (this.certificateRequested) {
        const body = this.certMode === 'rpk' ? encodeRpkCertificate(rpk!.spki) : encodeCertificateList(x509!.chain);
        flight.push({ kind: 'handshake', epoch: 0, msg: this.nextMessage(HandshakeType.certificate, body) });
      }
      const ecdh: ECDH = ephemeralKey();
      cke = this.nextMessage(HandshakeType.clientKeyExchange, encodeClientKeyExchangeEcdhe(new Uint8Array(ecdh.getPublicKey())));
      premaster = sharedSecret(ecdh, this.serverPoint!);
      // CertificateVerify signs every handshake message so far, up to the ClientKeyExchange.
      if (this.certificateRequested) {
        const signed = this.transcriptBytes();
        signer = () => this.nextMessage(HandshakeType.certificateVerify, encodeCertificateVerify(ecdsaSign(signingKey, signed)));
      }
      identity = this.certMode === 'rpk' ? { type: 'rpk', publicKey: this.serverSpki! } : this.x509Identity!;
    }
    flight.push({ kind: 'handshake', epoch: 0, msg: cke });
    // RFC 7627: the session hash ends with the ClientKeyExchange.
    const master = masterSecret(premaster, this.clientRandom, this.serverRandom, this.useEms ? this.transcriptHash() : null);
    if (signer !== null) flight.push({ kind: 'handshake', epoch: 0, msg: signer() });
    const keys = keyBlock(this.suite!, master, this.clientRandom, this.serverRandom, this.useEtm);
    this.master = master;
    this.pendingWrite = keys.clientWrite;
    this.pendingRead = keys.serverWrite;
    this.peerIdentity = identity;
    const finished = this.nextMessage(HandshakeType.finished, finishedVerifyData(master, 'client', this.transcriptHash()));
    this.state = 'wait_finished';
    flight.push({ kind: 'ccs', epoch: 0 }, { kind: 'handshake', epoch: 1, msg: finished });
    this.sendFlight(flight, false);
  }

  private peerIdentity: PeerIdentity | null = null;
  private x509Identity: PeerIdentity | null = null;

  private onFinished(msg: HandshakeMessage): void {
    if (this.read.epoch === 0) throw new DtlsError('E_DTLS_UNEXPECTED_MESSAGE', 'Finished before ChangeCipherSpec');
    const expected = finishedVerifyData(this.master!, 'server', this.transcriptHash());
    if (!equalBytes(parseFinished(msg.body), expected)) throw new DtlsError('E_DTLS_DECRYPT_ERROR', 'server Finished does not verify');
    this.hashMessage(msg);
    this.timer.stop();
    this.lastFlight = null;
    this.state = 'established';
    this.markEstablished(this.peerIdentity!);
  }

  private onResumedFinished(msg: HandshakeMessage): void {
    if (this.read.epoch === 0) throw new DtlsError('E_DTLS_UNEXPECTED_MESSAGE', 'Finished before ChangeCipherSpec');
    const master = this.master!;
    const expected = finishedVerifyData(master, 'server', this.transcriptHash());
    if (!equalBytes(parseFinished(msg.body), expected)) throw new DtlsError('E_DTLS_DECRYPT_ERROR', 'server Finished does not verify');
    this.hashMessage(msg);
    const finished = this.nextMessage(HandshakeType.finished, finishedVerifyData(master, 'client', this.transcriptHash()));
    // Our flight is the last: resent only when the server repeats its own.
    this.sendFlight([{ kind: 'ccs', epoch: 0 }, { kind: 'handshake', epoch: 1, msg: finished }], true);
    this.state = 'established';
    this.markEstablished(this.resume!.identity);
  }
}
