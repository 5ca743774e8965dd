/** The one error type of the CoAP layer; `code` is stable and meant for programs. */
export type CoapErrorCode =
  /** No response before the deadline (MAX_TRANSMIT_WAIT by default) or retransmissions exhausted. */
  | 'E_COAP_TIMEOUT'
  /** The peer answered with RST. */
  | 'E_COAP_RESET'
  /** The caller's AbortSignal fired. */
  | 'E_COAP_ABORTED'
  /** The endpoint was closed while the operation was pending. */
  | 'E_COAP_CLOSED'
  /** A body exceeds the configured maximum, or a message cannot be sent in one datagram. */
  | 'E_COAP_TOO_LARGE'
  /** A block-wise transfer broke off (wrong block number, changed ETag, server error mid-way). */
  | 'E_COAP_BLOCKWISE'
  /** The caller passed something the layer cannot send. */
  | 'E_COAP_INVALID_ARGUMENT'
  /** The transport refused to send. */
  | 'E_COAP_TRANSPORT'
  /** The observation ended (peer RST, failed notification, cancel, endpoint closed). */
  | 'E_COAP_OBSERVE_CANCELLED';

export class CoapError extends Error {
  override readonly name = 'CoapError';
  constructor(readonly code: CoapErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
