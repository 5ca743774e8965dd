/** The one error type of the client layer, with a stable `code` for programs. */
export type ClientErrorCode =
  /** The client's options or its Security/Server instances do not describe a usable setup. */
  | 'E_CLIENT_CONFIG'
  /** A Register, Update or De-register got no usable answer (timeout, RST, transport error). */
  | 'E_CLIENT_UNREACHABLE'
  /** The server answered a registration request with an error code. */
  | 'E_CLIENT_REJECTED'
  /** Every LwM2M version down to 1.0 was refused with 4.12. */
  | 'E_CLIENT_VERSION'
  /** The client was stopped while the operation was pending. */
  | 'E_CLIENT_STOPPED'
  /** Send is not possible to this server: not registered, registered as LwM2M 1.0, or muted (/1/x/23). */
  | 'E_CLIENT_SEND';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** The CoAP response code ("4.03") when a server answered. */
    readonly coapCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
