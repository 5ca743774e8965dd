/**
 * The run-time base of every generated instance class: the values of one object instance,
 * checked against the descriptor on the way in, with change listeners that reporting
 * (observe/notify) builds on.
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import { checkValue } from '../model/check-value.js';
import { isNumberTyped } from '../model/number-typed.js';
import { ModelError } from '../model/model-error.js';
import { findResource } from '../model/object-resolver.js';
import type { ResourceValue } from '../model/values.js';
import type { ExecuteHandler, LocalExecutable, LocalResource } from './local.js';

type Stored = ResourceValue | ReadonlyMap<number, ResourceValue>;
type Source = Stored | (() => Stored | Promise<Stored>);

/** A resource's whole value: one value, or resource instance id -> value for a multiple resource. */
export type StoredResourceValue = Stored;

export type ChangeListener = (instance: ObjectInstance, resourceId: number) => void;

/** What an application throws from validateWrite()/validateDelete() to refuse a server's request. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(
    message: string,
    /** The CoAP answer: 4.00 Bad Request by default. */
    readonly status: '4.00' | '4.01' | '4.03' | '4.05' = '4.00',
  ) {
    super(message);
  }
}

export class ObjectInstance {
  readonly #values = new Map<number, Source>();
  readonly #handlers = new Map<number, ExecuteHandler>();
  readonly #accessors = new Map<number, LocalResource<Stored> | LocalExecutable>();
  readonly #listeners = new Set<ChangeListener>();

