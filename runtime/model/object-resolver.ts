/**
 * Which descriptor describes object N for one peer: codecs take their types from it.
 * A function, so a server can answer per registration (the `ver` a client announced).
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import type { Registry } from '../../registry/create-registry.js';
import { ModelError } from './model-error.js';

export type ObjectResolver = (objectId: number) => ObjectDescriptor | undefined;

/**
 * A resolver over a registry, or a plain list of descriptors. `versions` pins the
 * version per object id (from a registration); otherwise the newest one is used.
 */
export function objectResolver(source: Registry | Iterable<ObjectDescriptor>, versions?: ReadonlyMap<number, string>): ObjectResolver {
  if (isRegistry(source)) return (id) => source.get(id, versions?.get(id));
  const byId = new Map<number, ObjectDescriptor>();
  for (const d of source) {
    const want = versions?.get(d.id);
    if (want === undefined || want === d.version) byId.set(d.id, d);
  }
  return (id) => byId.get(id);
}

function isRegistry(x: Registry | Iterable<ObjectDescriptor>): x is Registry {
  return typeof (x as Partial<Registry>).get === 'function' && typeof (x as Partial<Registry>).versions === 'function';
}

const resourceIndex = new WeakMap<ObjectDescriptor, ReadonlyMap<number, ResourceDescriptor>>();

/** The resource of an object by id (indexed once per descriptor). */
export function findResource(obj: ObjectDescriptor, resourceId: number): ResourceDescriptor | undefined {
  let idx = resourceIndex.get(obj);
  if (idx === undefined) {
    idx = new Map(obj.resources.map((r) => [r.id, r]));
    resourceIndex.set(obj, idx);
  }
  return idx.get(resourceId);
}

/** Object and resource descriptors for a path, or E_UNKNOWN_RESOURCE. */
export function requireResource(resolve: ObjectResolver, objectId: number, resourceId: number): { obj: ObjectDescriptor; res: ResourceDescriptor } {
  const obj = resolve(objectId);
  if (obj === undefined) throw new ModelError('E_UNKNOWN_RESOURCE', `object ${objectId} is not known`, `/${objectId}`);
  const res = findResource(obj, resourceId);
  if (res === undefined) throw new ModelError('E_UNKNOWN_RESOURCE', `object ${objectId} (${obj.name}) has no resource ${resourceId}`, `/${objectId}/*/${resourceId}`);
  return { obj, res };
}
