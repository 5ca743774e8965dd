/** A received request as the handler sees it; a class so the hot path allocates no closures. */
import type { PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import type { MethodName } from './codes.js';
import { CoapError } from './errors.js';
import type { CoapOption } from './message.js';
import type { ObservationHost, ServerObservation } from './observe.js';
import { ServerObservation as Observation } from './observe.js';
import type { IncomingRequest } from './request.js';

export class ServerRequest implements IncomingRequest {
  /** Set once the handler accepted an observation. */
  observation: ServerObservation | undefined;
  readonly identity?: PeerIdentity;

  constructor(
    private readonly host: ObservationHost,
    readonly peer: PeerAddress,
    identity: PeerIdentity | undefined,
    readonly method: MethodName,
    readonly confirmable: boolean,
    readonly token: Uint8Array,
    readonly path: readonly string[],
    readonly query: readonly string[],
    readonly options: readonly CoapOption[],
    readonly payload: Uint8Array,
    readonly contentFormat: number | undefined,
    readonly accept: number | undefined,
    readonly observeRequested: boolean,
    /** peer + token, the observation's key */
    private readonly observeKey: string,
    /** where a block-wise notification body is stored */
    private readonly bodyKey: string,
  ) {
    if (identity !== undefined) this.identity = identity;
  }

  acceptObserve(): ServerObservation {
    if (!this.observeRequested) throw new CoapError('E_COAP_INVALID_ARGUMENT', 'the request did not ask to observe');
    this.observation ??= new Observation(this.host, this.peer, this.token, this.observeKey, this.bodyKey, this.path, this.query, this.accept);
    return this.observation;
  }
}
