/** What every typed codec needs: the descriptors, and whether to enforce ranges. */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import { findResource, type ObjectResolver } from '../model/object-resolver.js';
import { CodecError } from './codec-error.js';
import { checkOrCodecError, pathText, type PathRef } from './senml-value.js';
import { isValueOfType } from '../model/check-value.js';
import type { ResourceValue } from '../model/values.js';

export interface CodecOptions {
  /** Descriptors by object id (see objectResolver()). */
  readonly resolve: ObjectResolver;
  /**
   * Enforce ranges, lengths and enumerations on decode and encode (default true).
   * Types are always enforced: a value of the wrong type cannot be written or read.
   */
  readonly check?: boolean;
  /** Inputs larger than this are refused before parsing (default 1 MiB). */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_BYTES = 1 << 20;

export function checkSize(b: Uint8Array, opts: { maxBytes?: number } | undefined): void {
  const max = opts?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (b.length > max) throw new CodecError('E_LIMIT', `payload of ${b.length} bytes exceeds the limit of ${max}`, 0);
}

export interface Resolved {
  readonly obj: ObjectDescriptor;
  readonly res: ResourceDescriptor;
}

/** Descriptors of /o/x/r, or E_UNKNOWN_RESOURCE (a typed codec cannot guess a type). */
export function resolveResource(opts: CodecOptions, objectId: number, resourceId: number, path: PathRef, offset?: number): Resolved {
  const obj = opts.resolve(objectId);
  if (obj === undefined) throw new CodecError('E_UNKNOWN_RESOURCE', `object ${objectId} is not known (${pathText(path)})`, offset, pathText(path));
  const res = findResource(obj, resourceId);
  if (res === undefined) throw new CodecError('E_UNKNOWN_RESOURCE', `object ${objectId} (${obj.name}) has no resource ${resourceId} (${pathText(path)})`, offset, pathText(path));
  if (res.type === 'none') throw new CodecError('E_WIRE_TYPE', `resource ${resourceId} (${res.name}) is executable: it has no value (${pathText(path)})`, offset, pathText(path));
  return { obj, res };
}

/** Checks a value before it is written: its type always, its range unless check is false. */
export function checkForEncode(value: ResourceValue, r: Resolved, opts: CodecOptions, path: PathRef): ResourceValue {
  if (opts.check === false) {
    if (!isValueOfType(r.res.type, value)) return checkOrCodecError(value, { ...r.res, range: undefined }, r.obj, path);
    return value;
  }
  return checkOrCodecError(value, r.res, r.obj, path);
}
