/**
 * What a server holds for a resource on a registered client: a handle offering exactly the
 * operations the resource allows. `Read` is absent on E and W-only resources, `write` on R-only
 * ones, `execute` everywhere but on E ones; the server runtime implements them.
 */
import type { CoreLink } from '../model/values.js';
import type { AttributesFor } from './attributes.js';
import type { Res, StoredValue } from './schema.js';

export interface Observation {
  /** Cancels the observation on the client (GET with Observe=1). */
  cancel(): Promise<void>;
}

export interface ObserveValuesOptions {
  /** Values kept while the loop is busy; past it the oldest are dropped (default 64). */
  readonly bufferSize?: number;
  /** Aborting ends the loop and cancels the observation. */
  readonly signal?: AbortSignalLike;
}

/** What observeValues needs of an AbortSignal; structural, so that genv1 needs neither DOM nor Node types. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An observation as an async iterator: the first Read's value, then each notification's.
 * Leaving the loop cancels the observation on the client.
 */
export interface ObservationStream<T> extends AsyncIterableIterator<T> {
  /** Values dropped because the buffer was full. */
  readonly dropped: number;
  cancel(): Promise<void>;
}

export interface ResourceHandle {
  /** "/3/0/9" */
  readonly path: string;
  discover(): Promise<readonly CoreLink[]>;
}

export interface Readable<T, A> {
  read(): Promise<T>;
  observe(attributes: A, listener: (value: T) => void): Promise<Observation>;
  observe(listener: (value: T) => void): Promise<Observation>;
  /** Observe as an async iterator: `for await (const v of handle.observeValues({ pmin: 10 }))`. */
  observeValues(attributes?: A, options?: ObserveValuesOptions): ObservationStream<T>;
  writeAttributes(attributes: A): Promise<void>;
}

export interface Writable<T> {
  write(value: T): Promise<void>;
}

export interface Executable {
  /** Arguments as the LwM2M text form: `0='a',1`. */
  execute(args?: string): Promise<void>;
}

export type ReadHandle<T> = ResourceHandle & Readable<T, AttributesFor<ValueOf<T>>>;
export type WriteHandle<T> = ResourceHandle & Writable<T>;
export type ReadWriteHandle<T> = ResourceHandle & Readable<T, AttributesFor<ValueOf<T>>> & Writable<T>;
export type ExecuteHandle = ResourceHandle & Executable;

/** The single value type inside a multiple resource's map. */
type ValueOf<T> = T extends ReadonlyMap<number, infer V> ? V : T;

/** The handle type of one resource description. */
export type RemoteResource<R> = R extends Res<unknown, infer A, boolean, boolean>
  ? A extends 'R'
    ? ReadHandle<StoredValue<R>>
    : A extends 'W'
      ? WriteHandle<StoredValue<R>>
      : A extends 'RW'
        ? ReadWriteHandle<StoredValue<R>>
        : A extends 'E'
          ? ExecuteHandle
          : ResourceHandle
  : never;

/** Values of the readable resources of an instance, as a whole-instance Read returns them. */
export type InstanceReadValues<S> = {
  readonly [K in keyof S as S[K] extends { access: 'R' | 'RW' } ? K : never]?: StoredValue<S[K]>;
};

/** Values a whole-instance Write may carry: the writable resources. */
export type InstanceWriteValues<S> = {
  readonly [K in keyof S as S[K] extends { access: 'W' | 'RW' } ? K : never]?: StoredValue<S[K]>;
};

export interface InstanceHandle<S> {
  /** "/3/0" */
  readonly path: string;
  read(): Promise<InstanceReadValues<S>>;
  /** Partial update (POST); `{ replace: true }` replaces the instance (PUT). */
  write(values: InstanceWriteValues<S>, options?: { readonly replace?: boolean }): Promise<void>;
  delete(): Promise<void>;
  discover(): Promise<readonly CoreLink[]>;
}

/** An instance on a remote client: its resources by identifier, plus instance-level operations. */
export type RemoteInstance<S> = { readonly [K in keyof S]: RemoteResource<S[K]> } & InstanceHandle<S>;

export interface RemoteObject<S> {
  /** "/3" */
  readonly path: string;
  instance(id: number): RemoteInstance<S>;
  create(values: InstanceWriteValues<S>, instanceId?: number): Promise<RemoteInstance<S>>;
  discover(): Promise<readonly CoreLink[]>;
}
