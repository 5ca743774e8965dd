/**
 * The runtime subpath generated code imports (`lwm2m-sdk/genv1`). Versioned: a generated
 * package keeps working as long as this contract holds; a breaking change gets genv2.
 */
export type { ObjectDescriptor, ResourceDescriptor, Constraint } from '../../registry/descriptor.js';
export { createRegistry, type Registry } from '../../registry/create-registry.js';
export type { ObjectLink, CoreLink } from '../model/values.js';
export type { Access, AnyRes, Res, StoredValue } from './schema.js';
export type { Attributes, AttributesFor, BooleanAttributes, NumericAttributes } from './attributes.js';
export type {
  Executable, ExecuteHandle, InstanceHandle, InstanceReadValues, InstanceWriteValues, AbortSignalLike, Observation, ObservationStream, ObserveValuesOptions, Readable,
  ReadHandle, ReadWriteHandle, RemoteInstance, RemoteObject, RemoteResource, ResourceHandle, Writable, WriteHandle,
} from './remote.js';
export type { ExecuteHandler, InstanceClass, InstanceValues, LocalAccessor, LocalExecutable, LocalInstance, LocalResource, ValueSource } from './local.js';
export { ObjectInstance, type ChangeListener } from './object-instance.js';
export { defineObject, type ObjectType } from './define-object.js';
