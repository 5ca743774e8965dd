/**
 * What a client application holds: instances of generated object classes, built from
 * values (or getters) for their resources, with a typed accessor per resource.
 */
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import type { ObjectInstance } from './object-instance.js';
import type { StoredValue } from './schema.js';

/** A value, or a function that produces it on each read (a sensor, a clock). */
export type ValueSource<T> = T | (() => T | Promise<T>);

/** Runs an Execute; `args` is the text the server sent, if any. */
export type ExecuteHandler = (args: string | undefined) => void | Promise<void>;

type InitOf<R> = R extends { access: 'E' } ? ExecuteHandler : ValueSource<StoredValue<R>>;
type IsMandatory<R> = R extends { mandatory: true } ? true : false;

/** The constructor's values: mandatory resources required, the others optional. */
export type InstanceValues<S> = {
  readonly [K in keyof S as IsMandatory<S[K]> extends true ? K : never]: InitOf<S[K]>;
} & {
  readonly [K in keyof S as IsMandatory<S[K]> extends true ? never : K]?: InitOf<S[K]>;
};

export interface LocalResource<T> {
  readonly id: number;
  /** The current value; a getter is called. Undefined when the resource has no value. */
  get(): Promise<T | undefined>;
  /** Checks the value against type and range, stores it and tells the observers. */
  set(value: T): void;
}

export interface LocalExecutable {
  readonly id: number;
  execute(args?: string): Promise<void>;
}

export type LocalAccessor<R> = R extends { access: 'E' } ? LocalExecutable : LocalResource<StoredValue<R>>;

export type LocalInstance<S> = ObjectInstance & { readonly [K in keyof S]: LocalAccessor<S[K]> };

export interface InstanceClass<S> {
  new (id: number, values: InstanceValues<S>): LocalInstance<S>;
  readonly descriptor: ObjectDescriptor;
}
