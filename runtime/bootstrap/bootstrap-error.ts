/** The one error type of the bootstrap server, with a stable `code` for programs. */
export type BootstrapErrorCode =
  /** A configuration (file, store entry, API call) that cannot be used: the message names the key path. */
  | 'E_BS_CONFIG'
  /** No configuration for this endpoint (and no default). */
  | 'E_BS_UNKNOWN_ENDPOINT'
  /** The client answered a bootstrap operation with an error code. */
  | 'E_BS_REFUSED'
  /** The client did not answer (timeout, RST, transport error), or its address is unknown. */
  | 'E_BS_UNREACHABLE'
  /** The peer's DTLS identity (or plain CoAP) is not allowed for this endpoint. */
  | 'E_BS_FORBIDDEN'
  /** A bootstrap of this endpoint is already running. */
  | 'E_BS_BUSY'
  /** The server was stopped while the operation was pending. */
  | 'E_BS_STOPPED';

export class BootstrapError extends Error {
  override readonly name: string = 'BootstrapError';
  constructor(
    readonly code: BootstrapErrorCode,
    message: string,
    /** The CoAP response code ("4.00") when the client answered. */
    readonly coapCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
