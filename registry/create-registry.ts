import { objectKey, type ObjectDescriptor, type ObjectKey } from './descriptor.js';
import { RegistryError } from './registry-error.js';
import { compareVersions } from './version.js';

/** An immutable set of object descriptors, looked up by id and by (id, version). */
export interface Registry extends Iterable<ObjectDescriptor> {
  /** The given version, or the newest one when `version` is omitted. */
  get(id: number, version?: string): ObjectDescriptor | undefined;
  /** Versions of one object, oldest first. */
  versions(id: number): readonly string[];
  /** Object ids, ascending. */
  ids(): readonly number[];
  readonly size: number;
}

/** Anything that carries a descriptor: generated object classes do. */
export interface HasDescriptor {
  readonly descriptor: ObjectDescriptor;
}

export type RegistryInput = ObjectDescriptor | HasDescriptor | Registry;

/**
 * Builds a registry from descriptors, generated object classes or other registries.
 * The same (id, version) given twice must be the same definition: a conflict throws
 * E_REGISTRY_CONFLICT rather than letting one silently win.
 */
export function createRegistry(...inputs: ReadonlyArray<RegistryInput | Iterable<RegistryInput>>): Registry {
  const byKey = new Map<ObjectKey, ObjectDescriptor>();
  const add = (d: ObjectDescriptor): void => {
    const key = objectKey(d.id, d.version);
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, deepFreeze(d));
    } else if (seen !== d && JSON.stringify(seen) !== JSON.stringify(d)) {
      throw new RegistryError('E_REGISTRY_CONFLICT', `object ${d.id} version ${d.version} is defined twice, differently ("${seen.name}" and "${d.name}")`);
    }
  };
  const visit = (input: RegistryInput | Iterable<RegistryInput>): void => {
    if (typeof input !== 'object' || input === null) {
      throw new RegistryError('E_REGISTRY_INPUT', 'createRegistry() takes object descriptors, generated object classes or registries');
    }
    if (isDescriptor(input)) add(input);
    else if ('descriptor' in input && isDescriptor(input.descriptor)) add(input.descriptor);
    else if (Symbol.iterator in input) for (const item of input as Iterable<RegistryInput>) visit(item);
    else throw new RegistryError('E_REGISTRY_INPUT', 'createRegistry() takes object descriptors, generated object classes or registries');
  };
  for (const input of inputs) visit(input);

  const versions = new Map<number, string[]>();
  for (const d of byKey.values()) {
    const list = versions.get(d.id) ?? [];
    list.push(d.version);
    versions.set(d.id, list);
  }
  for (const list of versions.values()) list.sort(compareVersions);
  const ids = Object.freeze([...versions.keys()].sort((a, b) => a - b));
  const all = Object.freeze(ids.flatMap((id) => versions.get(id)!.map((v) => byKey.get(objectKey(id, v))!)));

  const registry: Registry = {
    get(id, version) {
      const v = version ?? versions.get(id)?.at(-1);
      return v === undefined ? undefined : byKey.get(objectKey(id, v));
    },
    versions: (id) => versions.get(id) ?? [],
    ids: () => ids,
    size: all.length,
    [Symbol.iterator]: () => all[Symbol.iterator](),
  };
  return Object.freeze(registry);
}

function isDescriptor(x: unknown): x is ObjectDescriptor {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Partial<ObjectDescriptor>;
  return typeof d.id === 'number' && typeof d.version === 'string' && Array.isArray(d.resources);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
