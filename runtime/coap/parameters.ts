/** Transmission parameters (RFC 7252 §4.8), set per endpoint, and the times derived from them. */

export interface TransmissionParameters {
  /** ACK_TIMEOUT in ms (2000). */
  readonly ackTimeoutMs: number;
  /** ACK_RANDOM_FACTOR (1.5), >= 1. */
  readonly ackRandomFactor: number;
  /** MAX_RETRANSMIT (4). */
  readonly maxRetransmit: number;
  /** NSTART (1): outstanding interactions per peer. */
  readonly nstart: number;
  /** MAX_LATENCY in ms (100 s). */
  readonly maxLatencyMs: number;
}

export const DEFAULT_PARAMETERS: TransmissionParameters = {
  ackTimeoutMs: 2000,
  ackRandomFactor: 1.5,
  maxRetransmit: 4,
  nstart: 1,
  maxLatencyMs: 100_000,
};

export interface DerivedTimes {
  readonly maxTransmitSpanMs: number;
  readonly maxTransmitWaitMs: number;
  readonly exchangeLifetimeMs: number;
  readonly nonLifetimeMs: number;
}

export function resolveParameters(p: Partial<TransmissionParameters> | undefined): TransmissionParameters {
  const r = { ...DEFAULT_PARAMETERS, ...p };
  if (!(r.ackTimeoutMs > 0) || !(r.ackRandomFactor >= 1) || !(r.maxRetransmit >= 0) || !(r.nstart >= 1) || !(r.maxLatencyMs >= 0)) {
    throw new RangeError('invalid CoAP transmission parameters');
  }
  return r;
}

export function deriveTimes(p: TransmissionParameters): DerivedTimes {
  const base = p.ackTimeoutMs * p.ackRandomFactor;
  const maxTransmitSpanMs = base * (2 ** p.maxRetransmit - 1);
  const maxTransmitWaitMs = base * (2 ** (p.maxRetransmit + 1) - 1);
  // PROCESSING_DELAY is ACK_TIMEOUT (RFC 7252 §4.8.2).
  const exchangeLifetimeMs = maxTransmitSpanMs + 2 * p.maxLatencyMs + p.ackTimeoutMs;
  const nonLifetimeMs = maxTransmitSpanMs + p.maxLatencyMs;
  return { maxTransmitSpanMs, maxTransmitWaitMs, exchangeLifetimeMs, nonLifetimeMs };
}
