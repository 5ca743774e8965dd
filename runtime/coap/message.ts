/** The CoAP message as the layer handles it, independent of the wire codec. */
import type { MessageType } from './codes.js';

export interface CoapOption {
  readonly number: number;
  readonly value: Uint8Array;
}

export interface CoapMessage {
  readonly type: MessageType;
  /** class << 5 | detail; 0 is the empty message. */
  readonly code: number;
  readonly messageId: number;
  /** 0 to 8 bytes. */
  readonly token: Uint8Array;
  /** In the order they appear; the encoder sorts by number (stable for repeated options). */
  readonly options: readonly CoapOption[];
  readonly payload: Uint8Array;
}
