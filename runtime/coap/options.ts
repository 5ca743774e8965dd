/** Option numbers, value formats and accessors (RFC 7252 §5.10, RFC 7641, RFC 7959). */
import type { CoapOption } from './message.js';

export const OptionNumber = {
  IfMatch: 1,
  UriHost: 3,
  ETag: 4,
  IfNoneMatch: 5,
  Observe: 6,
  UriPort: 7,
  LocationPath: 8,
  UriPath: 11,
  ContentFormat: 12,
  MaxAge: 14,
  UriQuery: 15,
  Accept: 17,
  LocationQuery: 20,
  Block2: 23,
  Block1: 27,
  Size2: 28,
  ProxyUri: 35,
  ProxyScheme: 39,
  Size1: 60,
  NoResponse: 258,
} as const;

/** [min, max] value length of every option this layer understands. */
const lengthBounds = new Map<number, readonly [number, number]>([
  [1, [0, 8]], [3, [1, 255]], [4, [1, 8]], [5, [0, 0]], [6, [0, 3]], [7, [0, 2]], [8, [0, 255]],
  [11, [0, 255]], [12, [0, 2]], [14, [0, 4]], [15, [0, 255]], [17, [0, 2]], [20, [0, 255]],
  [23, [0, 3]], [27, [0, 3]], [28, [0, 4]], [35, [1, 1034]], [39, [1, 255]], [60, [0, 4]], [258, [0, 1]],
]);

/** Odd option numbers are critical (RFC 7252 §5.4.6). */
export function isCritical(num: number): boolean {
  return (num & 1) === 1;
}

/**
 * The first critical option the layer does not understand, or one with a value length
 * outside its range (which RFC 7252 §5.4.3 says to treat as unrecognised).
 */
export function firstBadCriticalOption(options: readonly CoapOption[]): number | undefined {
  for (const o of options) {
    if (!isCritical(o.number)) continue;
    const b = lengthBounds.get(o.number);
    if (b === undefined || o.value.length < b[0] || o.value.length > b[1]) return o.number;
  }
  return undefined;
}

/** Whether an elective option's value is within its defined length (else it is ignored). */
export function isWellFormed(o: CoapOption): boolean {
  const b = lengthBounds.get(o.number);
  return b === undefined || (o.value.length >= b[0] && o.value.length <= b[1]);
}

const EMPTY: Uint8Array = new Uint8Array(0);
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Minimal big-endian encoding of an unsigned integer (0 is the empty value). */
export function encodeUint(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`option value ${n} is not a uint32`);
  if (n === 0) return EMPTY;
  if (n < 0x100) return Uint8Array.of(n);
  if (n < 0x10000) return Uint8Array.of(n >> 8, n & 0xff);
  if (n < 0x1000000) return Uint8Array.of(n >> 16, (n >> 8) & 0xff, n & 0xff);
  return Uint8Array.of(n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

export function decodeUint(v: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < v.length && i < 4; i++) n = n * 256 + (v[i] as number);
  return n;
}

export function encodeString(s: string): Uint8Array {
  // ASCII fast path: URI segments and queries are nearly always ASCII.
  const n = s.length;
  if (n <= 64) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return textEncoder.encode(s);
      out[i] = c;
    }
    return out;
  }
  return textEncoder.encode(s);
}

export function decodeString(v: Uint8Array): string {
  return textDecoder.decode(v);
}

/**
 * Small option values recur on every request (Accept, Content-Format, Observe): their
 * encodings are made once and shared. Option values are never written to after encoding.
 */
const uintValues = new Map<number, Uint8Array>();

export function uintOption(number: number, value: number): CoapOption {
  if (value > 0xffff || !Number.isInteger(value)) return { number, value: encodeUint(value) };
  let v = uintValues.get(value);
  if (v === undefined) {
    v = encodeUint(value);
    if (uintValues.size < 4096) uintValues.set(value, v);
  }
  return { number, value: v };
}

export function stringOption(number: number, value: string): CoapOption {
  return { number, value: encodeString(value) };
}

export function findOption(options: readonly CoapOption[], number: number): CoapOption | undefined {
  for (const o of options) if (o.number === number) return o;
  return undefined;
}

export function hasOption(options: readonly CoapOption[], number: number): boolean {
  return findOption(options, number) !== undefined;
}

/** The value of a uint option; undefined when absent or out of its length range. */
export function getUint(options: readonly CoapOption[], number: number): number | undefined {
  const o = findOption(options, number);
  return o === undefined || !isWellFormed(o) ? undefined : decodeUint(o.value);
}

export function getStrings(options: readonly CoapOption[], number: number): string[] {
  const out: string[] = [];
  for (const o of options) if (o.number === number) out.push(decodeString(o.value));
  return out;
}

/**
 * Uri-Path options of short numeric segments ("3", "0", "65535"), shared: LwM2M paths are made
 * of them, and a server sends the same few over and over. Bounded; other segments are encoded each time.
 */
const numericSegments = new Map<string, CoapOption>();

function pathOption(number: number, segment: string): CoapOption {
  if (number !== OptionNumber.UriPath || segment.length > 5) return { number, value: encodeString(segment) };
  let o = numericSegments.get(segment);
  if (o === undefined) {
    o = { number, value: encodeString(segment) };
    if (/^\d+$/.test(segment) && numericSegments.size < 8192) numericSegments.set(segment, o);
  }
  return o;
}

/** Splits "/3/0/1" or "3/0/1" into Uri-Path options (an empty string is the root). */
export function pathOptions(path: string | readonly string[], number: number = OptionNumber.UriPath): CoapOption[] {
  const segs = typeof path === 'string' ? path.split('/') : path;
  const out: CoapOption[] = [];
  // A leading "/" gives an empty first segment that is not a path segment.
  const first = typeof path === 'string' && segs[0] === '' ? 1 : 0;
  if (segs.length - first === 1 && segs[first] === '') return out;
  for (let i = first; i < segs.length; i++) out.push(pathOption(number, segs[i] as string));
  return out;
}

/** Replaces (or removes, with undefined) every option of one number. */
export function withOption(options: readonly CoapOption[], number: number, value: Uint8Array | undefined): CoapOption[] {
  const out = options.filter((o) => o.number !== number);
  if (value !== undefined) out.push({ number, value });
  return out;
}

export function withoutOptions(options: readonly CoapOption[], ...numbers: number[]): CoapOption[] {
  return options.filter((o) => !numbers.includes(o.number));
}
