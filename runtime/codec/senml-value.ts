/**
 * Resource values in the SenML-style formats: which value field carries each LwM2M type
 * and how the wire value becomes a typed value. Shared by SenML JSON/CBOR and LwM2M
 * JSON (which spells the fields sv/bv/ov and base64-encodes opaque in sv).
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import { checkValue, normalizeInteger } from '../model/check-value.js';
import type { ObjectLink, ResourceValue } from '../model/values.js';
import { formatPath, type LwM2MPath } from '../model/path.js';

/** A path for messages: formatted only when an error needs it. */
export type PathRef = string | LwM2MPath;

export function pathText(p: PathRef): string {
  return typeof p === 'string' ? p : formatPath(p);
}
import { CodecError } from './codec-error.js';
import { formatCoreLinks, parseCoreLinks } from './core-link.js';

/** v: number, vs: string, vb: boolean, vd: bytes, vlo: object link "o:i". */
export type SenmlField = 'v' | 'vs' | 'vb' | 'vd' | 'vlo';
export type SenmlWire = number | bigint | string | boolean | Uint8Array;

export function senmlField(res: ResourceDescriptor): SenmlField {
  switch (res.type) {
    case 'integer': case 'unsignedInteger': case 'float': case 'time': return 'v';
    case 'boolean': return 'vb';
    case 'opaque': return 'vd';
    case 'objlnk': return 'vlo';
    default: return 'vs'; // string, corelnk (and 'none', refused before)
  }
}

/** Whole seconds since 1970 (LwM2M Time has no fractions). */
export function timeToSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

export function secondsToTime(s: number | bigint, path: PathRef, offset?: number): Date {
  const ms = Number(s) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw new CodecError('E_VALUE_RANGE', `time ${s} s is outside the range of a date (${pathText(path)})`, offset, pathText(path));
  return new Date(ms);
}

export function formatObjectLink(l: ObjectLink): string {
  return `${l.objectId}:${l.instanceId}`;
}

export function parseObjectLink(s: string, path: PathRef, offset?: number): ObjectLink {
  // Decimal ids of 1..5 digits; leading zeros are read (the TS's own example is "10:03").
  const m = /^([0-9]{1,5}):([0-9]{1,5})$/.exec(s);
  if (m === null || Number(m[1]) > 65535 || Number(m[2]) > 65535) {
    throw new CodecError('E_WIRE_TYPE', `"${s.slice(0, 20)}" is not an object link "objectId:instanceId" (${pathText(path)})`, offset, pathText(path));
  }
  return { objectId: Number(m[1]), instanceId: Number(m[2]) };
}

/** The wire value of a typed value (after checking it). */
export function toSenmlWire(value: ResourceValue, res: ResourceDescriptor): SenmlWire {
  switch (res.type) {
    // Integers beyond 32 bits as bigint: cbor-x writes such numbers as float64, and a
    // float resource with an integral value must stay a float (so only these types).
    case 'integer': case 'unsignedInteger': return wideAsBigint(value as number | bigint);
    case 'time': return wideAsBigint(timeToSeconds(value as Date));
    case 'objlnk': return formatObjectLink(value as ObjectLink);
    case 'corelnk': return formatCoreLinks(value as never);
    default: return value as SenmlWire;
  }
}

function wideAsBigint(v: number | bigint): number | bigint {
  return typeof v === 'number' && (v > 0xffffffff || v < -0x100000000) ? BigInt(v) : v;
}

/** A typed value from the wire, refusing the wrong field for the resource's type. */
export function fromSenmlWire(
  field: SenmlField,
  wire: SenmlWire,
  res: ResourceDescriptor,
  obj: ObjectDescriptor,
  path: PathRef,
  check: boolean,
  offset?: number,
): ResourceValue {
  const want = senmlField(res);
  if (field !== want) throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is ${res.type}: expected "${want}", got "${field}"`, offset, pathText(path));
  let v: ResourceValue;
  switch (res.type) {
    case 'integer': case 'unsignedInteger':
      if (typeof wire === 'number' ? !Number.isInteger(wire) : typeof wire !== 'bigint') {
        throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is ${res.type}: ${String(wire)} is not an integer`, offset, pathText(path));
      }
      v = normalizeInteger(wire as number | bigint);
      break;
    case 'float':
      if (typeof wire !== 'number' && typeof wire !== 'bigint') throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is float: a number is expected`, offset, pathText(path));
      v = Number(wire);
      break;
    case 'time':
      if (typeof wire !== 'number' && typeof wire !== 'bigint') throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is time: a number is expected`, offset, pathText(path));
      v = secondsToTime(wire, path, offset);
      break;
    case 'boolean':
      if (typeof wire !== 'boolean') throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is boolean: true or false is expected`, offset, pathText(path));
      v = wire;
      break;
    case 'opaque':
      if (!(wire instanceof Uint8Array)) throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is opaque: bytes are expected`, offset, pathText(path));
      v = wire;
      break;
    case 'objlnk':
      if (typeof wire !== 'string') throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is objlnk: a string is expected`, offset, pathText(path));
      v = parseObjectLink(wire, path, offset);
      break;
    case 'corelnk':
      if (typeof wire !== 'string') throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is corelnk: a string is expected`, offset, pathText(path));
      v = parseCoreLinks(wire);
      break;
    case 'string':
      if (typeof wire !== 'string') throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is string: a string is expected`, offset, pathText(path));
      v = wire;
      break;
    case 'none':
      throw new CodecError('E_WIRE_TYPE', `${pathText(path)} is an executable resource: it has no value`, offset, pathText(path));
  }
  // The wire checks above already settled the type of every value but integers (whose
  // width checkValue still has to see): without a range there is nothing left to check.
  if (!check || (res.range?.parsed === undefined && res.type !== 'integer' && res.type !== 'unsignedInteger')) return v;
  return checkOrCodecError(v, res, obj, path, offset);
}

/** checkValue with the failure turned into a CodecError at `path`. */
export function checkOrCodecError(v: unknown, res: ResourceDescriptor, obj: ObjectDescriptor, path: PathRef, offset?: number): ResourceValue {
  try {
    return checkValue(v, res, obj);
  } catch (e) {
    const err = e as { code: CodecError['code']; message: string };
    throw new CodecError(err.code, `${err.message} (${pathText(path)})`, offset, pathText(path), { cause: e });
  }
}
