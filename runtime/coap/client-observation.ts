/** The client side of one observation (RFC 7641): ordering of notifications, cancel. */
import type { PeerAddress } from '../transport/datagram-transport.js';
import type { CoapOption } from './message.js';
import { isNewerNotification } from './observe.js';
import { OptionNumber as O, pathOptions, stringOption, uintOption } from './options.js';
import type { CoapResponse, RequestInit } from './request.js';

/** What the endpoint does for an observation. */
export interface ClientObservationHost {
  cancelObservation(obs: ClientObservation, init: RequestInit): Promise<CoapResponse>;
  reregisterObservation(obs: ClientObservation, init: RequestInit): Promise<CoapResponse>;
  forgetClientObservation(obs: ClientObservation): void;
}

export class ClientObservation {
  /** The response to the registration (its payload is the first value). */
  response: CoapResponse | undefined;
  private lastSeq = -1;
  private lastAt = 0;
  private ended = false;

  /** @internal constructed by CoapEndpoint.observe() */
  constructor(
    private readonly host: ClientObservationHost,
    readonly peer: PeerAddress,
    readonly token: Uint8Array,
    /** @internal */
    readonly key: string,
    /** @internal */
    readonly init: RequestInit,
    private readonly listener: (notification: CoapResponse) => void,
  ) {}

  /** False once cancelled, forgotten, refused by the server, or ended by an error notification. */
  get active(): boolean {
    return !this.ended;
  }

  /** Deregisters with GET (or FETCH) Observe=1 on the same token; resolves with the server's answer. */
  cancel(): Promise<CoapResponse> {
    const { signal: _s, ...rest } = this.init;
    return this.host.cancelObservation(this, rest);
  }

  /**
   * Re-registers (RFC 7641 §3.3.1): GET with Observe=0 on the same token, e.g. after the
   * server restarted or Max-Age ran out. Resolves with the fresh response.
   */
  reregister(): Promise<CoapResponse> {
    const { signal: _s, ...rest } = this.init;
    return this.host.reregisterObservation(this, rest);
  }

  /** Forgets the observation locally; the next notification is answered with RST (RFC 7641 §3.6). */
  forget(): void {
    this.end();
  }

  /** @internal (re)starts ordering from the registration response's sequence number. */
  accept(seq: number, now: number): void {
    this.ended = false;
    this.lastSeq = seq;
    this.lastAt = now;
  }

  /** @internal whether a notification with this sequence number is newer; records it if so. */
  isFresh(seq: number, now: number): boolean {
    if (this.lastSeq >= 0 && !isNewerNotification(this.lastSeq, this.lastAt, seq, now)) return false;
    this.lastSeq = seq;
    this.lastAt = now;
    return true;
  }

  /** @internal */
  isLatest(seq: number): boolean {
    return this.lastSeq === seq;
  }

  /** @internal the options that identify the observed resource, for Block2 follow-ups. */
  requestOptions(): CoapOption[] {
    const out: CoapOption[] = [...(this.init.options ?? [])];
    if (this.init.path !== undefined) out.push(...pathOptions(this.init.path));
    for (const q of this.init.query ?? []) out.push(stringOption(O.UriQuery, q));
    if (this.init.contentFormat !== undefined) out.push(uintOption(O.ContentFormat, this.init.contentFormat));
    if (this.init.accept !== undefined) out.push(uintOption(O.Accept, this.init.accept));
    return out;
  }

  /** @internal */
  deliver(notification: CoapResponse): void {
    try {
      this.listener(notification);
    } catch {
      // The listener's failure is its own; the endpoint carries on.
    }
  }

  /** @internal */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.host.forgetClientObservation(this);
  }
}
