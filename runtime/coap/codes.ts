/** CoAP message types and codes (RFC 7252 §3, §12.1; RFC 8132 for FETCH/PATCH/iPATCH). */

export const MessageType = { CON: 0, NON: 1, ACK: 2, RST: 3 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const Method = { GET: 1, POST: 2, PUT: 3, DELETE: 4, FETCH: 5, PATCH: 6, iPATCH: 7 } as const;
export type MethodName = keyof typeof Method;

const methodNames: readonly (MethodName | undefined)[] = [undefined, 'GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'];

/** Response codes as numbers (class << 5 | detail). */
export const ResponseCode = {
  Created: 0x41,
  Deleted: 0x42,
  Valid: 0x43,
  Changed: 0x44,
  Content: 0x45,
  Continue: 0x5f,
  BadRequest: 0x80,
  Unauthorized: 0x81,
  BadOption: 0x82,
  Forbidden: 0x83,
  NotFound: 0x84,
  MethodNotAllowed: 0x85,
  NotAcceptable: 0x86,
  RequestEntityIncomplete: 0x88,
  Conflict: 0x89,
  PreconditionFailed: 0x8c,
  RequestEntityTooLarge: 0x8d,
  UnsupportedContentFormat: 0x8f,
  InternalServerError: 0xa0,
  NotImplemented: 0xa1,
  BadGateway: 0xa2,
  ServiceUnavailable: 0xa3,
  GatewayTimeout: 0xa4,
  ProxyingNotSupported: 0xa5,
} as const;

export const EMPTY_CODE = 0;

export function methodName(code: number): MethodName | undefined {
  return methodNames[code];
}

export function codeClass(code: number): number {
  return code >> 5;
}

export function isRequestCode(code: number): boolean {
  return code !== 0 && code >> 5 === 0;
}

export function isResponseCode(code: number): boolean {
  const c = code >> 5;
  return c >= 2 && c <= 5;
}

export function isSuccessCode(code: number): boolean {
  return code >> 5 === 2;
}

/** "2.05" style text of a code. */
export function codeText(code: number): string {
  const detail = code & 0x1f;
  return `${code >> 5}.${detail < 10 ? '0' : ''}${detail}`;
}

/** Parses "4.04" into a code number; undefined when malformed. */
export function parseCodeText(text: string): number | undefined {
  const m = /^([0-7])\.([0-3][0-9])$/.exec(text);
  if (m === null) return undefined;
  const detail = Number(m[2]);
  return detail > 31 ? undefined : (Number(m[1]) << 5) | detail;
}
