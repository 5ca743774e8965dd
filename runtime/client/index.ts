/** lwm2m-sdk/client: an LwM2M client built from instances of generated object classes. */
export { LwM2MClient, type ClientEvents, type LwM2MClientOptions, type RegistrationInfo, type ServerStatus } from './client.js';
export { ClientError, type ClientErrorCode } from './client-error.js';
export type { CreateHook, CreateRequest } from './dm-context.js';
export type { PskConfig, ServerConfig, ServerAccount } from './server-accounts.js';
export type { RegistrationState } from './registration.js';
export type { RetryPolicy } from './retry-policy.js';
export type { Lwm2mVersion } from './register-payload.js';
export type { AttributeSet, AttributeName } from './write-attributes.js';
export type { InstanceConstructor } from './object-tree.js';
export { RefusedError, type StoredResourceValue } from '../genv1/object-instance.js';
export type { Logger } from '../coap/logger.js';
export { BasicDevice, type BasicDeviceValues } from './basic-device.js';
export { sampleValue, sampleValues, simulatedObjects, type SimulatedDeviceOptions } from './simulated-device.js';
export type { SendFormat } from './send.js';
export { Right, type Grant, type RightName } from './access-control.js';
export { parseFactoryBootstrap, readFactoryBootstrap, type FactoryBootstrap } from './factory-bootstrap.js';
