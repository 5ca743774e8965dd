/** Errors of the data-model layer (paths, nodes, value checks), each with a stable code. */

export type ModelErrorCode =
  /** A path string or id list is not /o, /o/i, /o/i/r or /o/i/r/ri with ids in range. */
  | 'E_PATH_INVALID'
  /** The value's JavaScript type does not match the resource's LwM2M type. */
  | 'E_VALUE_TYPE'
  /** A number outside the resource's range, or outside what its type can hold. */
  | 'E_VALUE_RANGE'
  /** A string or opaque value whose length is outside the allowed length. */
  | 'E_VALUE_LENGTH'
  /** A string not among the enumerated values. */
  | 'E_VALUE_ENUM'
  /** The object or resource is not described by the descriptors at hand. */
  | 'E_UNKNOWN_RESOURCE'
  /** A node's shape does not fit the path or the descriptor (single vs multiple, level). */
  | 'E_NODE_SHAPE';

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    /** The LwM2M path concerned, when known ("/3/0/9"). A value check knows no instance: it puts a star there. */
    readonly path?: string,
  ) {
    super(message);
  }
}
