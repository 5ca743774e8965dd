/** Observe (RFC 7641): the server's record of one observer, and the client's ordering rule. */
import type { PeerAddress } from '../transport/datagram-transport.js';
import { CoapError } from './errors.js';
import type { NotifyOptions, OutgoingResponse } from './request.js';
import type { Transmission } from './retransmitter.js';

export type ObservationEndReason =
  /** The observer answered a notification with RST. */
  | 'reset'
  /** A CON notification was never acknowledged. */
  | 'timeout'
  /** The observer sent GET with Observe=1, or the server's code called cancel(). */
  | 'cancelled'
  /** A new registration with the same token replaced this one. */
  | 'replaced'
  /** A non-2.xx notification ended it. */
  | 'error-response'
  /** The endpoint already served maxObservations; the registration was not kept. */
  | 'limit'
  | 'closed';

/** 24 hours: an observer must see a CON at least this often (RFC 7641 §4.5). */
export const MAX_NON_PERIOD_MS = 24 * 3600 * 1000;
/** Sequence numbers are 24-bit. */
const SEQ_MASK = 0xffffff;

/** How the endpoint sends on behalf of an observation. */
export interface ObservationHost {
  now(): number;
  sendNotification(obs: ServerObservation, response: OutgoingResponse, confirmable: boolean, sequence: number | undefined): Promise<void>;
  dropObservation(obs: ServerObservation): void;
}

export class ServerObservation {
  private sequence: number;
  private lastConAt: number;
  private endReason: ObservationEndReason | undefined;
  private readonly endListeners: ((reason: ObservationEndReason) => void)[] = [];
  /**
   * A CON notification never acknowledged does not end the observation: the observer may only
   * be offline for a while (LwM2M keeps observations and stores notifications until it is back).
   */
  keepOnTimeout = false;
  /** @internal the CON notification waiting for its ACK, at most one (RFC 7641 §4.5.2). */
  inflight: { transmission: Transmission; settle: () => void } | undefined;

  /** @internal constructed by the endpoint when a handler accepts an observation. */
  constructor(
    private readonly host: ObservationHost,
    readonly peer: PeerAddress,
    readonly token: Uint8Array,
    /** @internal peer + token */
    readonly key: string,
    /** @internal the block-wise key of the observed request */
    readonly requestKey: string,
    readonly path: readonly string[],
    readonly query: readonly string[],
    readonly accept: number | undefined,
  ) {
    this.sequence = 2;
    this.lastConAt = host.now();
  }

  get active(): boolean {
    return this.endReason === undefined;
  }

  get endedBy(): ObservationEndReason | undefined {
    return this.endReason;
  }

  /** @internal the Observe value for the next message. */
  nextSequence(): number {
    this.sequence = (this.sequence + 1) & SEQ_MASK;
    return this.sequence;
  }

  /**
   * Sends a notification: resolves when a CON is acknowledged or a NON is sent; a CON that
   * fails ends the observation. A non-2.xx response is sent without Observe and ends it.
   */
  notify(response: OutgoingResponse, options: NotifyOptions = {}): Promise<void> {
    if (this.endReason !== undefined) {
      return Promise.reject(new CoapError('E_COAP_OBSERVE_CANCELLED', `observation ended (${this.endReason})`));
    }
    const now = this.host.now();
    const con = options.confirmable === true || now - this.lastConAt >= MAX_NON_PERIOD_MS;
    if (con) this.lastConAt = now;
    const ok = response.code >> 5 === 2;
    const p = this.host.sendNotification(this, response, con, ok ? this.nextSequence() : undefined);
    if (!ok) this.end('error-response');
    return p;
  }

  /** Ends the observation from the server side, optionally telling the observer with a final error response. */
  cancel(final?: OutgoingResponse): void {
    if (this.endReason !== undefined) return;
    if (final !== undefined && final.code >> 5 !== 2) {
      this.host.sendNotification(this, final, true, undefined).catch(() => {});
    }
    this.end('cancelled');
  }

  onEnd(listener: (reason: ObservationEndReason) => void): void {
    if (this.endReason !== undefined) listener(this.endReason);
    else this.endListeners.push(listener);
  }

  /** @internal */
  end(reason: ObservationEndReason): void {
    if (this.endReason !== undefined || (reason === 'timeout' && this.keepOnTimeout)) return;
    this.endReason = reason;
    this.host.dropObservation(this);
    for (const l of this.endListeners) {
      try {
        l(reason);
      } catch {
        // A listener's failure must not break the endpoint.
      }
    }
  }
}

/**
 * RFC 7641 §3.4: whether a notification (sequence v2, received at t2) is newer than the
 * last one accepted (v1 at t1). Wrap-around is handled; after 128 s anything is newer.
 */
export function isNewerNotification(v1: number, t1: number, v2: number, t2: number): boolean {
  return (v1 < v2 && v2 - v1 < 2 ** 23) || (v1 > v2 && v1 - v2 > 2 ** 23) || t2 > t1 + 128_000;
}
