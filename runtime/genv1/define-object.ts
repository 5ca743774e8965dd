import type { ObjectDescriptor } from '../../registry/descriptor.js';
import type { InstanceClass } from './local.js';
import { ObjectInstance } from './object-instance.js';

/** What a generated module exports for one object version. */
export interface ObjectType<S> {
  readonly descriptor: ObjectDescriptor;
  /** `new Device.Instance(0, { ... })`; applications may subclass it. */
  readonly Instance: InstanceClass<S>;
  /** Carries the schema for type inference only; never set at run time. */
  readonly schema?: S;
}

/**
 * Turns a descriptor into an object type with an instance class whose resources are
 * accessors named by their identifiers. Called once per object version by generated code.
 */
export function defineObject<S>(descriptor: ObjectDescriptor): ObjectType<S> {
  class Instance extends ObjectInstance {
    static readonly descriptor = descriptor;
    constructor(id: number, values: Readonly<Record<string, unknown>>) {
      super(descriptor, id, values);
    }
  }
  Object.defineProperty(Instance, 'name', { value: `${descriptor.name.replace(/[^A-Za-z0-9]/g, '')}Instance` });
  for (const r of descriptor.resources) {
    Object.defineProperty(Instance.prototype, r.identifier, {
      get(this: ObjectInstance) {
        return this.resource(r.id);
      },
      configurable: true,
    });
  }
  return Object.freeze({ descriptor, Instance: Instance as unknown as InstanceClass<S> });
}
