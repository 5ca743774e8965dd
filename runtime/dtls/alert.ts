import { ByteReader } from './bytes.js';
import type { DtlsErrorCode } from './dtls-error.js';

export const AlertLevel = { warning: 1, fatal: 2 } as const;

/** RFC 5246 7.2, RFC 4279 (unknown_psk_identity), RFC 5746 (no_renegotiation). */
export const AlertDescription = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  recordOverflow: 22,
  handshakeFailure: 40,
  badCertificate: 42,
  unsupportedCertificate: 43,
  certificateExpired: 45,
  certificateUnknown: 46,
  illegalParameter: 47,
  unknownCa: 48,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  insufficientSecurity: 71,
  internalError: 80,
  noRenegotiation: 100,
  unknownPskIdentity: 115,
} as const;

export interface Alert {
  readonly level: number;
  readonly description: number;
}

export function encodeAlert(level: number, description: number): Uint8Array {
  return Uint8Array.of(level, description);
}

export function parseAlert(fragment: Uint8Array): Alert {
  const r = new ByteReader(fragment);
  const alert = { level: r.u8(), description: r.u8() };
  r.expectEnd('alert');
  return alert;
}

/** The alert a local failure is reported to the peer with. */
export function alertForCode(code: DtlsErrorCode): number {
  switch (code) {
    case 'E_DTLS_BAD_RECORD_MAC': return AlertDescription.badRecordMac;
    case 'E_DTLS_RECORD_OVERFLOW': return AlertDescription.recordOverflow;
    case 'E_DTLS_DECODE':
    case 'E_DTLS_HANDSHAKE_TOO_LARGE': return AlertDescription.decodeError;
    case 'E_DTLS_UNEXPECTED_MESSAGE': return AlertDescription.unexpectedMessage;
    case 'E_DTLS_PROTOCOL_VERSION': return AlertDescription.protocolVersion;
    case 'E_DTLS_ILLEGAL_PARAMETER': return AlertDescription.illegalParameter;
    case 'E_DTLS_UNKNOWN_PSK_IDENTITY': return AlertDescription.unknownPskIdentity;
    case 'E_DTLS_DECRYPT_ERROR': return AlertDescription.decryptError;
    case 'E_DTLS_INSUFFICIENT_SECURITY': return AlertDescription.insufficientSecurity;
    case 'E_DTLS_HANDSHAKE_FAILURE': return AlertDescription.handshakeFailure;
    case 'E_DTLS_BAD_CERTIFICATE': return AlertDescription.badCertificate;
    case 'E_DTLS_UNKNOWN_PEER_KEY': return AlertDescription.certificateUnknown;
    case 'E_DTLS_UNKNOWN_CA': return AlertDescription.unknownCa;
    case 'E_DTLS_CERTIFICATE_EXPIRED': return AlertDescription.certificateExpired;
    default: return AlertDescription.internalError;
  }
}
