/** One request of ours waiting for its response: the client side of an exchange. */
import type { PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import type { TimerHandle } from './clock.js';
import type { ClientObservation } from './client-observation.js';
import { CoapError } from './errors.js';
import type { CoapMessage, CoapOption } from './message.js';
import type { PeerState } from './peer-table.js';
import type { Transmission, TransmissionOwner } from './retransmitter.js';

export interface ExchangeRequest {
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
  readonly confirmable: boolean;
  readonly deadlineAt: number;
  readonly signal: AbortSignal | undefined;
  readonly token: Uint8Array | undefined;
  readonly observation: ClientObservation | undefined;
}

export interface ExchangeResult {
  readonly message: CoapMessage;
  readonly identity: PeerIdentity | undefined;
}

/** What the endpoint does when an exchange's CON is acknowledged, reset or given up. */
export interface ExchangeHost {
  exchangeAcked(ex: Exchange, message: CoapMessage): void;
  settleExchange(ex: Exchange, result: CoapMessage | CoapError, identity: PeerIdentity | undefined): void;
  giveUpError(message: string): CoapError;
}

/**
 * A class with methods rather than closures: one is allocated per request, and it is its own
 * abort listener (handleEvent).
 */
export class Exchange implements TransmissionOwner {
  transmission: Transmission | undefined;
  slotHeld = false;
  settled = false;
  deadline: TimerHandle | undefined;
  resolve: ((r: ExchangeResult) => void) | undefined;
  reject: ((e: CoapError) => void) | undefined;

  constructor(
    private readonly host: ExchangeHost,
    /** peer key + "|" + token */
    readonly key: string,
    readonly peer: PeerAddress,
    readonly pk: string,
    readonly peerState: PeerState<Exchange>,
    readonly token: Uint8Array,
    readonly req: ExchangeRequest,
  ) {}

  acked(message: CoapMessage): void {
    this.host.exchangeAcked(this, message);
  }

  reset(): void {
    this.host.settleExchange(this, new CoapError('E_COAP_RESET', 'peer answered with RST'), undefined);
  }

  failed(): void {
    this.host.settleExchange(this, this.host.giveUpError('no ACK after the last retransmission'), undefined);
  }

  handleEvent(): void {
    this.host.settleExchange(this, new CoapError('E_COAP_ABORTED', 'request aborted'), undefined);
  }
}
