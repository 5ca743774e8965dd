/**
 * The type-level description of an object that generated code emits: one `Res<...>` per
 * resource. Every client and server type of an object is derived from it, so a generated
 * file stays a single interface plus its descriptor.
 */

/** Operations as the type system sees them. */
export type Access = 'R' | 'W' | 'RW' | 'E' | '';

/**
 * One resource: its value type (one instance of it), its operations, whether it is
 * mandatory and whether it has several instances. Never instantiated.
 */
export interface Res<T, A extends Access, Mandatory extends boolean = false, Multiple extends boolean = false> {
  readonly value: T;
  readonly access: A;
  readonly mandatory: Mandatory;
  readonly multiple: Multiple;
}

/** Any resource description. */
export type AnyRes = Res<unknown, Access, boolean, boolean>;

/** The value a resource holds as a whole: a map of instance id to value when it is multiple. */
export type StoredValue<R> = R extends Res<infer T, Access, boolean, infer M> ? (M extends true ? ReadonlyMap<number, T> : T) : never;

/** Resources of S that allow operation `op`. */
export type KeysWith<S, A extends Access> = { [K in keyof S]: S[K] extends { access: A } ? K : never }[keyof S];
