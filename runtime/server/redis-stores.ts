/**
 * The three server stores on one Redis: `lwm2m-sdk server --redis URL` and applications that
 * run several server processes (or restart one) over the same state.
 */
import { RedisObservationStore } from './redis-observation-store.js';
import { connectRedis, type RedisCommander } from './redis-connection.js';
import { RedisRegistrationStore, type RedisRegistrationStoreOptions } from './redis-registration-store.js';
import { RedisSecurityStore } from './redis-security-store.js';

/**
 * `store` and `observationStore` are named as LwM2MServerOptions names them, so the object
 * spreads into the options. The credentials are `security`, not `securityStore`: a spread must
 * not turn on the security checks (which refuse NoSec registrations) of a server without DTLS.
 */
export interface RedisStores {
  readonly store: RedisRegistrationStore;
  readonly observationStore: RedisObservationStore;
  /** Pass as `securityStore` to a DTLS server. */
  readonly security: RedisSecurityStore;
}

/** Stores over an existing client: `new LwM2MServer({ ...redisStores(client), securityStore: ... })`. */
export function redisStores(redis: RedisCommander, options: RedisRegistrationStoreOptions = {}): RedisStores {
  return {
    store: new RedisRegistrationStore(redis, options),
    observationStore: new RedisObservationStore(redis, options),
    security: new RedisSecurityStore(redis, options),
  };
}

/** Connects to `url` and builds the stores; `close()` ends the connection (after the server stopped). */
export async function connectRedisStores(url: string, options: RedisRegistrationStoreOptions & { onError?: (error: Error) => void } = {}): Promise<RedisStores & { close(): Promise<void> }> {
  const redis = await connectRedis(url, options.onError === undefined ? {} : { onError: options.onError });
  return { ...redisStores(redis, options), close: () => redis.close() };
}
