import { ByteReader, ByteWriter } from './bytes.js';
import { DtlsError } from './dtls-error.js';
import { encodeExtensions, parseExtensions } from './extensions.js';
import type { Extension } from './extensions.js';

export interface ClientHello {
  readonly version: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cookie: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface ServerHello {
  readonly version: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  readonly extensions: readonly Extension[];
}

export interface HelloVerifyRequest {
  readonly version: number;
  readonly cookie: Uint8Array;
}

export function parseClientHello(body: Uint8Array): ClientHello {
  const r = new ByteReader(body);
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8();
  if (sessionId.length > 32) throw new DtlsError('E_DTLS_DECODE', 'session id longer than 32');
  const cookie = r.vec8();
  const suites = r.vec16();
  if (suites.length < 2 || suites.length % 2 !== 0) throw new DtlsError('E_DTLS_DECODE', 'bad cipher suite list');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i]! << 8) | suites[i + 1]!);
  const compressionMethods = r.vec8();
  if (compressionMethods.length < 1) throw new DtlsError('E_DTLS_DECODE', 'no compression methods');
  const extensions = parseExtensions(r);
  r.expectEnd('ClientHello');
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export function encodeClientHello(h: ClientHello): Uint8Array {
  const w = new ByteWriter().u16(h.version).bytes(h.random).vec8(h.sessionId).vec8(h.cookie);
  w.u16(h.cipherSuites.length * 2);
  for (const s of h.cipherSuites) w.u16(s);
  w.vec8(h.compressionMethods);
  encodeExtensions(w, h.extensions);
  return w.finish();
}

export function parseServerHello(body: Uint8Array): ServerHello {
  const r = new ByteReader(body);
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vec8();
  if (sessionId.length > 32) throw new DtlsError('E_DTLS_DECODE', 'session id longer than 32');
  const cipherSuite = r.u16();
  const compressionMethod = r.u8();
  const extensions = parseExtensions(r);
  r.expectEnd('ServerHello');
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

export function encodeServerHello(h: ServerHello): Uint8Array {
  const w = new ByteWriter().u16(h.version).bytes(h.random).vec8(h.sessionId).u16(h.cipherSuite).u8(h.compressionMethod);
  encodeExtensions(w, h.extensions);
  return w.finish();
}

export function parseHelloVerifyRequest(body: Uint8Array): HelloVerifyRequest {
  const r = new ByteReader(body);
  const version = r.u16();
  const cookie = r.vec8();
  r.expectEnd('HelloVerifyRequest');
  return { version, cookie };
}

export function encodeHelloVerifyRequest(h: HelloVerifyRequest): Uint8Array {
  return new ByteWriter(3 + h.cookie.length).u16(h.version).vec8(h.cookie).finish();
}
