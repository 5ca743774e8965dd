/** lwm2m-sdk/server: the LwM2M server. */
export { LwM2MServer, type LwM2MServerOptions, type ServerEvents } from './lwm2m-server.js';
export { RemoteClient, attributeQuery, type ClientObservationHandle, type CompositePath, type CompositeValue } from './remote-client.js';
export { CompositeWrite, remoteObject, type CompositeReadValues, type ReadableHandle } from './remote-handles.js';
export { MemoryRegistrationStore, type RegistrationStore } from './registration-store.js';
export { MemoryObservationStore, type ObservationStore, type StoredObservation } from './observation-store.js';
export { RedisRegistrationStore, type RedisRegistrationStoreOptions } from './redis-registration-store.js';
export { RedisObservationStore } from './redis-observation-store.js';
export { RedisSecurityStore } from './redis-security-store.js';
export { connectRedis, type RedisCommander, type RedisStoreOptions } from './redis-connection.js';
export { connectRedisStores, redisStores, type RedisStores } from './redis-stores.js';
export type { Registration } from './registration.js';
export type { RegisteredObject, RegisteredObjects } from './registered-objects.js';
export { defaultObjectVersion, parseRegisteredObjects } from './registered-objects.js';
export { parseRegisterParams, parseUpdateParams, supportedVersions, type Lwm2mVersion, type RegistrationParams, type UpdateParams } from './registration-params.js';
export { ServerError, type ServerErrorCode } from './server-error.js';
export { MemorySecurityStore, type EndpointCredentials, type EndpointSecurity, type SecurityStore } from './security-store.js';
export { publicKeyId } from './public-key-id.js';
export { createServerDtlsTransport, type ServerDtlsOptions } from './dtls-transport.js';
