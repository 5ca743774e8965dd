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
import { EMPTY_CODE, Method, type MethodName, MessageType, ResponseCode, codeText, isRequestCode, isResponseCode, methodName } from './codes.js';
import { DedupCache, type DedupEntry } from './dedup-cache.js';
import { CoapError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import type { CoapMessage, CoapOption } from './message.js';
import { ClientObservation } from './client-observation.js';
import { type ObservationHost, ServerObservation } from './observe.js';
import { OptionNumber as O, encodeUint, firstBadCriticalOption, getStrings, getUint, pathOptions, stringOption, uintOption } from './options.js';
import { type DerivedTimes, type TransmissionParameters, deriveTimes, resolveParameters } from './parameters.js';
import type { CoapResponse, IncomingRequest, OutgoingResponse, RequestHandler, RequestInit } from './request.js';
import { TokenSource, tokenKey } from './token-source.js';

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
  /** Duplicate-detection entries kept at most (100,000). */
  readonly maxDedupEntries?: number;
  /** Concurrent Block1 reassemblies and stored Block2 bodies, each (256). */
  readonly maxBlockTransfers?: number;
  /** How long a handler may take before a CON request gets an empty ACK and a separate response (ACK_TIMEOUT / 2). */
  readonly separateResponseDelayMs?: number;
}

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
}

interface PeerState {
  nextMid: number;
  outstanding: number;
  readonly waiting: (() => void)[];
}

/** A CON message being retransmitted until ACK or RST. */
interface Transmission {
  readonly key: string;
  readonly peer: PeerAddress;
  readonly bytes: Uint8Array;
  attempts: number;
  timeoutMs: number;
  timer: TimerHandle | undefined;
  onAck(message: CoapMessage): void;
  onReset(): void;
  onGiveUp(): void;
}

/** A request of ours waiting for its response (and, if observing, for notifications). */
interface PendingExchange {
  readonly key: string;
  readonly peer: PeerAddress;
  readonly peerState: PeerState;
  transmission: Transmission | undefined;
  slotHeld: boolean;
  settle(result: CoapMessage | CoapError, identity: PeerIdentity | undefined): void;
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

function latin1(v: Uint8Array): string {
  return tokenKey(v);
}

/** The resource a request addresses, for Block1 reassembly: method, URI and Accept. */
function requestKey(code: number, options: readonly CoapOption[]): string {
  let k = `${code}`;
  for (const o of options) {
    const n = o.number;
    if (n === O.UriHost || n === O.UriPort || n === O.UriPath || n === O.UriQuery || n === O.Accept) k += `|${n}=${latin1(o.value)}`;
  }
  return k;
}

/**
 * The key a stored Block2 body is found under. Follow-ups come as GET for every method but
 * FETCH; a FETCH follow-up repeats the body only when it fit one block (else it carries none).
 */
function bodyKey(code: number, options: readonly CoapOption[], fetchBody: Uint8Array): string {
  return code === Method.FETCH ? `${requestKey(code, options)}|${latin1(fetchBody)}` : requestKey(Method.GET, options);
}

export class CoapEndpoint implements ObservationHost {
  readonly parameters: TransmissionParameters;
  readonly times: DerivedTimes;
  readonly stats: EndpointStats = {
    received: 0, sent: 0, malformed: 0, duplicates: 0, retransmissions: 0, resetsSent: 0,
    resetsReceived: 0, handlerErrors: 0, internalErrors: 0, sendErrors: 0, unmatched: 0,
  };

  private readonly transport: DatagramTransport;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly szx: number;
  private readonly maxBodySize: number;
  private readonly maxPeers: number;
  private readonly separateDelayMs: number;
  private readonly tokens = new TokenSource();
  private readonly peers = new Map<string, PeerState>();
  private readonly dedup: DedupCache;
  private readonly outbox = new Map<string, Transmission>();
  private readonly pending = new Map<string, PendingExchange>();
  /** Every unsettled exchange, including those queued behind NSTART, so close() can end them. */
  private readonly live = new Set<PendingExchange>();
  private readonly clientObservations = new Map<string, ClientObservation>();
  private readonly serverObservations = new Map<string, ServerObservation>();
  /** NON notifications recently sent, so an RST naming their message ID cancels the observation. */
  private readonly nonNotifications: BoundedStore<ServerObservation>;
  private readonly reassembly: BoundedStore<Reassembly>;
  private readonly storedBodies: BoundedStore<StoredBody>;
  private handler: RequestHandler | undefined;
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
    this.maxPeers = options.maxPeers ?? 10_000;
    this.separateDelayMs = options.separateResponseDelayMs ?? this.parameters.ackTimeoutMs / 2;
    this.dedup = new DedupCache(options.maxDedupEntries ?? 100_000);
    const transfers = options.maxBlockTransfers ?? 256;
    this.reassembly = new BoundedStore(transfers, this.times.exchangeLifetimeMs);
    this.storedBodies = new BoundedStore(transfers, this.times.exchangeLifetimeMs);
    this.nonNotifications = new BoundedStore(options.maxDedupEntries ?? 100_000, this.times.nonLifetimeMs);
    this.transport.onDatagram((d) => this.onDatagram(d));
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

