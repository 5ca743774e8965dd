/** lwm2m-sdk/bootstrap: the LwM2M bootstrap server. */
export { BootstrapServer, defaultScript, type BootstrapEvents, type BootstrapScript, type BootstrapServerOptions } from './bootstrap-server.js';
export { BootstrapExchange } from './bootstrap-exchange.js';
export { BootstrapError, type BootstrapErrorCode } from './bootstrap-error.js';
export {
  BootstrapConfigError, bootstrapConfigSchema, parseBootstrapConfig, parseEndpointConfig, readBootstrapConfig,
  type BootstrapConfig, type BootstrapEndpointConfig, type BootstrapEndpointConfigInput, type BootstrapServerEntry,
} from './bootstrap-config.js';
export { MemoryBootstrapConfigStore, type BootstrapConfigStore } from './bootstrap-config-store.js';
export { RedisBootstrapConfigStore } from './redis-bootstrap-config-store.js';
