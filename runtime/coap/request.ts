/** What callers of the endpoint pass and get back: requests, responses, handler shapes. */
import type { PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import type { MethodName } from './codes.js';
import type { CoapOption } from './message.js';
import type { ServerObservation } from './observe.js';

/** A request this endpoint sends. */
export interface RequestInit {
  readonly method: MethodName;
  /** "/3/0/1" or ["3", "0", "1"]. */
  readonly path?: string | readonly string[];
  /** Uri-Query options, each "name=value" or "name". */
  readonly query?: readonly string[];
  readonly contentFormat?: number;
  readonly accept?: number;
  readonly payload?: Uint8Array | string;
  /** Further options (ETag, If-Match, ...); Block and Observe are set by the endpoint. */
  readonly options?: readonly CoapOption[];
  /** CON (default) or NON. */
  readonly confirmable?: boolean;
  /** Deadline for the whole request; MAX_TRANSMIT_WAIT by default. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Block size (16..1024) for this request's and its response's blocks. */
  readonly blockSize?: number;
}

/** A response this endpoint received; block-wise bodies arrive reassembled. */
export interface CoapResponse {
  readonly code: number;
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
  readonly contentFormat: number | undefined;
  readonly peer: PeerAddress;
  readonly identity?: PeerIdentity;
}

/** A request this endpoint received; a Block1 body arrives reassembled. */
export interface IncomingRequest {
  readonly peer: PeerAddress;
  readonly identity?: PeerIdentity;
  readonly method: MethodName;
  readonly confirmable: boolean;
  readonly token: Uint8Array;
  readonly path: readonly string[];
  readonly query: readonly string[];
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
  readonly contentFormat: number | undefined;
  readonly accept: number | undefined;
  /** True for GET/FETCH with Observe=0: the handler may call acceptObserve(). */
  readonly observeRequested: boolean;
  /**
   * Accepts the observation; the endpoint adds the Observe option to a 2.xx response.
   * Throws when observeRequested is false.
   */
  acceptObserve(): ServerObservation;
}

/** What a request handler answers. */
export interface OutgoingResponse {
  readonly code: number;
  readonly payload?: Uint8Array | string;
  readonly contentFormat?: number;
  /** Further options (Location-Path, ETag, Max-Age, ...). */
  readonly options?: readonly CoapOption[];
}

export type RequestHandler = (request: IncomingRequest) => OutgoingResponse | Promise<OutgoingResponse>;

/** A notification to send to an observer. */
export interface NotifyOptions {
  /** CON instead of NON; a CON is sent anyway when none went out for 24 hours. */
  readonly confirmable?: boolean;
}
