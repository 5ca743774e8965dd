/**
 * lwm2m-sdk/registry: object descriptors, createRegistry(), and the core objects (0-7, 21)
 * in all their versions, generated from the OMA registry by this package's own generator.
 */
export * from './descriptor.js';
export { createRegistry, type Registry, type HasDescriptor, type RegistryInput } from './create-registry.js';
export { RegistryError, type RegistryErrorCode } from './registry-error.js';
export { compareVersions } from './version.js';
export * from './gen/index.js';
export { registry as coreRegistry } from './gen/index.js';
