/**
 * Typed node trees of the LwM2M data model: object > instance > resource (single or
 * multiple) > resource instance. Maps keep the instance ids; codecs write them in
 * ascending id order.
 */
import type { ResourceValue } from './values.js';

export interface ObjectNode {
  readonly kind: 'object';
  readonly id: number;
  readonly instances: ReadonlyMap<number, InstanceNode>;
}

export interface InstanceNode {
  readonly kind: 'instance';
  readonly id: number;
  readonly resources: ReadonlyMap<number, ResourceNode>;
}

export interface SingleResourceNode<T extends ResourceValue = ResourceValue> {
  readonly kind: 'resource';
  readonly id: number;
  readonly value: T;
}

export interface MultipleResourceNode<T extends ResourceValue = ResourceValue> {
  readonly kind: 'multipleResource';
  readonly id: number;
  /** Resource instance id -> value. */
  readonly instances: ReadonlyMap<number, T>;
}

export interface ResourceInstanceNode<T extends ResourceValue = ResourceValue> {
  readonly kind: 'resourceInstance';
  readonly id: number;
  readonly value: T;
}

export type ResourceNode = SingleResourceNode | MultipleResourceNode;
export type LwM2MNode = ObjectNode | InstanceNode | ResourceNode | ResourceInstanceNode;

export function objectNode(id: number, instances: Iterable<InstanceNode> = []): ObjectNode {
  const m = new Map<number, InstanceNode>();
  for (const i of instances) m.set(i.id, i);
  return { kind: 'object', id, instances: m };
}

export function instanceNode(id: number, resources: Iterable<ResourceNode> = []): InstanceNode {
  const m = new Map<number, ResourceNode>();
  for (const r of resources) m.set(r.id, r);
  return { kind: 'instance', id, resources: m };
}

export function resourceNode<T extends ResourceValue>(id: number, value: T): SingleResourceNode<T> {
  return { kind: 'resource', id, value };
}

export function multipleResourceNode<T extends ResourceValue>(
  id: number,
  instances: ReadonlyMap<number, T> | Iterable<readonly [number, T]>,
): MultipleResourceNode<T> {
  return { kind: 'multipleResource', id, instances: instances instanceof Map ? instances : new Map(instances) };
}

export function resourceInstanceNode<T extends ResourceValue>(id: number, value: T): ResourceInstanceNode<T> {
  return { kind: 'resourceInstance', id, value };
}

/** Map keys in ascending order: the order every codec writes. */
export function sortedKeys(m: ReadonlyMap<number, unknown>): number[] {
  const keys = [...m.keys()];
  // Maps built in order are the common case: skip the sort then.
  for (let k = 1; k < keys.length; k++) if (keys[k - 1]! > keys[k]!) return keys.sort((a, b) => a - b);
  return keys;
}
