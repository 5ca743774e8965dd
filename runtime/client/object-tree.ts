/**
 * The client's objects: instances of generated classes (or application subclasses) by
 * object id, plus object types it supports without instances (so a server may Create).
 * Structural changes (instances added or removed) are reported: they trigger an Update.
 */
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import type { ObjectResolver } from '../model/object-resolver.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import { ClientError } from './client-error.js';

/** A class whose instances the client can build on Create: `Device.Instance`, or a subclass. */
export interface InstanceConstructor {
  new (id: number, values: never): ObjectInstance;
  readonly descriptor: ObjectDescriptor;
}

export interface ObjectEntry {
  readonly descriptor: ObjectDescriptor;
  /** The class new instances are made of, when one is known. */
  ctor: InstanceConstructor | undefined;
  readonly instances: Map<number, ObjectInstance>;
}

export class ObjectTree {
  readonly #objects = new Map<number, ObjectEntry>();
  readonly #listeners = new Set<() => void>();

  /** Adds an object type the client supports (no instance needed). */
  addType(descriptor: ObjectDescriptor, ctor?: InstanceConstructor): ObjectEntry {
    let e = this.#objects.get(descriptor.id);
    if (e === undefined) {
      e = { descriptor, ctor, instances: new Map() };
      this.#objects.set(descriptor.id, e);
    } else {
      if (e.descriptor.version !== descriptor.version) {
        throw new ClientError('E_CLIENT_CONFIG', `object ${descriptor.id} is given in versions ${e.descriptor.version} and ${descriptor.version}: a client implements one`);
      }
      e.ctor ??= ctor;
    }
    return e;
  }

  /** Adds an instance; the same /o/i twice is a configuration error. */
  add(instance: ObjectInstance): void {
    const e = this.addType(instance.descriptor, instance.constructor as InstanceConstructor);
    if (e.instances.has(instance.id)) throw new ClientError('E_CLIENT_CONFIG', `instance ${instance.path} is given twice`);
    e.instances.set(instance.id, instance);
    this.#changed();
  }

  remove(objectId: number, instanceId: number): boolean {
    const ok = this.#objects.get(objectId)?.instances.delete(instanceId) ?? false;
    if (ok) this.#changed();
    return ok;
  }

  object(objectId: number): ObjectEntry | undefined {
    return this.#objects.get(objectId);
  }

  instance(objectId: number, instanceId: number): ObjectInstance | undefined {
    return this.#objects.get(objectId)?.instances.get(instanceId);
  }

  /** Every object entry, by ascending id. */
  objects(): ObjectEntry[] {
    return [...this.#objects.values()].sort((a, b) => a.descriptor.id - b.descriptor.id);
  }

  /** Instances of one object, by ascending id. */
  instances(objectId: number): ObjectInstance[] {
    const e = this.#objects.get(objectId);
    return e === undefined ? [] : [...e.instances.values()].sort((a, b) => a.id - b.id);
  }

  /** The lowest free instance id of an object. */
  freeInstanceId(objectId: number): number {
    const used = this.#objects.get(objectId)?.instances;
    let id = 0;
    while (used?.has(id) === true) id++;
    return id;
  }

  /** Descriptors of the client's own object versions, for the codecs. */
  readonly resolve: ObjectResolver = (id) => this.#objects.get(id)?.descriptor;

  /** Called after instances are added or removed; returns the unsubscribe. */
  onStructureChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
