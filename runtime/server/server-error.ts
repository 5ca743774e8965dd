/** The server layer's one error type: a stable code, and the CoAP response it maps to. */
export type ServerErrorCode =
  /** A Register/Update query parameter is missing, repeated or malformed (4.00). */
  | 'E_REG_PARAM'
  /** The registration payload is not a valid list of object links (4.00). */
  | 'E_REG_PAYLOAD'
  /** The client asks for an LwM2M version this server does not speak (4.12, per Wakaama; clients fall back). */
  | 'E_REG_VERSION'
  /**
   * The client's DTLS identity may not register as this endpoint, a registration is addressed
   * by a client other than the one that made it, or NoSec is not allowed for the endpoint (4.03).
   */
  | 'E_REG_FORBIDDEN'
  /** Update or De-register for a registration that does not exist (4.04). */
  | 'E_REG_UNKNOWN'
  /** A request to an endpoint that is not registered. */
  | 'E_CLIENT_UNKNOWN'
  /** The client answered with an error code; `responseCode` says which. */
  | 'E_CLIENT_RESPONSE'
  /** The client's answer could not be decoded. */
  | 'E_CLIENT_PAYLOAD'
  /** The client did not answer in time, or the request was cancelled. */
  | 'E_CLIENT_UNREACHABLE'
  /** A value or argument given to a server call is not valid for the resource. */
  | 'E_ARGUMENT';

/** What the server answers a client for errors of the registration interface. */
const coapCodes: Partial<Record<ServerErrorCode, string>> = {
  E_REG_PARAM: '4.00',
  E_REG_PAYLOAD: '4.00',
  E_REG_VERSION: '4.12',
  E_REG_UNKNOWN: '4.04',
  E_REG_FORBIDDEN: '4.03',
};

export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    /** For E_CLIENT_RESPONSE: the client's response code, "4.04". */
    readonly responseCode?: string,
  ) {
    super(message);
  }

  /** The CoAP response code to answer a registration request with, "4.00". */
  get coapCode(): string {
    return coapCodes[this.code] ?? '5.00';
  }
}
