/**
 * Object descriptors: the plain, JSON-serialisable description of an LwM2M object
 * version that the generator produces and every runtime layer (codecs, client, server)
 * is driven by. Keyed by (id, version): several versions of one object coexist.
 */

/** LwM2M resource data types, as the registry XML spells them, normalised. */
export type ResourceType =
  | 'string'
  | 'integer'
  | 'unsignedInteger'
  | 'float'
  | 'boolean'
  | 'opaque'
  | 'time'
  | 'objlnk'
  | 'corelnk'
  /** An Execute resource has no value. */
  | 'none';

/** Operations a resource allows. '' = none declared (rare, kept as found). */
export type Operations = '' | 'R' | 'W' | 'RW' | 'E';

/** One interval of allowed numbers; a single allowed value has min === max. Decimal strings keep 64-bit bounds exact. */
export interface Interval {
  readonly min: string;
  readonly max: string;
  /** The meaning given to a single value in an enumeration ("1: Idle"). */
  readonly label?: string;
}

/** A range or enumeration in a form the runtime can enforce. */
export type Constraint =
  /** Numbers: the value lies in one of the intervals. */
  | { readonly kind: 'range'; readonly intervals: readonly Interval[] }
  /** String (in characters) or Opaque (in bytes): the length lies in [min, max]. */
  | { readonly kind: 'length'; readonly min: number; readonly max: number }
  /** String: one of these literal values. */
  | { readonly kind: 'enum'; readonly values: readonly string[] };

export interface RangeDescriptor {
  /** The RangeEnumeration text exactly as the XML has it (trimmed). */
  readonly raw: string;
  /** The parsed form, absent when the text has no form we can enforce (warning W_RANGE_UNPARSED). */
  readonly parsed?: Constraint;
}

export interface ResourceDescriptor {
  readonly id: number;
  readonly name: string;
  /** Deterministic camelCase identifier, unique within the object. */
  readonly identifier: string;
  readonly operations: Operations;
  readonly multiple: boolean;
  readonly mandatory: boolean;
  readonly type: ResourceType;
  readonly range?: RangeDescriptor;
  readonly units?: string;
  readonly description?: string;
}

export interface ObjectDescriptor {
  readonly id: number;
  /** Object version, "1.0" when the XML gives none. */
  readonly version: string;
  /** The LwM2M enabler version the object was written for ("1.0" when absent). */
  readonly lwm2mVersion: string;
  readonly urn: string;
  readonly name: string;
  readonly description?: string;
  /** Whether the object may have several instances. */
  readonly multiple: boolean;
  readonly mandatory: boolean;
  /** Sorted by id, ids unique. */
  readonly resources: readonly ResourceDescriptor[];
}

/** The key of an object version in a registry: "3@1.2". */
export type ObjectKey = `${number}@${string}`;

export function objectKey(id: number, version: string): ObjectKey {
  return `${id}@${version}`;
}

/** Numeric LwM2M types: only these may carry gt, lt and st. */
export function isNumericType(type: ResourceType): boolean {
  return type === 'integer' || type === 'unsignedInteger' || type === 'float';
}
