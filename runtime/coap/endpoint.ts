/**
 * A CoAP endpoint (RFC 7252, 7641, 7959) over any DatagramTransport. One socket serves both
 * directions: it answers requests and sends its own, so an LwM2M server reaches a client
 * from the port the client registered to.
 */
import type { Datagram, DatagramTransport, PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import { peerKey } from '../transport/datagram-transport.js';
import { type BlockValue, blockSize, decodeBlock, encodeBlock, szxForSize } from './block-option.js';
import { BoundedStore } from './bounded-store.js';
import { type Clock, type TimerHandle, systemClock } from './clock.js';
import { decode, encode, encodeEmpty } from './codec.js';
import { EMPTY_CODE, Method, MessageType, ResponseCode, codeText, isRequestCode, isResponseCode, methodName } from './codes.js';
import { DedupCache, type DedupEntry } from './dedup-cache.js';
import { CoapError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import type { CoapMessage, CoapOption } from './message.js';
import { ClientObservation } from './client-observation.js';
import type { ObservationHost, ServerObservation } from './observe.js';
import { ServerRequest } from './server-request.js';
import { OptionNumber as O, encodeUint, findOption, firstBadCriticalOption, getStrings, getUint, hasOption, pathOptions, stringOption, uintOption } from './options.js';
import { type DerivedTimes, type TransmissionParameters, deriveTimes, resolveParameters } from './parameters.js';
import type { CoapResponse, OutgoingResponse, RequestHandler, RequestInit } from './request.js';
import { TokenSource, tokenKey } from './token-source.js';
import { bodyKey, requestKey, sameBytes } from './block-keys.js';
import { Exchange, type ExchangeHost, type ExchangeRequest, type ExchangeResult } from './exchange.js';
import { PeerTable } from './peer-table.js';
import { IGNORE_OUTCOME, Retransmitter } from './retransmitter.js';

export interface EndpointOptions {
  readonly transport: DatagramTransport;
  readonly parameters?: Partial<TransmissionParameters>;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Random number in [0, 1) for the ACK_RANDOM_FACTOR jitter; Math.random by default. */
  readonly random?: () => number;
  /** Preferred block size, 16..1024 (1024). */
  readonly blockSize?: number;
  /** Largest body reassembled or sent block-wise, in bytes (1 MiB). */
  readonly maxBodySize?: number;
  /** Peers with per-peer state (message IDs, NSTART queue) kept at most (10,000); idle ones are forgotten first. */
  readonly maxPeers?: number;
  /** Observations this endpoint serves at most (10,000); past it a registration is answered without Observe. */
  readonly maxObservations?: number;
  /** Duplicate-detection entries kept at most (100,000). */
  readonly maxDedupEntries?: number;
  /** Concurrent Block1 reassemblies and stored Block2 bodies, each (256). */
  readonly maxBlockTransfers?: number;
  /** Bytes held by all Block1 reassemblies together, and by all stored Block2 bodies together (16 MiB each); the oldest go first. */
  readonly maxBlockBytes?: number;
  /** How long a handler may take before a CON request gets an empty ACK and a separate response (ACK_TIMEOUT / 2). */
  readonly separateResponseDelayMs?: number;
  /**
   * Datagrams go out together at the end of the current I/O turn (setImmediate), in order,
   * instead of each at once. A peer process woken by the first finds the others waiting,
   * instead of being woken for each; a server answering and asking many clients spends
   * less per datagram. Off by default (the LwM2M server turns it on).
   */
  readonly coalesceSends?: boolean;
}

/** See CoapEndpoint.onUnknownNotification. */
export type UnknownNotificationHandler = (notification: { readonly peer: PeerAddress; readonly identity: PeerIdentity | undefined; readonly token: Uint8Array }) => Promise<boolean>;

export interface EndpointStats {
  received: number;
  sent: number;
  malformed: number;
  duplicates: number;
  retransmissions: number;
  resetsSent: number;
  resetsReceived: number;
  handlerErrors: number;
  /** Failures inside the layer itself while processing a datagram (bugs); never thrown. */
  internalErrors: number;
  sendErrors: number;
  unmatched: number;
  /** Messages whose ID was still in the duplicate cache under another token. */
  messageIdReuse: number;
}

/** A request we received whose handler answers asynchronously. */
interface PendingReply {
  readonly m: CoapMessage;
  readonly peer: PeerAddress;
  readonly entry: DedupEntry;
  readonly req: ServerRequest;
  readonly okey: string;
  readonly block1Echo: BlockValue | undefined;
  readonly b2: BlockValue | undefined;
  readonly bkey: string;
  timer: TimerHandle | undefined;
}

interface StoredBody {
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
}

interface Reassembly {
  chunks: Uint8Array[];
  length: number;
  contentFormat: number | undefined;
}

const EMPTY: Uint8Array = new Uint8Array(0);
const textEncoder = new TextEncoder();

function toBytes(p: Uint8Array | string | undefined): Uint8Array {
  return p === undefined ? EMPTY : typeof p === 'string' ? textEncoder.encode(p) : p;
}

export class CoapEndpoint implements ObservationHost, ExchangeHost {
  readonly parameters: TransmissionParameters;
  readonly times: DerivedTimes;
  readonly stats: EndpointStats = {
    received: 0, sent: 0, malformed: 0, duplicates: 0, retransmissions: 0, resetsSent: 0,
    resetsReceived: 0, handlerErrors: 0, internalErrors: 0, sendErrors: 0, unmatched: 0, messageIdReuse: 0,
  };

  private readonly transport: DatagramTransport;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly szx: number;
  private readonly maxBodySize: number;
  private readonly separateDelayMs: number;
  private readonly maxObservations: number;
  private readonly tokens = new TokenSource();
  private readonly peers: PeerTable<Exchange>;
  private readonly dedup: DedupCache;
  private readonly retx: Retransmitter;
  private readonly pending = new Map<string, Exchange>();
  /** Every unsettled exchange, including those queued behind NSTART, so close() can end them. */
  private readonly live = new Set<Exchange>();
  private readonly clientObservations = new Map<string, ClientObservation>();
  private readonly serverObservations = new Map<string, ServerObservation>();
  /** NON notifications recently sent, so an RST naming their message ID cancels the observation. */
  private readonly nonNotifications: BoundedStore<ServerObservation>;
  private readonly reassembly: BoundedStore<Reassembly>;
  private readonly storedBodies: BoundedStore<StoredBody>;
  private handler: RequestHandler | undefined;
  private unknownNotification: UnknownNotificationHandler | undefined;
  private closed = false;

  constructor(options: EndpointOptions) {
    this.transport = options.transport;
    this.parameters = resolveParameters(options.parameters);
    this.times = deriveTimes(this.parameters);
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.szx = szxForSize(options.blockSize ?? 1024);
    this.maxBodySize = options.maxBodySize ?? 1024 * 1024;
    this.peers = new PeerTable(options.maxPeers ?? 10_000, this.random);
    this.retx = new Retransmitter(this.parameters, this.clock, this.random, (b, p) => this.send(b, p), () => { this.stats.retransmissions++; });
    this.separateDelayMs = options.separateResponseDelayMs ?? this.parameters.ackTimeoutMs / 2;
    this.coalesce = options.coalesceSends === true;
    this.maxObservations = options.maxObservations ?? 10_000;
    this.dedup = new DedupCache(options.maxDedupEntries ?? 100_000);
    const transfers = options.maxBlockTransfers ?? 256;
    const blockBytes = options.maxBlockBytes ?? 16 * 1024 * 1024;
    this.reassembly = new BoundedStore<Reassembly>(transfers, this.times.exchangeLifetimeMs, blockBytes, (r) => r.length);
    this.storedBodies = new BoundedStore<StoredBody>(transfers, this.times.exchangeLifetimeMs, blockBytes, (b) => b.payload.length);
    this.nonNotifications = new BoundedStore(options.maxDedupEntries ?? 100_000, this.times.nonLifetimeMs);
    this.transport.onDatagram((d) => this.onDatagram(d));
  }

  /**
   * Peer keys of the address objects we send to again and again (a server's registrations):
   * looked up by identity instead of built and hashed anew per request (~4x cheaper).
   */
  private readonly peerKeys = new WeakMap<PeerAddress, { readonly address: string; readonly port: number; readonly key: string }>();

  private keyOf(peer: PeerAddress): string {
    const e = this.peerKeys.get(peer);
    // Checked, in case an address object was changed after use despite its readonly fields.
    if (e !== undefined && e.port === peer.port && e.address === peer.address) return e.key;
    const key = peerKey(peer);
    this.peerKeys.set(peer, { address: peer.address, port: peer.port, key });
    return key;
  }

  /** The local address of the transport. */
  address(): PeerAddress {
    return this.transport.address();
  }

  /** Sets the handler of incoming requests; without one they get 4.04. */
  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Asked about a 2.xx notification whose token matches no observation here (one made before a
   * restart, or by another process): resolving true after `resumeObservation` on that token
   * delivers it there (true without it leaves the notification unanswered); false, a rejection,
   * or no handler answers RST (RFC 7641 §3.6).
   */
  onUnknownNotification(handler: UnknownNotificationHandler): void {
    this.unknownNotification = handler;
  }

  /**
   * Takes up an observation registered earlier without sending anything: notifications on this
   * token from this peer go to `listener`. `init` is the registration request as it was sent
   * (Block2 follow-ups and cancel() repeat it).
   */
  resumeObservation(peer: PeerAddress, token: Uint8Array, init: RequestInit, listener: (notification: CoapResponse) => void): ClientObservation {
    const obs = new ClientObservation(this, peer, token, `${peerKey(peer)}|${tokenKey(token)}`, init, listener);
    this.clientObservations.set(obs.key, obs);
    return obs;
  }

  /** Peers and duplicate-detection entries currently held (for tests and monitoring). */
  get stateSize(): { peers: number; dedup: number; pending: number; outbox: number; observations: number } {
    return {
      peers: this.peers.size, dedup: this.dedup.size, pending: this.pending.size, outbox: this.retx.size,
      observations: this.serverObservations.size + this.clientObservations.size,
    };
  }

  // ---------------------------------------------------------------- client side

  /**
   * Sends a request and resolves with its response (any code; 4.xx/5.xx are responses, not
   * errors). Bodies larger than a block go block-wise both ways. Rejects with CoapError on
   * timeout, RST, abort or close.
   */
  request(peer: PeerAddress, init: RequestInit): Promise<CoapResponse> {
    try {
      return this.requestMessage(peer, init, undefined, undefined, undefined).then((r) => this.toResponse(r.message, peer, r.identity, undefined));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /**
   * Registers an observation (GET or FETCH with Observe=0). Resolves with the handle once the
   * first response arrived; `handle.active` is false when the server did not accept it.
   */
  async observe(peer: PeerAddress, init: RequestInit, listener: (notification: CoapResponse) => void): Promise<ClientObservation> {
    if (init.method !== 'GET' && init.method !== 'FETCH') throw new CoapError('E_COAP_INVALID_ARGUMENT', 'observe needs GET or FETCH');
    const token = this.tokens.next();
    const obs = new ClientObservation(this, peer, token, `${peerKey(peer)}|${tokenKey(token)}`, init, listener);
    this.clientObservations.set(obs.key, obs);
    try {
      const r = await this.requestMessage(peer, init, uintOption(O.Observe, 0), token, obs);
      const seq = getUint(r.message.options, O.Observe);
      if (seq === undefined || r.message.code >> 5 !== 2) obs.end();
      else obs.accept(seq, this.clock.now());
      obs.response = this.toResponse(r.message, peer, r.identity, undefined);
      return obs;
    } catch (e) {
      obs.end();
      throw e;
    }
  }

  /** Sends an empty CON (CoAP ping); resolves when the peer answers with RST (or ACK). */
  ping(peer: PeerAddress, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new CoapError('E_COAP_CLOSED', 'endpoint closed'));
      const pk = peerKey(peer);
      const mid = this.peers.nextMid(this.peers.get(pk));
      let done = false;
      let deadline: TimerHandle | undefined;
      const finish = (err?: CoapError): void => {
        if (done) return;
        done = true;
        this.retx.stop(t);
        if (deadline !== undefined) this.clock.clearTimeout(deadline);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(new CoapError('E_COAP_ABORTED', 'ping aborted'));
      const t = this.retx.start(peer, pk, mid, encodeEmpty(MessageType.CON, mid), {
        acked: () => finish(), reset: () => finish(), failed: () => finish(this.giveUpError('no answer to ping')),
      });
      if (options.timeoutMs !== undefined) {
        deadline = this.clock.setTimeout(finish, options.timeoutMs, new CoapError('E_COAP_TIMEOUT', 'ping deadline passed'));
      }
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** @internal GET with Observe=1 on the observation's token (RFC 7641 §3.6). */
  async cancelObservation(obs: ClientObservation, init: RequestInit): Promise<CoapResponse> {
    obs.end();
    const r = await this.requestMessage(obs.peer, init, uintOption(O.Observe, 1), obs.token, undefined);
    return this.toResponse(r.message, obs.peer, r.identity, undefined);
  }

  /** @internal GET with Observe=0 on the observation's token again. */
  async reregisterObservation(obs: ClientObservation, init: RequestInit): Promise<CoapResponse> {
    this.clientObservations.set(obs.key, obs);
    const r = await this.requestMessage(obs.peer, init, uintOption(O.Observe, 0), obs.token, obs);
    const seq = getUint(r.message.options, O.Observe);
    if (seq === undefined || r.message.code >> 5 !== 2) obs.end();
    else obs.accept(seq, this.clock.now());
    obs.response = this.toResponse(r.message, obs.peer, r.identity, undefined);
    return obs.response;
  }

  /** @internal */
  forgetClientObservation(obs: ClientObservation): void {
    if (this.clientObservations.get(obs.key) === obs) this.clientObservations.delete(obs.key);
  }

  /**
   * One request with block-wise transfer of its body (Block1) and of the response (Block2).
   * Returns the final message with the reassembled payload.
   */
  private requestMessage(
    peer: PeerAddress, init: RequestInit, extra: CoapOption | undefined, token: Uint8Array | undefined, observation: ClientObservation | undefined,
  ): Promise<ExchangeResult> {
    const code = Method[init.method];
    if (code === undefined) throw new CoapError('E_COAP_INVALID_ARGUMENT', `unknown method ${String(init.method)}`);
    const pk = this.keyOf(peer);
    const deadlineAt = this.clock.now() + (init.timeoutMs ?? this.times.maxTransmitWaitMs);
    const base: CoapOption[] = init.options === undefined ? [] : [...init.options];
    if (init.path !== undefined) for (const o of pathOptions(init.path)) base.push(o);
    if (init.query !== undefined) for (const q of init.query) base.push(stringOption(O.UriQuery, q));
    if (init.contentFormat !== undefined) base.push(uintOption(O.ContentFormat, init.contentFormat));
    if (init.accept !== undefined) base.push(uintOption(O.Accept, init.accept));
    if (extra !== undefined) base.push(extra);
    const body = toBytes(init.payload);
    if (body.length > this.maxBodySize) throw new CoapError('E_COAP_TOO_LARGE', `request body of ${body.length} bytes exceeds ${this.maxBodySize}`);
    const confirmable = init.confirmable ?? true;
    const signal = init.signal;
    const szx = init.blockSize === undefined ? this.szx : szxForSize(init.blockSize);
    // Early negotiation (RFC 7959 §2.4): ask for smaller response blocks from the start.
    if (init.blockSize !== undefined && (code === Method.GET || code === Method.FETCH)) {
      base.push({ number: O.Block2, value: encodeBlock({ num: 0, more: false, szx }) });
    }
    // One block out (nearly every LwM2M request): no async frame, the exchange's promise carries on.
    const sent = body.length <= blockSize(szx)
      ? this.exchange(peer, pk, { code, options: base, payload: body, confirmable, deadlineAt, signal, token, observation })
      : this.sendBlock1(peer, pk, { code, options: base, payload: body, confirmable, deadlineAt, signal, token, observation }, szx);
    return sent.then((result) => this.afterFirstResponse(peer, init, code, base, result, deadlineAt));
  }

  /** Block1: sends the body in blocks, following a smaller size the server asks for; the last answer. */
  private async sendBlock1(peer: PeerAddress, pk: string, req: ExchangeRequest, szx: number): Promise<ExchangeResult> {
    const body = req.payload;
    let offset = 0;
    for (;;) {
      const size = blockSize(szx);
      const num = offset / size;
      const more = offset + size < body.length;
      const opts = [...req.options, { number: O.Block1, value: encodeBlock({ num, more, szx }) }];
      if (num === 0) opts.push(uintOption(O.Size1, body.length));
      // Only the last block carries the observe registration's token, so notifications match it.
      const result = await this.exchange(peer, pk, {
        ...req, options: opts, payload: body.subarray(offset, offset + size),
        token: more ? undefined : req.token, observation: more ? undefined : req.observation,
      });
      const m = result.message;
      const b1 = decodeBlockOption(m.options, O.Block1);
      if (more && m.code === ResponseCode.Continue) {
        offset += size;
        if (b1 !== undefined && b1.szx < szx) szx = b1.szx;
        continue;
      }
      if (m.code === ResponseCode.RequestEntityTooLarge && num === 0 && b1 !== undefined && b1.szx < szx) {
        szx = b1.szx;
        continue;
      }
      return result;
    }
  }

  /** Block2: a 2.xx whose body continues is completed with the remaining blocks. */
  private afterFirstResponse(peer: PeerAddress, init: RequestInit, code: number, base: CoapOption[], result: ExchangeResult, deadlineAt: number): ExchangeResult | Promise<ExchangeResult> {
    const first = result.message;
    if (first.code >> 5 !== 2) return result;
    const b2 = decodeBlockOption(first.options, O.Block2);
    if (b2 === undefined || !b2.more) return result;
    return this.fetchRemainingBlocks(peer, init, code, base.filter(notObserve), first, b2, deadlineAt)
      .then((payload) => ({ message: { ...first, payload }, identity: result.identity }));
  }

  /** Block2: GETs (or the same FETCH) for the blocks after the first, checking number and ETag. */
  private async fetchRemainingBlocks(
    peer: PeerAddress, init: RequestInit, code: number, base: CoapOption[], first: CoapMessage, b2: BlockValue, deadlineAt: number,
  ): Promise<Uint8Array> {
    const pk = peerKey(peer);
    const etag = findOption(first.options, O.ETag);
    const chunks = [first.payload];
    let length = first.payload.length;
    let block = b2;
    let offset = b2.num * blockSize(b2.szx) + first.payload.length;
    const fetchBody = toBytes(init.payload);
    const body = code === Method.FETCH && fetchBody.length <= blockSize(b2.szx) ? fetchBody : EMPTY;
    const method = code === Method.FETCH ? code : Method.GET;
    const rest = base.filter(notBlockOption);
    while (block.more) {
      const szx = block.szx;
      const num = offset / blockSize(szx);
      if (!Number.isInteger(num)) throw new CoapError('E_COAP_BLOCKWISE', 'block boundaries do not line up');
      const opts = [...rest, { number: O.Block2, value: encodeBlock({ num, more: false, szx }) }];
      const { message } = await this.exchange(peer, pk, {
        code: method, options: opts, payload: body, confirmable: init.confirmable ?? true, deadlineAt, signal: init.signal, token: undefined, observation: undefined,
      });
      if (message.code >> 5 !== 2) throw new CoapError('E_COAP_BLOCKWISE', `block ${num} answered ${codeText(message.code)}`);
      const nb = decodeBlockOption(message.options, O.Block2);
      if (nb === undefined || nb.num * blockSize(nb.szx) !== offset) throw new CoapError('E_COAP_BLOCKWISE', `expected the block at offset ${offset}`);
      const e = findOption(message.options, O.ETag);
      if ((etag === undefined) !== (e === undefined) || (etag !== undefined && e !== undefined && !sameBytes(etag.value, e.value))) {
        throw new CoapError('E_COAP_BLOCKWISE', 'the representation changed during the transfer (ETag)');
      }
      length += message.payload.length;
      if (length > this.maxBodySize) throw new CoapError('E_COAP_TOO_LARGE', `response body exceeds ${this.maxBodySize} bytes`);
      chunks.push(message.payload);
      offset += message.payload.length;
      block = nb;
      if (message.payload.length === 0 && block.more) throw new CoapError('E_COAP_BLOCKWISE', 'empty intermediate block');
    }
    return Buffer.concat(chunks, length);
  }

  /** One message out, one response back: NSTART, token, retransmission, deadline, abort. */
  private exchange(peer: PeerAddress, pk: string, req: ExchangeRequest): Promise<ExchangeResult> {
    if (this.closed) return Promise.reject(new CoapError('E_COAP_CLOSED', 'endpoint closed'));
    if (req.signal?.aborted) return Promise.reject(new CoapError('E_COAP_ABORTED', 'request aborted'));
    const ps = this.peers.get(pk);
    const token = req.token ?? this.tokens.next();
    const ex = new Exchange(this, `${pk}|${tokenKey(token)}`, peer, pk, ps, token, req);
    const promise = new Promise<ExchangeResult>((resolve, reject) => {
      ex.resolve = resolve;
      ex.reject = reject;
    });
    this.live.add(ex);
    const now = this.clock.now();
    // A CON gives up after MAX_TRANSMIT_WAIT by itself; a timer is needed only for NON or a shorter deadline.
    if (!req.confirmable || req.deadlineAt < now + this.times.maxTransmitWaitMs) {
      ex.deadline = this.clock.setTimeout(this.onDeadline, Math.max(0, req.deadlineAt - now), ex);
    }
    if (req.signal !== undefined) req.signal.addEventListener('abort', ex, { once: true });
    if (ps.outstanding < this.parameters.nstart) {
      ps.outstanding++;
      ex.slotHeld = true;
      this.startExchange(ex);
    } else {
      ps.waiting.push(ex);
    }
    return promise;
  }

  private readonly onDeadline = (ex: Exchange): void => {
    ex.deadline = undefined;
    this.settleExchange(ex, new CoapError('E_COAP_TIMEOUT', 'request deadline passed'), undefined);
  };

  private startExchange(ex: Exchange): void {
    if (ex.settled) {
      this.releaseSlot(ex);
      return;
    }
    const req = ex.req;
    if (this.transport.canReach?.(ex.peer) === false) {
      this.settleExchange(ex, new CoapError('E_COAP_TRANSPORT', 'the transport has no session with this peer (only the peer can start one)'), undefined);
      return;
    }
    const mid = this.peers.nextMid(ex.peerState);
    let bytes: Uint8Array;
    try {
      bytes = encode({ type: req.confirmable ? MessageType.CON : MessageType.NON, code: req.code, messageId: mid, token: ex.token, options: req.options, payload: req.payload });
    } catch (e) {
      this.settleExchange(ex, new CoapError('E_COAP_INVALID_ARGUMENT', (e as Error).message, { cause: e }), undefined);
      return;
    }
    this.pending.set(ex.key, ex);
    if (req.confirmable) ex.transmission = this.retx.start(ex.peer, ex.pk, mid, bytes, ex);
    else this.send(bytes, ex.peer);
  }

  /** @internal the CON of an exchange was acknowledged (empty ACK, or a piggybacked response). */
  exchangeAcked(ex: Exchange, m: CoapMessage): void {
    ex.transmission = undefined;
    // The NSTART slot is free once the peer has acknowledged.
    this.releaseSlot(ex);
    if (m.code !== EMPTY_CODE) {
      this.settleExchange(ex, m, undefined);
      return;
    }
    // The response comes separately; from now on only the deadline bounds the wait.
    if (ex.deadline === undefined && !ex.settled) {
      ex.deadline = this.clock.setTimeout(this.onDeadline, Math.max(0, ex.req.deadlineAt - this.clock.now()), ex);
    }
  }

  /** @internal */
  settleExchange(ex: Exchange, result: CoapMessage | CoapError, identity: PeerIdentity | undefined): void {
    if (ex.settled) return;
    ex.settled = true;
    this.live.delete(ex);
    if (this.pending.get(ex.key) === ex) this.pending.delete(ex.key);
    if (ex.transmission !== undefined) {
      this.retx.stop(ex.transmission);
      ex.transmission = undefined;
    }
    this.releaseSlot(ex);
    if (ex.deadline !== undefined) {
      this.clock.clearTimeout(ex.deadline);
      ex.deadline = undefined;
    }
    if (ex.req.signal !== undefined) ex.req.signal.removeEventListener('abort', ex);
    if (result instanceof CoapError) {
      // A registration that failed must not leave its observation behind.
      if (ex.req.observation !== undefined) ex.req.observation.end();
      ex.reject?.(result);
    } else ex.resolve?.({ message: result, identity });
  }

  private releaseSlot(ex: Exchange): void {
    if (!ex.slotHeld) return;
    ex.slotHeld = false;
    const ps = ex.peerState;
    ps.outstanding--;
    const next = ps.waiting.shift();
    if (next !== undefined) {
      ps.outstanding++;
      next.slotHeld = true;
      this.startExchange(next);
    }
  }

  private toResponse(m: CoapMessage, peer: PeerAddress, identity: PeerIdentity | undefined, payload: Uint8Array | undefined): CoapResponse {
    const r: CoapResponse = {
      code: m.code, options: m.options, payload: payload ?? m.payload, contentFormat: getUint(m.options, O.ContentFormat), peer,
    };
    return identity === undefined ? r : { ...r, identity };
  }

  // ---------------------------------------------------------------- retransmission

  private etagCounter = 0;

  private nextEtag(): Uint8Array {
    this.etagCounter = (this.etagCounter + 1) >>> 0;
    return encodeUint(this.etagCounter || 1);
  }

  /** @internal */
  giveUpError(message: string): CoapError {
    return this.closed ? new CoapError('E_COAP_CLOSED', 'endpoint closed') : new CoapError('E_COAP_TIMEOUT', message);
  }

  private readonly onSendError = (err: unknown): void => {
    this.stats.sendErrors++;
    this.log.warn({ err }, 'coap: send failed');
  };

  private send(bytes: Uint8Array, peer: PeerAddress): void {
    if (this.closed) return;
    this.stats.sent++;
    if (!this.coalesce) {
      this.transport.send(bytes, peer).catch(this.onSendError);
      return;
    }
    this.outBytes.push(bytes);
    this.outPeers.push(peer);
    if (this.outBytes.length === 1) setImmediate(this.flushSends);
  }

  private readonly coalesce: boolean;
  /** Datagrams waiting for the end of this I/O turn (coalesceSends), in order. */
  private outBytes: Uint8Array[] = [];
  private outPeers: PeerAddress[] = [];

  private readonly flushSends = (): void => {
    const bytes = this.outBytes;
    const peers = this.outPeers;
    this.outBytes = [];
    this.outPeers = [];
    for (let i = 0; i < bytes.length; i++) this.transport.send(bytes[i]!, peers[i]!).catch(this.onSendError);
  };

  private sendReset(peer: PeerAddress, mid: number): Uint8Array {
    this.stats.resetsSent++;
    const rst = encodeEmpty(MessageType.RST, mid);
    this.send(rst, peer);
    return rst;
  }

  // ---------------------------------------------------------------- receiving

  private onDatagram(d: Datagram): void {
    if (this.closed) return;
    this.stats.received++;
    try {
      this.receive(d);
    } catch (err) {
      // A bug on one datagram must not take the endpoint down.
      this.stats.internalErrors++;
      this.log.error({ err, peer: d.peer }, 'coap: failed to process a datagram');
    }
  }

  private receive(d: Datagram): void {
    const r = decode(d.data);
    if (!r.ok) {
      this.stats.malformed++;
      this.log.debug({ peer: d.peer, reason: r.reason }, 'coap: malformed datagram');
      // RFC 7252 §4.2: a CON with a message format error is rejected with RST; others are dropped.
      if (r.header !== undefined && r.header.type === MessageType.CON) this.sendReset(d.peer, r.header.messageId);
      return;
    }
    const m = r.message;
    const pk = peerKey(d.peer);
    switch (m.type) {
      case MessageType.ACK:
      case MessageType.RST:
        this.receiveAckOrReset(m, d, pk);
        return;
      default:
        if (m.code === EMPTY_CODE) {
          // Empty CON is a ping: answer RST. An empty NON means nothing.
          if (m.type === MessageType.CON) this.sendReset(d.peer, m.messageId);
          return;
        }
        if (isRequestCode(m.code)) this.receiveRequest(m, d, pk);
        else if (isResponseCode(m.code)) this.receiveSeparateResponse(m, d, pk);
        else if (m.type === MessageType.CON) {
          // Reserved classes 1, 6, 7 (RFC 7252 §4.2).
          this.stats.malformed++;
          this.sendReset(d.peer, m.messageId);
        } else this.stats.malformed++;
    }
  }

  private receiveAckOrReset(m: CoapMessage, d: Datagram, pk: string): void {
    const key = `${pk}#${m.messageId}`;
    if (m.type === MessageType.RST) {
      this.stats.resetsReceived++;
      const obs = this.nonNotifications.get(key, this.clock.now());
      if (obs !== undefined) {
        this.nonNotifications.delete(key);
        obs.end('reset');
      }
    }
    const t = this.retx.get(key);
    if (t === undefined) {
      this.stats.unmatched++;
      return;
    }
    // An ACK with a response must echo the token of the request it answers.
    if (m.type === MessageType.ACK && m.code !== EMPTY_CODE) {
      // The CON's owner is the exchange it carries (no key to build): same peer and message ID, so the token must match.
      const ex = t.owner;
      if (!(ex instanceof Exchange) || ex.transmission !== t || !sameBytes(ex.token, m.token)) {
        this.stats.unmatched++;
        return;
      }
      this.retx.stop(t);
      ex.transmission = undefined;
      this.settleExchange(ex, m, d.identity);
      return;
    }
    this.retx.stop(t);
    if (m.type === MessageType.ACK) t.owner.acked(m);
    else t.owner.reset();
  }

  /** A CON or NON response: the separate response to a request, or a notification. */
  private receiveSeparateResponse(m: CoapMessage, d: Datagram, pk: string): void {
    const tk = tokenKey(m.token);
    if (m.type === MessageType.NON) {
      // A NON notification of a known observation needs no duplicate entry kept for NON_LIFETIME:
      // its Observe number already refuses a copy (RFC 7641 §3.4), and at many thousands a
      // second those entries were most of what the garbage collector had to trace.
      const tkey = `${pk}|${tk}`;
      const obs = this.clientObservations.get(tkey);
      if (obs !== undefined && !this.pending.has(tkey) && hasOption(m.options, O.Observe)) {
        this.receiveNotification(obs, m, d);
        return;
      }
    }
    const now = this.clock.now();
    const dkey = `${pk}#${m.messageId}`;
    const dup = this.dedup.get(dkey, now);
    if (dup !== undefined && dup.token === tk) {
      this.stats.duplicates++;
      if (dup.reply !== undefined) this.send(dup.reply, d.peer);
      return;
    }
    const entry = this.dedup.add(dkey, tk, now + (m.type === MessageType.CON ? this.times.exchangeLifetimeMs : this.times.nonLifetimeMs), now);
    const tkey = `${pk}|${tk}`;
    const ex = this.pending.get(tkey);
    const obs = ex === undefined ? this.clientObservations.get(tkey) : undefined;
    if (ex === undefined && obs === undefined) {
      this.stats.unmatched++;
      if (this.unknownNotification !== undefined && m.code >> 5 === 2 && hasOption(m.options, O.Observe)) return this.askUnknownNotification(m, d, entry, tkey);
      // Unknown token: reject a CON, and a NON notification so the server stops (RFC 7641 §3.6).
      if (m.type === MessageType.CON || hasOption(m.options, O.Observe)) entry.reply = this.sendReset(d.peer, m.messageId);
      return;
    }
    if (m.type === MessageType.CON) {
      entry.reply = encodeEmpty(MessageType.ACK, m.messageId);
      this.send(entry.reply, d.peer);
    }
    if (ex !== undefined) this.settleExchange(ex, m, d.identity);
    else if (obs !== undefined) this.receiveNotification(obs, m, d);
  }

  /** A retransmission meanwhile finds the duplicate entry without a reply and stays unanswered. */
  private askUnknownNotification(m: CoapMessage, d: Datagram, entry: DedupEntry, tkey: string): void {
    void this.unknownNotification!({ peer: d.peer, identity: d.identity, token: m.token }).catch(() => false).then((taken) => {
      if (!taken) {
        if (!this.closed) entry.reply = this.sendReset(d.peer, m.messageId);
        return;
      }
      // Taken but not resumed (the application could not tell, e.g. its store is down): no answer.
      const obs = this.closed ? undefined : this.clientObservations.get(tkey);
      if (obs === undefined) return;
      if (m.type === MessageType.CON) {
        entry.reply = encodeEmpty(MessageType.ACK, m.messageId);
        this.send(entry.reply, d.peer);
      }
      this.receiveNotification(obs, m, d);
    });
  }

  private receiveNotification(obs: ClientObservation, m: CoapMessage, d: Datagram): void {
    const seq = getUint(m.options, O.Observe);
    if (seq === undefined || m.code >> 5 !== 2) {
      // A notification without Observe or with an error code ends the observation.
      obs.end();
      obs.deliver(this.toResponse(m, d.peer, d.identity, undefined));
      return;
    }
    if (!obs.isFresh(seq, this.clock.now())) return;
    const b2 = decodeBlockOption(m.options, O.Block2);
    if (b2 === undefined || !b2.more) {
      obs.deliver(this.toResponse(m, d.peer, d.identity, undefined));
      return;
    }
    const base = obs.requestOptions();
    const code = Method[obs.init.method];
    this.fetchRemainingBlocks(d.peer, obs.init, code, base, m, b2, this.clock.now() + this.times.maxTransmitWaitMs).then(
      (payload) => { if (obs.active && obs.isLatest(seq)) obs.deliver(this.toResponse(m, d.peer, d.identity, payload)); },
      (err: unknown) => this.log.debug({ err, peer: d.peer }, 'coap: block-wise notification failed'),
    );
  }

  // ---------------------------------------------------------------- server side

  private receiveRequest(m: CoapMessage, d: Datagram, pk: string): void {
    const now = this.clock.now();
    const peer = d.peer;
    const dkey = `${pk}#${m.messageId}`;
    const tk = tokenKey(m.token);
    const dup = this.dedup.get(dkey, now);
    // A duplicate (same message ID and token): resend what we answered; while the handler runs,
    // stay silent. The same ID with another token is a peer reusing IDs within EXCHANGE_LIFETIME
    // (bound to happen above ~265 messages/s per peer): treated as a new message, not dropped.
    if (dup !== undefined) {
      if (dup.token === tk) {
        this.stats.duplicates++;
        if (dup.reply !== undefined) this.send(dup.reply, peer);
        return;
      }
      this.stats.messageIdReuse++;
    }
    const entry = this.dedup.add(dkey, tk, now + (m.type === MessageType.CON ? this.times.exchangeLifetimeMs : this.times.nonLifetimeMs), now);

    const bad = firstBadCriticalOption(m.options);
    if (bad !== undefined) return this.sendResponse(m, peer, entry, { code: ResponseCode.BadOption, payload: `unsupported critical option ${bad}` }, undefined);
    const method = methodName(m.code);
    if (method === undefined) return this.sendResponse(m, peer, entry, { code: ResponseCode.MethodNotAllowed }, undefined);
    // We are no proxy (RFC 7252 §5.7.2).
    if (hasOption(m.options, O.ProxyUri) || hasOption(m.options, O.ProxyScheme)) {
      return this.sendResponse(m, peer, entry, { code: ResponseCode.ProxyingNotSupported }, undefined);
    }

    const b1v = findOption(m.options, O.Block1);
    const bkey = `${pk}|${bodyKey(m.code, m.options, b1v !== undefined ? EMPTY : m.payload)}`;
    let payload = m.payload;
    let contentFormat = getUint(m.options, O.ContentFormat);

    // Block2 follow-up of a body we stored: answer from the store, not the handler.
    const b2v = findOption(m.options, O.Block2);
    const b2 = b2v === undefined ? undefined : decodeBlock(b2v.value);
    if (b2v !== undefined && b2 === undefined) return this.sendResponse(m, peer, entry, { code: ResponseCode.BadRequest, payload: 'bad Block2 option' }, undefined);
    if (b2 !== undefined && b2.num > 0) {
      const stored = this.storedBodies.get(bkey, now);
      if (stored !== undefined) return this.sendResponse(m, peer, entry, stored, undefined);
    }

    // Block1: reassemble the request body, answering 2.31 until the last block.
    let block1Echo: BlockValue | undefined;
    if (b1v !== undefined) {
      const rkey = `${pk}|${requestKey(m.code, m.options)}`;
      const b1 = decodeBlock(b1v.value);
      if (b1 === undefined) return this.sendResponse(m, peer, entry, { code: ResponseCode.BadRequest, payload: 'bad Block1 option' }, undefined);
      const size1 = getUint(m.options, O.Size1);
      const tooLarge: OutgoingResponse = { code: ResponseCode.RequestEntityTooLarge, options: [uintOption(O.Size1, this.maxBodySize)] };
      if (size1 !== undefined && size1 > this.maxBodySize) {
        this.reassembly.delete(rkey);
        return this.sendResponse(m, peer, entry, tooLarge, undefined);
      }
      const offset = b1.num * blockSize(b1.szx);
      let ra = this.reassembly.get(rkey, now);
      if (b1.num === 0) {
        ra = { chunks: [], length: 0, contentFormat };
        this.reassembly.set(rkey, ra, now);
      }
      if (ra === undefined || ra.length !== offset || (b1.more && m.payload.length !== blockSize(b1.szx))) {
        this.reassembly.delete(rkey);
        return this.sendResponse(m, peer, entry, { code: ResponseCode.RequestEntityIncomplete, payload: 'missing or misplaced block' }, undefined);
      }
      if (ra.length + m.payload.length > this.maxBodySize) {
        this.reassembly.delete(rkey);
        return this.sendResponse(m, peer, entry, tooLarge, undefined);
      }
      ra.chunks.push(m.payload);
      ra.length += m.payload.length;
      // Re-inserting re-weighs the buffer against maxBlockBytes (possibly evicting older transfers).
      if (b1.more) this.reassembly.set(rkey, ra, now);
      // Size negotiation: a client sending bigger blocks than ours is asked to continue with ours.
      const szx = Math.min(b1.szx, this.szx);
      if (b1.more) {
        return this.sendResponse(m, peer, entry, { code: ResponseCode.Continue, options: [{ number: O.Block1, value: encodeBlock({ num: b1.num, more: true, szx }) }] }, undefined);
      }
      this.reassembly.delete(rkey);
      payload = Buffer.concat(ra.chunks, ra.length);
      contentFormat = ra.contentFormat ?? contentFormat;
      block1Echo = { num: b1.num, more: false, szx: b1.szx };
    }

    // Observe: 0 registers (the handler decides), 1 deregisters this token.
    const observeValue = getUint(m.options, O.Observe);
    const observable = (m.code === Method.GET || m.code === Method.FETCH) && (b2 === undefined || b2.num === 0);
    const okey = observeValue === undefined ? '' : `${pk}|${tokenKey(m.token)}`;
    if (observable && observeValue === 1) this.serverObservations.get(okey)?.end('cancelled');
    const req = new ServerRequest(
      this, peer, d.identity, method, m.type === MessageType.CON, m.token, getStrings(m.options, O.UriPath), getStrings(m.options, O.UriQuery),
      m.options, payload, contentFormat, getUint(m.options, O.Accept), observable && observeValue === 0, okey, bkey,
    );

    const handler = this.handler;
    if (handler === undefined) return this.sendResponse(m, peer, entry, { code: ResponseCode.NotFound }, undefined);
    let result: OutgoingResponse | Promise<OutgoingResponse>;
    try {
      result = handler(req);
    } catch (err) {
      return this.handlerFailed(err, m, peer, entry);
    }
    const pr: PendingReply = { m, peer, entry, req, okey, block1Echo, b2, bkey, timer: undefined };
    if (!(result instanceof Promise)) return isResponse(result) ? this.finishRequest(pr, result) : this.handlerFailed(new TypeError('the request handler returned no response'), m, peer, entry);
    if (m.type === MessageType.CON) pr.timer = this.clock.setTimeout(this.onSeparateTimer, this.separateDelayMs, pr);
    result.then(
      (res) => {
        // A handler written in plain JavaScript may resolve to anything: that is its bug, answered 5.00.
        if (isResponse(res)) return this.finishRequest(pr, res);
        if (pr.timer !== undefined) this.clock.clearTimeout(pr.timer);
        this.handlerFailed(new TypeError('the request handler resolved to no response'), m, peer, entry);
      },
      (err: unknown) => {
        if (pr.timer !== undefined) this.clock.clearTimeout(pr.timer);
        this.handlerFailed(err, m, peer, entry);
      },
    );
  }

  /** The handler is slow: acknowledge now, answer separately (RFC 7252 §5.2.2). */
  private readonly onSeparateTimer = (pr: PendingReply): void => {
    pr.timer = undefined;
    if (pr.entry.reply !== undefined || this.closed) return;
    pr.entry.reply = encodeEmpty(MessageType.ACK, pr.m.messageId);
    this.send(pr.entry.reply, pr.peer);
  };

  private finishRequest(pr: PendingReply, res: OutgoingResponse): void {
    if (pr.timer !== undefined) this.clock.clearTimeout(pr.timer);
    let obsSeq: number | undefined;
    const observation = pr.req.observation;
    if (observation !== undefined) {
      const old = this.serverObservations.get(pr.okey);
      if (res.code >> 5 === 2 && !this.closed && old === undefined && this.serverObservations.size >= this.maxObservations) {
        // Full: the observer sees a response without Observe, i.e. not registered (RFC 7641 §4.1).
        this.log.warn({ peer: pr.peer, observations: this.serverObservations.size }, 'coap: observation limit reached');
        observation.end('limit');
      } else if (res.code >> 5 === 2 && !this.closed) {
        // A registration with the same token replaces the old one (re-registration).
        if (old !== undefined && old !== observation) old.end('replaced');
        this.serverObservations.set(pr.okey, observation);
        obsSeq = observation.nextSequence();
      } else observation.end('error-response');
    }
    const out = pr.block1Echo === undefined ? res : { ...res, options: [...(res.options ?? []), { number: O.Block1, value: encodeBlock(pr.block1Echo) }] };
    this.sendResponse(pr.m, pr.peer, pr.entry, out, obsSeq, pr.b2, pr.bkey);
  }

  private handlerFailed(err: unknown, m: CoapMessage, peer: PeerAddress, entry: DedupEntry): void {
    this.stats.handlerErrors++;
    this.log.error({ err, peer }, 'coap: request handler failed');
    this.sendResponse(m, peer, entry, { code: ResponseCode.InternalServerError }, undefined);
  }

  /**
   * Sends a response to request `m`: piggybacked on the ACK when none was sent yet, else as
   * a separate CON (or NON for a NON request). A body over the block size goes as Block2.
   */
  private sendResponse(
    m: CoapMessage, peer: PeerAddress, entry: DedupEntry, res: OutgoingResponse | StoredBody, observeSeq: number | undefined,
    requested?: BlockValue, bkey?: string,
  ): void {
    if (this.closed) return;
    let options: CoapOption[] = res.options === undefined ? [] : [...res.options];
    if ('contentFormat' in res && res.contentFormat !== undefined) options.push(uintOption(O.ContentFormat, res.contentFormat));
    let payload = toBytes(res.payload);
    if (observeSeq !== undefined) options.push({ number: O.Observe, value: encodeUint(observeSeq) });
    const reqB2 = requested ?? decodeBlockOption(m.options, O.Block2);
    const szx = reqB2 === undefined ? this.szx : Math.min(reqB2.szx, this.szx);
    if (payload.length > blockSize(szx) || (reqB2 !== undefined && reqB2.num > 0)) {
      const full = payload;
      if (reqB2 === undefined || reqB2.num === 0) {
        // Keep the whole body for the follow-up requests of the other blocks.
        const key = bkey ?? `${peerKey(peer)}|${bodyKey(m.code, m.options, m.payload)}`;
        // An ETag lets the client notice when two transfers of the resource interleave.
        if (!hasOption(options, O.ETag)) options.push({ number: O.ETag, value: this.nextEtag() });
        this.storedBodies.set(key, { code: res.code, options: options.filter(notObserveOrBlock1), payload: full }, this.clock.now());
      }
      const num = reqB2?.num ?? 0;
      const size = blockSize(szx);
      if (num * size >= full.length && num > 0) {
        return this.sendResponseMessage(m, peer, entry, ResponseCode.BadRequest, [], EMPTY);
      }
      payload = full.subarray(num * size, (num + 1) * size);
      options.push({ number: O.Block2, value: encodeBlock({ num, more: (num + 1) * size < full.length, szx }) });
      if (num === 0) options.push(uintOption(O.Size2, full.length));
    }
    this.sendResponseMessage(m, peer, entry, res.code, options, payload);
  }

  private sendResponseMessage(m: CoapMessage, peer: PeerAddress, entry: DedupEntry, code: number, options: CoapOption[], payload: Uint8Array): void {
    const piggyback = m.type === MessageType.CON && entry.reply === undefined;
    const type = piggyback ? MessageType.ACK : m.type === MessageType.CON ? MessageType.CON : MessageType.NON;
    const pk = piggyback ? '' : peerKey(peer);
    const mid = piggyback ? m.messageId : this.peers.nextMid(this.peers.get(pk));
    let bytes: Uint8Array;
    try {
      bytes = encode({ type, code, messageId: mid, token: m.token, options, payload });
    } catch (err) {
      this.log.error({ err, peer }, 'coap: response cannot be encoded');
      bytes = encode({ type, code: ResponseCode.InternalServerError, messageId: mid, token: m.token, options: [], payload: EMPTY });
    }
    if (type === MessageType.CON) {
      this.retx.start(peer, pk, mid, bytes, IGNORE_OUTCOME);
      return;
    }
    // Duplicates of the request get the same bytes again (RFC 7252 §4.5).
    entry.reply = bytes;
    this.send(bytes, peer);
  }

  /** @internal ObservationHost */
  sendNotification(obs: ServerObservation, res: OutgoingResponse, confirmable: boolean, sequence: number | undefined): Promise<void> {
    if (this.closed) return Promise.reject(new CoapError('E_COAP_CLOSED', 'endpoint closed'));
    const options: CoapOption[] = res.options === undefined ? [] : [...res.options];
    if (res.contentFormat !== undefined) options.push(uintOption(O.ContentFormat, res.contentFormat));
    let payload = toBytes(res.payload);
    if (payload.length > blockSize(this.szx)) {
      if (payload.length > this.maxBodySize) return Promise.reject(new CoapError('E_COAP_TOO_LARGE', 'notification body too large'));
      if (!hasOption(options, O.ETag)) options.push({ number: O.ETag, value: this.nextEtag() });
      this.storedBodies.set(obs.requestKey, { code: res.code, options: [...options], payload }, this.clock.now());
      const size = blockSize(this.szx);
      options.push({ number: O.Block2, value: encodeBlock({ num: 0, more: true, szx: this.szx }) }, uintOption(O.Size2, payload.length));
      payload = payload.subarray(0, size);
    }
    if (sequence !== undefined) options.push({ number: O.Observe, value: encodeUint(sequence) });
    const pk = this.keyOf(obs.peer);
    const mid = this.peers.nextMid(this.peers.get(pk));
    let bytes: Uint8Array;
    try {
      bytes = encode({ type: confirmable ? MessageType.CON : MessageType.NON, code: res.code, messageId: mid, token: obs.token, options, payload });
    } catch (e) {
      return Promise.reject(new CoapError('E_COAP_INVALID_ARGUMENT', (e as Error).message, { cause: e }));
    }
    if (!confirmable) {
      this.nonNotifications.set(`${pk}#${mid}`, obs, this.clock.now());
      this.send(bytes, obs.peer);
      return Promise.resolve();
    }
    // One CON notification in flight per observation (RFC 7641 §4.5.2): a newer one replaces
    // it, carrying on its retransmission counter and timeout; the replaced one's promise resolves.
    const previous = obs.inflight;
    if (previous !== undefined) {
      this.retx.stop(previous.transmission);
      obs.inflight = undefined;
      previous.settle();
    }
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (obs.inflight?.transmission === t) obs.inflight = undefined;
      };
      const t = this.retx.start(obs.peer, pk, mid, bytes, {
        acked: () => {
          done();
          resolve();
        },
        reset: () => {
          done();
          obs.end('reset');
          reject(new CoapError('E_COAP_RESET', 'observer answered the notification with RST'));
        },
        failed: () => {
          done();
          obs.end(this.closed ? 'closed' : 'timeout');
          reject(this.giveUpError('notification never acknowledged'));
        },
      }, previous?.transmission);
      obs.inflight = { transmission: t, settle: resolve };
    });
  }

  /** @internal ObservationHost */
  dropObservation(obs: ServerObservation): void {
    if (this.serverObservations.get(obs.key) === obs) this.serverObservations.delete(obs.key);
  }

  /** Ends every exchange and observation, and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    // What was answered or asked before close() still goes out.
    const queued = this.outBytes.length > 0;
    this.flushSends();
    this.closed = true;
    for (const o of [...this.serverObservations.values()]) o.end('closed');
    for (const o of [...this.clientObservations.values()]) o.end();
    this.peers.clear();
    for (const ex of [...this.live]) this.settleExchange(ex, new CoapError('E_COAP_CLOSED', 'endpoint closed'), undefined);
    this.retx.failAll();
    this.dedup.clear();
    this.reassembly.clear();
    this.storedBodies.clear();
    // node:dgram sends on the next tick (after resolving the address): let those go first.
    if (queued) await new Promise((r) => setImmediate(r));
    await this.transport.close();
  }
}

const notObserve = (o: CoapOption): boolean => o.number !== O.Observe;
const notObserveOrBlock1 = (o: CoapOption): boolean => o.number !== O.Observe && o.number !== O.Block1;
const notBlockOption = (o: CoapOption): boolean => o.number !== O.Block1 && o.number !== O.Size1 && o.number !== O.Block2;

function decodeBlockOption(options: readonly CoapOption[], number: number): BlockValue | undefined {
  const v = findOption(options, number);
  return v === undefined ? undefined : decodeBlock(v.value);
}

function isResponse(x: unknown): x is OutgoingResponse {
  return typeof x === 'object' && x !== null && typeof (x as { code?: unknown }).code === 'number';
}