  constructor(
    readonly descriptor: ObjectDescriptor,
    readonly id: number,
    values: Readonly<Record<string, unknown>>,
  ) {
    if (!Number.isInteger(id) || id < 0 || id > 65534) throw new ModelError('E_PATH_INVALID', `${descriptor.name} (${descriptor.id}): instance id ${id} is not in 0..65534`);
    const byIdentifier = new Map(descriptor.resources.map((r) => [r.identifier, r]));
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const r = byIdentifier.get(key);
      if (r === undefined) throw new ModelError('E_UNKNOWN_RESOURCE', `${descriptor.name} (${descriptor.id}) has no resource "${key}"`);
      if (r.operations === 'E') {
        if (typeof value !== 'function') throw new ModelError('E_VALUE_TYPE', `${this.#where(r)}: an Execute resource takes a function`);
        this.#handlers.set(r.id, value as ExecuteHandler);
      } else {
        this.#values.set(r.id, typeof value === 'function' ? (value as () => Stored) : this.#check(r, value));
      }
    }
    for (const r of descriptor.resources) {
      if (r.mandatory && !this.#values.has(r.id) && !this.#handlers.has(r.id)) {
        throw new ModelError('E_NODE_SHAPE', `${this.#where(r)} is mandatory and has no value`);
      }
    }
  }

  /** /o/i */
  get path(): string {
    return `/${this.descriptor.id}/${this.id}`;
  }

  /** Ids of the resources that have a value or a handler, ascending. */
  presentResources(): number[] {
    return [...this.#values.keys(), ...this.#handlers.keys()].sort((a, b) => a - b);
  }

  /** The current value of a resource; a getter is called and its result checked. */
  async read(resourceId: number): Promise<Stored | undefined> {
    const r = this.#resource(resourceId);
    const source = this.#values.get(resourceId);
    if (typeof source !== 'function') return source;
    return this.#check(r, await source());
  }

  /**
   * The stored value of a resource as it is, without calling a getter: undefined when the
   * resource has none or has a getter (read() calls it). For reporting, which looks at a value
   * on every change and need not wait for a promise when there is no getter.
   */
  peek(resourceId: number): Stored | undefined {
    const source = this.#values.get(resourceId);
    return typeof source === 'function' ? undefined : source;
  }

  /** Checks and stores a value, then tells the listeners. */
  write(resourceId: number, value: Stored): void {
    const r = this.#resource(resourceId);
    if (r.operations === 'E') throw new ModelError('E_VALUE_TYPE', `${this.#where(r)} is an Execute resource and holds no value`);
    this.#values.set(resourceId, this.#check(r, value));
    for (const listener of this.#listeners) listener(this, resourceId);
  }

  async execute(resourceId: number, args?: string): Promise<void> {
    const r = this.#resource(resourceId);
    const handler = this.#handlers.get(resourceId);
    if (r.operations !== 'E' || handler === undefined) throw new ModelError('E_UNKNOWN_RESOURCE', `${this.#where(r)} has no Execute handler`);
    await handler(args);
  }

  /** Whether the resource has a value (or a getter) or an Execute handler. */
  has(resourceId: number): boolean {
    return this.#values.has(resourceId) || this.#handlers.has(resourceId);
  }

  /** One instance of a multiple resource; undefined when absent. */
  async readInstance(resourceId: number, resourceInstanceId: number): Promise<ResourceValue | undefined> {
    const v = await this.read(resourceId);
    return v instanceof Map ? v.get(resourceInstanceId) : undefined;
  }

  /**
   * A server's write, all or nothing: every value is checked, then validateWrite() may
   * refuse the whole set, then all are stored and the listeners told. `undefined` removes
   * an optional resource's value. Values of multiple resources are whole maps. A written
   * value replaces a getter (override applyWrite to keep one, as BasicDevice does for its clock).
   */
  async applyWrite(changes: ReadonlyMap<number, Stored | undefined>): Promise<void> {
    const checked = new Map<number, Stored | undefined>();
    for (const [id, value] of changes) {
      const r = this.#resource(id);
      if (r.operations === 'E') throw new ModelError('E_VALUE_TYPE', `${this.#where(r)} is an Execute resource and holds no value`);
      if (value === undefined) {
        if (r.mandatory) throw new ModelError('E_NODE_SHAPE', `${this.#where(r)} is mandatory and cannot be removed`);
        checked.set(id, undefined);
      } else checked.set(id, this.#check(r, value));
    }
    await this.validateWrite(checked);
    for (const [id, value] of checked) {
      if (value === undefined) this.#values.delete(id);
      else this.#values.set(id, value);
    }
    for (const id of checked.keys()) for (const listener of this.#listeners) listener(this, id);
  }

  /**
   * Hook: a server wants to store these (already type- and range-checked) values. Override
   * in an application subclass and throw (RefusedError for a chosen status) to refuse.
   */
  validateWrite(_changes: ReadonlyMap<number, Stored | undefined>): void | Promise<void> {}

  /** Hook: a server wants to delete this instance. Throw to refuse; release resources here. */
  validateDelete(): void | Promise<void> {}

  /** Called after every change of a value through write()/set(); returns the unsubscribe. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The typed accessor generated classes expose as a property. */
  resource(resourceId: number): LocalResource<Stored> | LocalExecutable {
    let a = this.#accessors.get(resourceId);
    if (a === undefined) {
      const r = this.#resource(resourceId);
      a = r.operations === 'E'
        ? { id: r.id, execute: (args?: string) => this.execute(r.id, args) }
        : { id: r.id, get: () => this.read(r.id), set: (v: Stored) => this.write(r.id, v) };
      this.#accessors.set(resourceId, a);
    }
    return a;
  }

  #resource(resourceId: number): ResourceDescriptor {
    // Every read, write and set looks its resource up: by id, in the descriptor's index.
    const r = findResource(this.descriptor, resourceId);
    if (r === undefined) throw new ModelError('E_UNKNOWN_RESOURCE', `${this.descriptor.name} (${this.descriptor.id}) has no resource ${resourceId}`);
    return r;
  }

  #check(r: ResourceDescriptor, value: unknown): Stored {
    if (!r.multiple) return this.#checkOne(r, value);
    if (!(value instanceof Map)) throw new ModelError('E_VALUE_TYPE', `${this.#where(r)} is a multiple resource: give a Map of instance id to value`);
    const out = new Map<number, ResourceValue>();
    for (const [k, v] of value as Map<unknown, unknown>) {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 65534) throw new ModelError('E_PATH_INVALID', `${this.#where(r)}: resource instance id ${String(k)} is not in 0..65534`);
      out.set(k, this.#checkOne(r, v));
    }
    return out;
  }

  #checkOne(r: ResourceDescriptor, value: unknown): ResourceValue {
    const v = checkValue(value, r, this.descriptor);
    // The generated type says number: a value beyond 2^53 (a bigint here) would break it.
    if (typeof v === 'bigint' && isNumberTyped(r)) throw new ModelError('E_VALUE_RANGE', `${this.#where(r)}: ${v} is beyond ±(2^53 - 1), which its type (number) holds`);
    return v;
  }

  #where(r: ResourceDescriptor): string {
    return `object ${this.descriptor.id} (${this.descriptor.name}) resource ${r.id} (${r.name})`;
  }
}