  /** Peers and duplicate-detection entries currently held (for tests and monitoring). */
  get stateSize(): { peers: number; dedup: number; pending: number; outbox: number; observations: number } {
    return {
      peers: this.peers.size, dedup: this.dedup.size, pending: this.pending.size, outbox: this.outbox.size,
      observations: this.serverObservations.size + this.clientObservations.size,
    };
  }

  // ---------------------------------------------------------------- client side

  /**
   * Sends a request and resolves with its response (any code; 4.xx/5.xx are responses, not
   * errors). Bodies larger than a block go block-wise both ways. Rejects with CoapError on
   * timeout, RST, abort or close.
   */
  async request(peer: PeerAddress, init: RequestInit): Promise<CoapResponse> {
    const { message, identity } = await this.requestMessage(peer, init, []);
    return this.toResponse(message, peer, identity, undefined);
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
      const { message, identity, response } = await this.requestMessage(peer, init, [uintOption(O.Observe, 0)], token, obs);
      const seq = getUint(message.options, O.Observe);
      if (seq === undefined || message.code >> 5 !== 2) obs.end();
      else obs.accept(seq, this.clock.now());
      obs.response = response ?? this.toResponse(message, peer, identity, undefined);
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
      const ps = this.peerState(peer);
      const mid = this.nextMid(ps);
      let done = false;
      const finish = (err?: CoapError): void => {
        if (done) return;
        done = true;
        this.stopTransmission(t);
        if (deadline !== undefined) this.clock.clearTimeout(deadline);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish(new CoapError('E_COAP_ABORTED', 'ping aborted'));
      const t = this.startTransmission(peer, mid, encodeEmpty(MessageType.CON, mid), {
        onAck: () => finish(), onReset: () => finish(), onGiveUp: () => finish(this.giveUpError('no answer to ping')),
      });
      const deadline = options.timeoutMs === undefined ? undefined
        : this.clock.setTimeout(() => finish(new CoapError('E_COAP_TIMEOUT', 'ping deadline passed')), options.timeoutMs);
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** @internal GET with Observe=1 on the observation's token (RFC 7641 §3.6). */
  async cancelObservation(obs: ClientObservation, init: RequestInit): Promise<CoapResponse> {
    obs.end();
    const { message, identity } = await this.requestMessage(obs.peer, { ...init, method: init.method }, [uintOption(O.Observe, 1)], obs.token);
    return this.toResponse(message, obs.peer, identity, undefined);
  }

  /** @internal */
  forgetClientObservation(obs: ClientObservation): void {
    if (this.clientObservations.get(obs.key) === obs) this.clientObservations.delete(obs.key);
  }

  /**
   * One request with block-wise transfer of its body (Block1) and of the response (Block2).
   * Returns the final message with the reassembled payload.
   */
  private async requestMessage(
    peer: PeerAddress, init: RequestInit, extra: CoapOption[], token?: Uint8Array, observation?: ClientObservation,
  ): Promise<{ message: CoapMessage; identity: PeerIdentity | undefined; response?: CoapResponse }> {
    const code = Method[init.method];
    if (code === undefined) throw new CoapError('E_COAP_INVALID_ARGUMENT', `unknown method ${String(init.method)}`);
    const deadlineAt = this.clock.now() + (init.timeoutMs ?? this.times.maxTransmitWaitMs);
    const base: CoapOption[] = [...(init.options ?? [])];
    if (init.path !== undefined) base.push(...pathOptions(init.path));
    for (const q of init.query ?? []) base.push(stringOption(O.UriQuery, q));
    if (init.contentFormat !== undefined) base.push(uintOption(O.ContentFormat, init.contentFormat));
    if (init.accept !== undefined) base.push(uintOption(O.Accept, init.accept));
    base.push(...extra);
    const body = toBytes(init.payload);
    if (body.length > this.maxBodySize) throw new CoapError('E_COAP_TOO_LARGE', `request body of ${body.length} bytes exceeds ${this.maxBodySize}`);
    const confirmable = init.confirmable ?? true;
    let szx = init.blockSize === undefined ? this.szx : szxForSize(init.blockSize);
    // Early negotiation (RFC 7959 §2.4): ask for smaller response blocks from the start.
    if (init.blockSize !== undefined && (code === Method.GET || code === Method.FETCH)) {
      base.push({ number: O.Block2, value: encodeBlock({ num: 0, more: false, szx }) });
    }
    const one = (options: CoapOption[], payload: Uint8Array, tok: Uint8Array | undefined, obs: ClientObservation | undefined) =>
      this.exchange(peer, { code, options, payload, confirmable, deadlineAt, signal: init.signal, token: tok, observation: obs });

    let result: { message: CoapMessage; identity: PeerIdentity | undefined };
    if (body.length <= blockSize(szx)) {
      result = await one(base, body, token, observation);
    } else {
      // Block1: send the body in blocks, following a smaller size the server asks for.
      let offset = 0;
      for (;;) {
        const size = blockSize(szx);
        const num = offset / size;
        const more = offset + size < body.length;
        const opts = [...base, { number: O.Block1, value: encodeBlock({ num, more, szx }) }];
        if (num === 0) opts.push(uintOption(O.Size1, body.length));
        // Only the last block carries the observe registration's token, so notifications match it.
        result = await one(opts, body.subarray(offset, offset + size), more ? undefined : token, more ? undefined : observation);
        const m = result.message;
        const b1v = m.options.find((o) => o.number === O.Block1);
        const b1 = b1v === undefined ? undefined : decodeBlock(b1v.value);
        if (more && m.code === ResponseCode.Continue) {
          offset += size;
          if (b1 !== undefined && b1.szx < szx) szx = b1.szx;
          continue;
        }
        if (m.code === ResponseCode.RequestEntityTooLarge && num === 0 && b1 !== undefined && b1.szx < szx) {
          szx = b1.szx;
          continue;
        }
        break;
      }
    }
    const first = result.message;
    const b2v = first.options.find((o) => o.number === O.Block2);
    const b2 = b2v === undefined ? undefined : decodeBlock(b2v.value);
    if (b2 === undefined || !b2.more || first.code >> 5 !== 2) return result;
    const payload = await this.fetchRemainingBlocks(peer, init, code, base.filter((o) => o.number !== O.Observe), first, b2, deadlineAt);
    return { message: { ...first, payload }, identity: result.identity };
  }

  /** Block2: GETs (or the same FETCH) for the blocks after the first, checking number and ETag. */
  private async fetchRemainingBlocks(
    peer: PeerAddress, init: RequestInit, code: number, base: CoapOption[], first: CoapMessage, b2: BlockValue, deadlineAt: number,
  ): Promise<Uint8Array> {
    const etag = first.options.find((o) => o.number === O.ETag);
    const chunks = [first.payload];
    let length = first.payload.length;
    let block = b2;
    let offset = b2.num * blockSize(b2.szx) + first.payload.length;
    const fetchBody = toBytes(init.payload);
    const body = code === Method.FETCH && fetchBody.length <= blockSize(b2.szx) ? fetchBody : EMPTY;
    const method = code === Method.FETCH ? code : Method.GET;
    while (block.more) {
      const szx = block.szx;
      const num = offset / blockSize(szx);
      if (!Number.isInteger(num)) throw new CoapError('E_COAP_BLOCKWISE', 'block boundaries do not line up');
      const opts = [...base.filter((o) => o.number !== O.Block1 && o.number !== O.Size1 && o.number !== O.Block2), { number: O.Block2, value: encodeBlock({ num, more: false, szx }) }];
      const { message } = await this.exchange(peer, {
        code: method, options: opts, payload: body, confirmable: init.confirmable ?? true, deadlineAt, signal: init.signal, token: undefined, observation: undefined,
      });
      if (message.code >> 5 !== 2) throw new CoapError('E_COAP_BLOCKWISE', `block ${num} answered ${codeText(message.code)}`);
      const v = message.options.find((o) => o.number === O.Block2);
      const nb = v === undefined ? undefined : decodeBlock(v.value);
      if (nb === undefined || nb.num * blockSize(nb.szx) !== offset) throw new CoapError('E_COAP_BLOCKWISE', `expected the block at offset ${offset}`);
      const e = message.options.find((o) => o.number === O.ETag);
      if ((etag === undefined) !== (e === undefined) || (etag !== undefined && e !== undefined && latin1(etag.value) !== latin1(e.value))) {
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
  private exchange(peer: PeerAddress, req: {
    code: number; options: CoapOption[]; payload: Uint8Array; confirmable: boolean; deadlineAt: number;
    signal: AbortSignal | undefined; token: Uint8Array | undefined; observation: ClientObservation | undefined;
  }): Promise<{ message: CoapMessage; identity: PeerIdentity | undefined }> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new CoapError('E_COAP_CLOSED', 'endpoint closed'));
      if (req.signal?.aborted) return reject(new CoapError('E_COAP_ABORTED', 'request aborted'));
      const pk = peerKey(peer);
      const ps = this.peerState(peer, pk);
      const token = req.token ?? this.tokens.next();
      const key = `${pk}|${tokenKey(token)}`;
      let deadline: TimerHandle | undefined;
      let settled = false;
      const onAbort = (): void => ex.settle(new CoapError('E_COAP_ABORTED', 'request aborted'), undefined);
      const ex: PendingExchange = {
        key, peer, peerState: ps, transmission: undefined, slotHeld: false,
        settle: (result, identity) => {
          if (settled) return;
          settled = true;
          this.live.delete(ex);
          if (this.pending.get(key) === ex) this.pending.delete(key);
          if (ex.transmission !== undefined) this.stopTransmission(ex.transmission);
          this.releaseSlot(ex);
          if (deadline !== undefined) this.clock.clearTimeout(deadline);
          req.signal?.removeEventListener('abort', onAbort);
          if (result instanceof CoapError) {
            // A registration that failed must not leave its observation behind.
            if (req.observation !== undefined) req.observation.end();
            reject(result);
          } else resolve({ message: result, identity });
        },
      };
      this.live.add(ex);
      deadline = this.clock.setTimeout(() => ex.settle(new CoapError('E_COAP_TIMEOUT', 'request deadline passed'), undefined), Math.max(0, req.deadlineAt - this.clock.now()));
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const go = (): void => {
        if (settled) {
          this.releaseSlot(ex);
          return;
        }
        const mid = this.nextMid(ps);
        let bytes: Uint8Array;
        try {
          bytes = encode({ type: req.confirmable ? MessageType.CON : MessageType.NON, code: req.code, messageId: mid, token, options: req.options, payload: req.payload });
        } catch (e) {
          ex.settle(new CoapError('E_COAP_INVALID_ARGUMENT', (e as Error).message, { cause: e }), undefined);
          return;
        }
        this.pending.set(key, ex);
        if (req.confirmable) {
          ex.transmission = this.startTransmission(peer, mid, bytes, {
            onAck: (m) => {
              ex.transmission = undefined;
              // Empty ACK: the response comes separately; the NSTART slot is free again.
              this.releaseSlot(ex);
              if (m.code !== EMPTY_CODE) this.deliverResponse(ex, m, undefined);
            },
            onReset: () => ex.settle(new CoapError('E_COAP_RESET', 'peer answered with RST'), undefined),
            onGiveUp: () => ex.settle(new CoapError('E_COAP_TIMEOUT', `no ACK after ${this.parameters.maxRetransmit} retransmissions`), undefined),
          });
        } else {
          this.send(bytes, peer);
        }
      };
      if (ps.outstanding < this.parameters.nstart) {
        ps.outstanding++;
        ex.slotHeld = true;
        go();
      } else {
        ps.waiting.push(() => {
          ps.outstanding++;
          ex.slotHeld = true;
          go();
        });
      }
    });
  }

  private releaseSlot(ex: PendingExchange): void {
    if (!ex.slotHeld) return;
    ex.slotHeld = false;
    const ps = ex.peerState;
    ps.outstanding--;
    const next = ps.waiting.shift();
    if (next !== undefined) next();
  }

  private deliverResponse(ex: PendingExchange, m: CoapMessage, identity: PeerIdentity | undefined): void {
    ex.settle(m, identity);
  }

  private toResponse(m: CoapMessage, peer: PeerAddress, identity: PeerIdentity | undefined, payload: Uint8Array | undefined): CoapResponse {
    const r: CoapResponse = {
      code: m.code, options: m.options, payload: payload ?? m.payload, contentFormat: getUint(m.options, O.ContentFormat), peer,
    };
    return identity === undefined ? r : { ...r, identity };
  }

  // ---------------------------------------------------------------- per-peer state

  private peerState(peer: PeerAddress, key = peerKey(peer)): PeerState {
    let ps = this.peers.get(key);
    if (ps === undefined) {
      ps = { nextMid: Math.floor(this.random() * 0x10000) & 0xffff, outstanding: 0, waiting: [] };
      this.peers.set(key, ps);
      if (this.peers.size > this.maxPeers) this.evictPeers();
    }
    return ps;
  }

  /** Forgets the oldest idle peers; busy ones (exchanges in flight) are kept. */
  private evictPeers(): void {
    let budget = 64;
    for (const [k, ps] of this.peers) {
      if (this.peers.size <= this.maxPeers || budget-- === 0) break;
      if (ps.outstanding === 0 && ps.waiting.length === 0) this.peers.delete(k);
    }
  }

  private nextMid(ps: PeerState): number {
    const mid = ps.nextMid;
    ps.nextMid = (mid + 1) & 0xffff;
    return mid;
  }

  // ---------------------------------------------------------------- retransmission

  private startTransmission(peer: PeerAddress, mid: number, bytes: Uint8Array, cb: Pick<Transmission, 'onAck' | 'onReset' | 'onGiveUp'>): Transmission {
    const p = this.parameters;
    const t: Transmission = {
      key: `${peerKey(peer)}#${mid}`, peer, bytes, attempts: 0,
      timeoutMs: p.ackTimeoutMs * (1 + this.random() * (p.ackRandomFactor - 1)), timer: undefined, ...cb,
    };
    this.outbox.set(t.key, t);
    this.send(bytes, peer);
    t.timer = this.clock.setTimeout(() => this.onRetransmitTimer(t), t.timeoutMs);
    return t;
  }

  private onRetransmitTimer(t: Transmission): void {
    if (this.outbox.get(t.key) !== t) return;
    if (t.attempts >= this.parameters.maxRetransmit) {
      this.outbox.delete(t.key);
      t.timer = undefined;
      t.onGiveUp();
      return;
    }
    t.attempts++;
    t.timeoutMs *= 2;
    this.stats.retransmissions++;
    this.send(t.bytes, t.peer);
    t.timer = this.clock.setTimeout(() => this.onRetransmitTimer(t), t.timeoutMs);
  }

  private etagCounter = 0;

  private nextEtag(): Uint8Array {
    this.etagCounter = (this.etagCounter + 1) >>> 0;
    return encodeUint(this.etagCounter || 1);
  }

  private giveUpError(message: string): CoapError {
    return this.closed ? new CoapError('E_COAP_CLOSED', 'endpoint closed') : new CoapError('E_COAP_TIMEOUT', message);
  }

  private stopTransmission(t: Transmission | undefined): void {
    if (t === undefined) return;
    if (t.timer !== undefined) this.clock.clearTimeout(t.timer);
    t.timer = undefined;
    if (this.outbox.get(t.key) === t) this.outbox.delete(t.key);
  }

  private send(bytes: Uint8Array, peer: PeerAddress): void {
    if (this.closed) return;
    this.stats.sent++;
    this.transport.send(bytes, peer).catch((err: unknown) => {
      this.stats.sendErrors++;
      this.log.warn({ err, peer }, 'coap: send failed');
    });
  }

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
    switch (m.type) {
      case MessageType.ACK:
      case MessageType.RST:
        this.receiveAckOrReset(m, d);
        return;
      default:
        if (m.code === EMPTY_CODE) {
          // Empty CON is a ping: answer RST. An empty NON means nothing.
          if (m.type === MessageType.CON) this.sendReset(d.peer, m.messageId);
          return;
        }
        if (isRequestCode(m.code)) this.receiveRequest(m, d);
        else if (isResponseCode(m.code)) this.receiveSeparateResponse(m, d);
        else if (m.type === MessageType.CON) {
          // Reserved classes 1, 6, 7 (RFC 7252 §4.2).
          this.stats.malformed++;
          this.sendReset(d.peer, m.messageId);
        } else this.stats.malformed++;
    }
  }

