/** The one error type of the DTLS layer; `code` is stable and safe to match on. */
export type DtlsErrorCode =
  | 'E_DTLS_BAD_RECORD'
  | 'E_DTLS_BAD_RECORD_MAC'
  | 'E_DTLS_REPLAY'
  | 'E_DTLS_BAD_EPOCH'
  | 'E_DTLS_RECORD_OVERFLOW'
  | 'E_DTLS_DECODE'
  | 'E_DTLS_UNEXPECTED_MESSAGE'
  | 'E_DTLS_HANDSHAKE_FAILURE'
  | 'E_DTLS_HANDSHAKE_TOO_LARGE'
  | 'E_DTLS_PROTOCOL_VERSION'
  | 'E_DTLS_ILLEGAL_PARAMETER'
  | 'E_DTLS_UNKNOWN_PSK_IDENTITY'
  | 'E_DTLS_DECRYPT_ERROR'
  | 'E_DTLS_INSUFFICIENT_SECURITY'
  | 'E_DTLS_BAD_COOKIE'
  | 'E_DTLS_BAD_CERTIFICATE'
  | 'E_DTLS_UNKNOWN_PEER_KEY'
  | 'E_DTLS_UNKNOWN_CA'
  | 'E_DTLS_CERTIFICATE_EXPIRED'
  | 'E_DTLS_ALERT_RECEIVED'
  | 'E_DTLS_TIMEOUT'
  | 'E_DTLS_CLOSED'
  | 'E_DTLS_NO_SESSION'
  | 'E_DTLS_LIMIT'
  | 'E_DTLS_CONFIG'
  | 'E_DTLS_INTERNAL';

export class DtlsError extends Error {
  readonly code: DtlsErrorCode;
  /** The alert description sent or received, when an alert is involved. */
  readonly alert: number | undefined;

  constructor(code: DtlsErrorCode, message: string, options?: { alert?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DtlsError';
    this.code = code;
    this.alert = options?.alert;
  }
}

export function isDtlsError(e: unknown): e is DtlsError {
  return e instanceof DtlsError;
}
