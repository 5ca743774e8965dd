/** lwm2m-sdk/bootstrap: the LwM2M bootstrap server. */
export { BootstrapServer, type BootstrapEvents, type BootstrapServerOptions } from './bootstrap-server.js';
export { BootstrapConfigError, bootstrapConfigSchema, parseBootstrapConfig, readBootstrapConfig, type BootstrapConfig, type BootstrapServerEntry } from './bootstrap-config.js';