  private receiveAckOrReset(m: CoapMessage, d: Datagram): void {
    const key = `${peerKey(d.peer)}#${m.messageId}`;
    if (m.type === MessageType.RST) {
      this.stats.resetsReceived++;
      const obs = this.nonNotifications.get(key, this.clock.now());
      if (obs !== undefined) {
        this.nonNotifications.delete(key);
        obs.end('reset');
      }
    }
    const t = this.outbox.get(key);
    if (t === undefined) {
      this.stats.unmatched++;
      return;
    }
    // An ACK with a response must echo the token of the request it answers.
    if (m.type === MessageType.ACK && m.code !== EMPTY_CODE) {
      const ex = this.pending.get(`${peerKey(d.peer)}|${tokenKey(m.token)}`);
      if (ex === undefined || ex.transmission !== t) {
        this.stats.unmatched++;
        return;
      }
      this.stopTransmission(t);
      ex.transmission = undefined;
      this.deliverResponse(ex, m, d.identity);
      return;
    }
    this.stopTransmission(t);
    if (m.type === MessageType.ACK) t.onAck(m);
    else t.onReset();
  }

  /** A CON or NON response: the separate response to a request, or a notification. */
  private receiveSeparateResponse(m: CoapMessage, d: Datagram): void {
    const pk = peerKey(d.peer);
    const now = this.clock.now();
    const dkey = `${pk}#${m.messageId}`;
    const dup = this.dedup.get(dkey, now);
    if (dup !== undefined) {
      this.stats.duplicates++;
      if (dup.reply !== undefined) this.send(dup.reply, d.peer);
      return;
    }
    const entry = this.dedup.add(dkey, now + (m.type === MessageType.CON ? this.times.exchangeLifetimeMs : this.times.nonLifetimeMs), now);
    const tkey = `${pk}|${tokenKey(m.token)}`;
    const ex = this.pending.get(tkey);
    const obs = ex === undefined ? this.clientObservations.get(tkey) : undefined;
    if (ex === undefined && obs === undefined) {
      this.stats.unmatched++;
      // Unknown token: reject a CON, and a NON notification so the server stops (RFC 7641 §3.6).
      if (m.type === MessageType.CON || getUint(m.options, O.Observe) !== undefined) entry.reply = this.sendReset(d.peer, m.messageId);
      return;
    }
    if (m.type === MessageType.CON) {
      entry.reply = encodeEmpty(MessageType.ACK, m.messageId);
      this.send(entry.reply, d.peer);
    }
    if (ex !== undefined) this.deliverResponse(ex, m, d.identity);
    else if (obs !== undefined) this.receiveNotification(obs, m, d);
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
    const v = m.options.find((o) => o.number === O.Block2);
    const b2 = v === undefined ? undefined : decodeBlock(v.value);
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

  private receiveRequest(m: CoapMessage, d: Datagram): void {
    const pk = peerKey(d.peer);
    const now = this.clock.now();
    const dkey = `${pk}#${m.messageId}`;
    const dup = this.dedup.get(dkey, now);
    if (dup !== undefined) {
      // A duplicate: resend what we answered; while the handler runs, stay silent.
      this.stats.duplicates++;
      if (dup.reply !== undefined) this.send(dup.reply, d.peer);
      return;
    }
    const entry = this.dedup.add(dkey, now + (m.type === MessageType.CON ? this.times.exchangeLifetimeMs : this.times.nonLifetimeMs), now);
    const reply = (res: OutgoingResponse): void => this.sendResponse(m, d.peer, entry, res, undefined);

    const bad = firstBadCriticalOption(m.options);
    if (bad !== undefined) return reply({ code: ResponseCode.BadOption, payload: `unsupported critical option ${bad}` });
    const method = methodName(m.code);
    if (method === undefined) return reply({ code: ResponseCode.MethodNotAllowed });

    const rkey = `${pk}|${requestKey(m.code, m.options)}`;
    const b1present = m.options.some((o) => o.number === O.Block1);
    const bkey = `${pk}|${bodyKey(m.code, m.options, b1present ? EMPTY : m.payload)}`;
    let payload = m.payload;
    let contentFormat = getUint(m.options, O.ContentFormat);

    // Block2 follow-up of a body we stored: answer from the store, not the handler.
    const b2v = m.options.find((o) => o.number === O.Block2);
    const b2 = b2v === undefined ? undefined : decodeBlock(b2v.value);
    if (b2v !== undefined && b2 === undefined) return reply({ code: ResponseCode.BadRequest, payload: 'bad Block2 option' });
    if (b2 !== undefined && b2.num > 0) {
      const stored = this.storedBodies.get(bkey, now);
      if (stored !== undefined) return this.sendResponse(m, d.peer, entry, stored, undefined);
    }

    // Block1: reassemble the request body, answering 2.31 until the last block.
    const b1v = m.options.find((o) => o.number === O.Block1);
    let block1Echo: BlockValue | undefined;
    if (b1v !== undefined) {
      const b1 = decodeBlock(b1v.value);
      if (b1 === undefined) return reply({ code: ResponseCode.BadRequest, payload: 'bad Block1 option' });
      const size1 = getUint(m.options, O.Size1);
      const tooLarge = (): void => {
        this.reassembly.delete(rkey);
        reply({ code: ResponseCode.RequestEntityTooLarge, options: [uintOption(O.Size1, this.maxBodySize)] });
      };
      if (size1 !== undefined && size1 > this.maxBodySize) return tooLarge();
      const offset = b1.num * blockSize(b1.szx);
      let ra = this.reassembly.get(rkey, now);
      if (b1.num === 0) {
        ra = { chunks: [], length: 0, contentFormat };
        this.reassembly.set(rkey, ra, now);
      }
      if (ra === undefined || ra.length !== offset || (b1.more && m.payload.length !== blockSize(b1.szx))) {
        this.reassembly.delete(rkey);
        return reply({ code: ResponseCode.RequestEntityIncomplete, payload: 'missing or misplaced block' });
      }
      if (ra.length + m.payload.length > this.maxBodySize) return tooLarge();
      ra.chunks.push(m.payload);
      ra.length += m.payload.length;
      // Size negotiation: a client sending bigger blocks than ours is asked to continue with ours.
      const szx = Math.min(b1.szx, this.szx);
      if (b1.more) {
        return reply({ code: ResponseCode.Continue, options: [{ number: O.Block1, value: encodeBlock({ num: b1.num, more: true, szx }) }] });
      }
      this.reassembly.delete(rkey);
      payload = Buffer.concat(ra.chunks, ra.length);
      contentFormat = ra.contentFormat ?? contentFormat;
      block1Echo = { num: b1.num, more: false, szx: b1.szx };
    }

    // Observe: 0 registers (the handler decides), 1 deregisters this token.
    const observeValue = getUint(m.options, O.Observe);
    const observable = (m.code === Method.GET || m.code === Method.FETCH) && (b2 === undefined || b2.num === 0);
    const okey = `${pk}|${tokenKey(m.token)}`;
    if (observable && observeValue === 1) this.serverObservations.get(okey)?.end('cancelled');
    let observation: ServerObservation | undefined;
    const path = getStrings(m.options, O.UriPath);
    const query = getStrings(m.options, O.UriQuery);
    const accept = getUint(m.options, O.Accept);
    const observeRequested = observable && observeValue === 0;
    const req: IncomingRequest = {
      peer: d.peer, method, confirmable: m.type === MessageType.CON, token: m.token, path, query,
      options: m.options, payload, contentFormat, accept, observeRequested,
      acceptObserve: () => {
        if (!observeRequested) throw new CoapError('E_COAP_INVALID_ARGUMENT', 'the request did not ask to observe');
        observation ??= new ServerObservation(this, d.peer, m.token, okey, bkey, path, query, accept);
        return observation;
      },
      ...(d.identity === undefined ? {} : { identity: d.identity }),
    };

    const handler = this.handler;
    if (handler === undefined) return reply({ code: ResponseCode.NotFound });
    let result: OutgoingResponse | Promise<OutgoingResponse>;
    try {
      result = handler(req);
    } catch (err) {
      return this.handlerFailed(err, d.peer, reply);
    }
    const finish = (res: OutgoingResponse): void => {
      let obsSeq: number | undefined;
      if (observation !== undefined) {
        if (res.code >> 5 === 2 && !this.closed) {
          // A registration with the same token replaces the old one (re-registration).
          const old = this.serverObservations.get(okey);
          if (old !== undefined && old !== observation) old.end('replaced');
          this.serverObservations.set(okey, observation);
          obsSeq = observation.nextSequence();
        } else observation.end('error-response');
      }
      const extra = block1Echo === undefined ? [] : [{ number: O.Block1, value: encodeBlock(block1Echo) }];
      this.sendResponse(m, d.peer, entry, { ...res, options: [...(res.options ?? []), ...extra] }, obsSeq, b2, bkey);
    };
    if (!(result instanceof Promise)) return finish(result);
    let timer: TimerHandle | undefined;
    if (m.type === MessageType.CON) {
      timer = this.clock.setTimeout(() => {
        timer = undefined;
        if (entry.reply !== undefined) return;
        // The handler is slow: acknowledge now, answer separately (RFC 7252 §5.2.2).
        entry.reply = encodeEmpty(MessageType.ACK, m.messageId);
        this.send(entry.reply, d.peer);
      }, this.separateDelayMs);
    }
    result.then(
      (res) => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        finish(res);
      },
      (err: unknown) => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        this.handlerFailed(err, d.peer, reply);
      },
    );
  }

