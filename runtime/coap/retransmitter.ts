/**
 * CON retransmission (RFC 7252 §4.2): each CON is resent with exponential back-off from
 * ACK_TIMEOUT x [1, ACK_RANDOM_FACTOR) until acknowledged, reset, or MAX_RETRANSMIT is spent.
 */
import type { PeerAddress } from '../transport/datagram-transport.js';
import type { Clock, TimerHandle } from './clock.js';
import type { CoapMessage } from './message.js';
import type { TransmissionParameters } from './parameters.js';

/** Who hears about the fate of a CON. */
export interface TransmissionOwner {
  acked(message: CoapMessage): void;
  reset(): void;
  failed(): void;
}

export interface Transmission {
  /** peer key + "#" + message ID */
  readonly key: string;
  readonly peer: PeerAddress;
  readonly bytes: Uint8Array;
  attempts: number;
  timeoutMs: number;
  timer: TimerHandle | undefined;
  readonly owner: TransmissionOwner;
}

const JITTER_STEPS = 10;

export const IGNORE_OUTCOME: TransmissionOwner = { acked: () => {}, reset: () => {}, failed: () => {} };

export class Retransmitter {
  private readonly outbox = new Map<string, Transmission>();

  constructor(
    private readonly parameters: TransmissionParameters,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly send: (bytes: Uint8Array, peer: PeerAddress) => void,
    private readonly onRetransmit: () => void,
  ) {}

  get size(): number {
    return this.outbox.size;
  }

  get(key: string): Transmission | undefined {
    return this.outbox.get(key);
  }

  /**
   * Sends a CON now and keeps resending it until stop() or the owner hears the outcome.
   * `carry` continues the counter and timeout of a transmission this one replaces.
   */
  start(peer: PeerAddress, pk: string, mid: number, bytes: Uint8Array, owner: TransmissionOwner, carry?: Transmission): Transmission {
    const p = this.parameters;
    const t: Transmission = {
      key: `${pk}#${mid}`, peer, bytes, attempts: carry?.attempts ?? 0,
      // One of ten steps across [ACK_TIMEOUT, ACK_TIMEOUT x ACK_RANDOM_FACTOR], whole milliseconds: Node
      // keeps a timer list per duration, and a few long-lived lists are cheaper than a list per CON.
      timeoutMs: carry?.timeoutMs ?? Math.round(p.ackTimeoutMs * (1 + (Math.floor(this.random() * JITTER_STEPS) / JITTER_STEPS) * (p.ackRandomFactor - 1))), timer: undefined, owner,
    };
    this.outbox.set(t.key, t);
    this.send(bytes, peer);
    t.timer = this.clock.setTimeout(this.onTimer, t.timeoutMs, t);
    return t;
  }

  stop(t: Transmission | undefined): void {
    if (t === undefined) return;
    if (t.timer !== undefined) this.clock.clearTimeout(t.timer);
    t.timer = undefined;
    if (this.outbox.get(t.key) === t) this.outbox.delete(t.key);
  }

  /** Stops everything, telling each owner it failed (used on close). */
  failAll(): void {
    for (const t of [...this.outbox.values()]) {
      this.stop(t);
      t.owner.failed();
    }
  }

  private readonly onTimer = (t: Transmission): void => {
    if (this.outbox.get(t.key) !== t) return;
    if (t.attempts >= this.parameters.maxRetransmit) {
      this.outbox.delete(t.key);
      t.timer = undefined;
      t.owner.failed();
      return;
    }
    t.attempts++;
    t.timeoutMs *= 2;
    this.onRetransmit();
    this.send(t.bytes, t.peer);
    t.timer = this.clock.setTimeout(this.onTimer, t.timeoutMs, t);
  };
}
