/**
 * text/plain (0): one value as text. Booleans are "0"/"1", Time is integer seconds,
 * Opaque is standard base64 with padding, Objlnk "o:i", Corelnk link format.
 */
import type { LwM2MPath } from '../model/path.js';
import type { CoreLink, ObjectLink, ResourceValue } from '../model/values.js';
import { normalizeInteger } from '../model/check-value.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkForEncode, checkSize, type CodecOptions } from './codec-options.js';
import { formatCoreLinks, parseCoreLinks } from './core-link.js';
import { checkOrCodecError, formatObjectLink, parseObjectLink, secondsToTime, timeToSeconds } from './senml-value.js';
import { resolveSingleValue } from './single-value-path.js';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from './text-bytes.js';

/**
 * A float in decimal notation without an exponent, as the TS's Table C-2 spells text/plain
 * floats (6.667e-11 is "0.00000000006667"): the shortest digits that read back to the same
 * number (those of String(v)), with the point moved instead of an exponent.
 */
export function plainDecimal(v: number): string {
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exp; // digits before the point
  const body = point <= 0 ? '0.' + '0'.repeat(-point) + digits : point >= digits.length ? digits + '0'.repeat(point - digits.length) : digits.slice(0, point) + '.' + digits.slice(point);
  return (neg ? '-' : '') + body;
}

export function formatTextValue(value: ResourceValue, type: string, path: string): string {
  switch (type) {
    case 'string': return value as string;
    case 'integer': case 'unsignedInteger': return String(value);
    case 'float': {
      const v = value as number;
      if (!Number.isFinite(v)) throw new CodecError('E_UNREPRESENTABLE', `${v} has no text/plain form (${path})`, undefined, path);
      return Object.is(v, -0) ? '-0.0' : plainDecimal(v);
    }
    case 'boolean': return value ? '1' : '0';
    case 'opaque': return base64Encode(value as Uint8Array);
    case 'time': return String(timeToSeconds(value as Date));
    case 'objlnk': return formatObjectLink(value as ObjectLink);
    case 'corelnk': return formatCoreLinks(value as readonly CoreLink[]);
    default: throw new CodecError('E_UNREPRESENTABLE', `type ${type} has no value (${path})`, undefined, path);
  }
}

export function encodeTextPlain(path: LwM2MPath, value: ResourceValue, opts: CodecOptions): Uint8Array {
  const r = resolveSingleValue(path, opts, 'text/plain');
  const v = checkForEncode(value, r, opts, r.text);
  return utf8Encode(formatTextValue(v, r.res.type, r.text));
}

const INT = /^-?(?:0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

function parseInteger(s: string, path: string, unsigned: boolean): number | bigint {
  // Accept "-0" and leading zeros? Leading zeros are refused: one value, one spelling.
  if (!INT.test(s) || (unsigned && s.startsWith('-')) || s.length > 21) {
    throw new CodecError('E_WIRE_TYPE', `"${s.slice(0, 24)}" is not ${unsigned ? 'an unsigned' : 'an'} integer (${path})`, 0, path);
  }
  const n = Number(s);
  return normalizeInteger(Number.isSafeInteger(n) ? n : BigInt(s));
}

export function parseTextValue(s: string, type: string, path: string): ResourceValue {
  switch (type) {
    case 'string': return s;
    case 'integer': return parseInteger(s, path, false);
    case 'unsignedInteger': return parseInteger(s, path, true);
    case 'float':
      if (!FLOAT.test(s)) throw new CodecError('E_WIRE_TYPE', `"${s.slice(0, 24)}" is not a number (${path})`, 0, path);
      return Number(s);
    case 'boolean':
      if (s === '1') return true;
      if (s === '0') return false;
      throw new CodecError('E_WIRE_TYPE', `"${s.slice(0, 24)}" is not a boolean, "0" or "1" (${path})`, 0, path);
    case 'opaque': return base64Decode(s, 'std');
    case 'time': {
      const n = parseInteger(s, path, false);
      return secondsToTime(n, path, 0);
    }
    case 'objlnk': return parseObjectLink(s, path, 0);
    case 'corelnk': return parseCoreLinks(s);
    default: throw new CodecError('E_WIRE_TYPE', `type ${type} has no value (${path})`, 0, path);
  }
}

export function decodeTextPlain(path: LwM2MPath, bytes: Uint8Array, opts: CodecOptions): ResourceValue {
  try {
    checkSize(bytes, opts);
    const r = resolveSingleValue(path, opts, 'text/plain');
    const v = parseTextValue(utf8Decode(bytes), r.res.type, r.text);
    return opts.check === false ? v : checkOrCodecError(v, r.res, r.obj, r.text);
  } catch (e) {
    throw asCodecError(e);
  }
}