  private handlerFailed(err: unknown, peer: PeerAddress, reply: (res: OutgoingResponse) => void): void {
    this.stats.handlerErrors++;
    this.log.error({ err, peer }, 'coap: request handler failed');
    reply({ code: ResponseCode.InternalServerError });
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
    let options: CoapOption[] = [...(res.options ?? [])];
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
        if (!options.some((o) => o.number === O.ETag)) options.push({ number: O.ETag, value: this.nextEtag() });
        this.storedBodies.set(key, { code: res.code, options: options.filter((o) => o.number !== O.Observe && o.number !== O.Block1), payload: full }, this.clock.now());
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
    const mid = piggyback ? m.messageId : this.nextMid(this.peerState(peer));
    let bytes: Uint8Array;
    try {
      bytes = encode({ type, code, messageId: mid, token: m.token, options, payload });
    } catch (err) {
      this.log.error({ err, peer }, 'coap: response cannot be encoded');
      bytes = encode({ type, code: ResponseCode.InternalServerError, messageId: mid, token: m.token, options: [], payload: EMPTY });
    }
    if (type === MessageType.CON) {
      this.startTransmission(peer, mid, bytes, {
        onAck: () => {}, onReset: () => {}, onGiveUp: () => this.log.debug({ peer }, 'coap: separate response never acknowledged'),
      });
      return;
    }
    // Duplicates of the request get the same bytes again (RFC 7252 §4.5).
    if (piggyback || m.type === MessageType.NON) entry.reply = bytes;
    this.send(bytes, peer);
  }

