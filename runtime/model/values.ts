/** Value types of LwM2M resources as the runtime and generated classes hold them. */
import type { ResourceType } from '../../registry/descriptor.js';

/** An Objlnk value: a reference to an object instance (65535:65535 is the null link). */
export interface ObjectLink {
  readonly objectId: number;
  readonly instanceId: number;
}

/** One parsed CoRE link (RFC 6690): `</3/0>;ver=1.1`. */
export interface CoreLink {
  readonly target: string;
  /** Attribute values as written; a value-less attribute is `true`. */
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

/** The TypeScript type of a single value of each LwM2M resource type. */
export interface ValueOfType {
  string: string;
  integer: number | bigint;
  unsignedInteger: number | bigint;
  float: number;
  boolean: boolean;
  opaque: Uint8Array;
  time: Date;
  objlnk: ObjectLink;
  corelnk: readonly CoreLink[];
  none: never;
}

/** Any single resource value. */
export type ResourceValue = ValueOfType[Exclude<ResourceType, 'none'>];
