/**
 * Checks a value against a resource's LwM2M type and its parsed range, length or
 * enumeration, and normalises integers (number when safe, bigint beyond 2^53).
 */
import type { Constraint, ObjectDescriptor, ResourceDescriptor, ResourceType } from '../../registry/descriptor.js';
import { ModelError, type ModelErrorCode } from './model-error.js';
import type { CoreLink, ObjectLink, ResourceValue } from './values.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** Integers as the runtime keeps them: number when exactly representable, bigint otherwise. */
export function normalizeInteger(v: number | bigint): number | bigint {
  if (typeof v === 'number') return v === 0 ? 0 : v; // folds -0
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function fail(code: ModelErrorCode, res: ResourceDescriptor, obj: ObjectDescriptor | undefined, what: string): never {
  const where = obj === undefined ? `resource ${res.id} (${res.name})` : `object ${obj.id} (${obj.name}) resource ${res.id} (${res.name})`;
  throw new ModelError(code, `${where}: ${what}`, obj === undefined ? undefined : `/${obj.id}/*/${res.id}`);
}

function isObjectLink(v: unknown): v is ObjectLink {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Partial<ObjectLink>;
  return isU16(o.objectId) && isU16(o.instanceId);
}

function isU16(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
}

function isCoreLinks(v: unknown): v is readonly CoreLink[] {
  if (!Array.isArray(v)) return false;
  for (const l of v as unknown[]) {
    if (typeof l !== 'object' || l === null) return false;
    const c = l as Partial<CoreLink>;
    if (typeof c.target !== 'string' || typeof c.attributes !== 'object' || c.attributes === null) return false;
  }
  return true;
}

/** Whether a JS value has the shape of the given LwM2M type (no range check). */
export function isValueOfType(type: ResourceType, v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'bigint' ? v >= INT64_MIN && v <= INT64_MAX : typeof v === 'number' && Number.isSafeInteger(v);
    case 'unsignedInteger': return typeof v === 'bigint' ? v >= 0n && v <= UINT64_MAX : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    case 'float': return typeof v === 'number';
    case 'boolean': return typeof v === 'boolean';
    case 'opaque': return v instanceof Uint8Array;
    case 'time': return v instanceof Date && !Number.isNaN(v.getTime());
    case 'objlnk': return isObjectLink(v);
    case 'corelnk': return isCoreLinks(v);
    case 'none': return false;
  }
}

function typeProblem(type: ResourceType, v: unknown): string {
  if ((type === 'integer' || type === 'unsignedInteger') && (typeof v === 'number' || typeof v === 'bigint')) {
    return `value ${describe(v)} is not ${type === 'integer' ? 'a signed 64-bit integer' : 'an unsigned 64-bit integer'}`;
  }
  return `value ${describe(v)} is not of type ${type}`;
}

/** Compares a number or bigint with a decimal bound exactly where both are integers. */
function compareToBound(v: number | bigint, bound: string): number {
  if (typeof v === 'number') {
    // The common case, without BigInt: a number against a bound that is exact as a number
    // (or not an integer at all, which the slow path also compares as numbers).
    const b = Number(bound);
    if (Number.isSafeInteger(b) || !Number.isInteger(b)) return v < b ? -1 : v > b ? 1 : 0;
  }
  if (/^-?[0-9]+$/.test(bound) && (typeof v === 'bigint' || Number.isInteger(v))) {
    const b = BigInt(bound);
    const x = typeof v === 'bigint' ? v : BigInt(v);
    return x < b ? -1 : x > b ? 1 : 0;
  }
  const b = Number(bound);
  const x = Number(v);
  return x < b ? -1 : x > b ? 1 : 0;
}

function rangeText(c: Constraint): string {
  switch (c.kind) {
    case 'range': return c.intervals.map((i) => (i.min === i.max ? i.min : `${i.min}..${i.max}`)).join(', ');
    case 'length': return `${c.min}..${c.max}`;
    case 'enum': return c.values.map((s) => JSON.stringify(s)).join(', ');
  }
}

function codePoints(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdbff) n++;
    else { n++; k++; }
  }
  return n;
}

function checkConstraint(v: ResourceValue, c: Constraint, res: ResourceDescriptor, obj: ObjectDescriptor | undefined): void {
  switch (c.kind) {
    case 'range': {
      let x: number | bigint;
      if (typeof v === 'number' || typeof v === 'bigint') x = v;
      else if (v instanceof Date) x = Math.floor(v.getTime() / 1000);
      else return; // a range on a non-numeric type (seen in the registry) cannot be enforced
      if (typeof x === 'number' && Number.isNaN(x)) fail('E_VALUE_RANGE', res, obj, `value NaN is outside the range ${rangeText(c)}`);
      for (const i of c.intervals) if (compareToBound(x, i.min) >= 0 && compareToBound(x, i.max) <= 0) return;
      fail('E_VALUE_RANGE', res, obj, `value ${describe(v)} is outside the range ${rangeText(c)}`);
      break;
    }
    case 'length': {
      let n: number;
      if (typeof v === 'string') n = codePoints(v);
      else if (v instanceof Uint8Array) n = v.length;
      else return;
      if (n < c.min || n > c.max) fail('E_VALUE_LENGTH', res, obj, `value ${describe(v)} has length ${n}, outside ${rangeText(c)}`);
      break;
    }
    case 'enum':
      if (typeof v === 'string' && !c.values.includes(v)) fail('E_VALUE_ENUM', res, obj, `value ${describe(v)} is not one of ${rangeText(c)}`);
      break;
  }
}

/**
 * Checks one (single) value of `res`. Returns it normalised; throws ModelError
 * E_VALUE_TYPE / E_VALUE_RANGE / E_VALUE_LENGTH / E_VALUE_ENUM naming object, resource,
 * value and range.
 */
export function checkValue(value: unknown, res: ResourceDescriptor, obj?: ObjectDescriptor): ResourceValue {
  if (!isValueOfType(res.type, value)) fail('E_VALUE_TYPE', res, obj, typeProblem(res.type, value));
  let v = value as ResourceValue;
  if (typeof v === 'bigint' || (typeof v === 'number' && res.type !== 'float')) v = normalizeInteger(v);
  const c = res.range?.parsed;
  if (c !== undefined) checkConstraint(v, c, res, obj);
  return v;
}