  /** @internal ObservationHost */
  sendNotification(obs: ServerObservation, res: OutgoingResponse, confirmable: boolean, sequence: number | undefined): Promise<void> {
    if (this.closed) return Promise.reject(new CoapError('E_COAP_CLOSED', 'endpoint closed'));
    const options: CoapOption[] = [...(res.options ?? [])];
    if (res.contentFormat !== undefined) options.push(uintOption(O.ContentFormat, res.contentFormat));
    let payload = toBytes(res.payload);
    if (payload.length > blockSize(this.szx)) {
      if (payload.length > this.maxBodySize) return Promise.reject(new CoapError('E_COAP_TOO_LARGE', 'notification body too large'));
      if (!options.some((o) => o.number === O.ETag)) options.push({ number: O.ETag, value: this.nextEtag() });
      this.storedBodies.set(obs.requestKey, { code: res.code, options: [...options], payload }, this.clock.now());
      const size = blockSize(this.szx);
      options.push({ number: O.Block2, value: encodeBlock({ num: 0, more: true, szx: this.szx }) }, uintOption(O.Size2, payload.length));
      payload = payload.subarray(0, size);
    }
    if (sequence !== undefined) options.push({ number: O.Observe, value: encodeUint(sequence) });
    const ps = this.peerState(obs.peer);
    const mid = this.nextMid(ps);
    let bytes: Uint8Array;
    try {
      bytes = encode({ type: confirmable ? MessageType.CON : MessageType.NON, code: res.code, messageId: mid, token: obs.token, options, payload });
    } catch (e) {
      return Promise.reject(new CoapError('E_COAP_INVALID_ARGUMENT', (e as Error).message, { cause: e }));
    }
    if (!confirmable) {
      this.nonNotifications.set(`${peerKey(obs.peer)}#${mid}`, obs, this.clock.now());
      this.send(bytes, obs.peer);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.startTransmission(obs.peer, mid, bytes, {
        onAck: () => resolve(),
        onReset: () => {
          obs.end('reset');
          reject(new CoapError('E_COAP_RESET', 'observer answered the notification with RST'));
        },
        onGiveUp: () => {
          obs.end(this.closed ? 'closed' : 'timeout');
          reject(this.giveUpError('notification never acknowledged'));
        },
      });
    });
  }

  /** @internal ObservationHost */
  dropObservation(obs: ServerObservation): void {
    if (this.serverObservations.get(obs.key) === obs) this.serverObservations.delete(obs.key);
  }

  /** Ends every exchange and observation, and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const o of [...this.serverObservations.values()]) o.end('closed');
    for (const o of [...this.clientObservations.values()]) o.end();
    for (const ps of this.peers.values()) ps.waiting.length = 0;
    for (const ex of [...this.live]) ex.settle(new CoapError('E_COAP_CLOSED', 'endpoint closed'), undefined);
    for (const t of [...this.outbox.values()]) {
      this.stopTransmission(t);
      t.onGiveUp();
    }
    this.peers.clear();
    this.dedup.clear();
    this.reassembly.clear();
    this.storedBodies.clear();
    await this.transport.close();
  }
}

function decodeBlockOption(options: readonly CoapOption[], number: number): BlockValue | undefined {
  const v = options.find((o) => o.number === number);
  return v === undefined ? undefined : decodeBlock(v.value);
}
