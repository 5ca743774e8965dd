/**
 * Bootstrap configurations in Redis, so that several bootstrap server processes share them:
 * one hash (`<prefix>bs:configs`, endpoint -> JSON) changed by single commands (HSET, HDEL),
 * each atomic on its own. The default configuration (for endpoints not listed) stays with the
 * process that was given it. Entries are checked on the way in and again on the way out.
 */
import { defaultPrefix, replyString, replyStrings, type RedisCommander, type RedisStoreOptions } from '../server/redis-connection.js';
import { parseEndpointConfig, type BootstrapConfig, type BootstrapEndpointConfig, type BootstrapEndpointConfigInput } from './bootstrap-config.js';
import type { BootstrapConfigStore } from './bootstrap-config-store.js';

export class RedisBootstrapConfigStore implements BootstrapConfigStore {
  readonly #key: string;
  readonly #default: BootstrapEndpointConfig | undefined;

  constructor(
    private readonly redis: RedisCommander,
    options: RedisStoreOptions & { readonly default?: BootstrapConfig['default'] } = {},
  ) {
    this.#key = `${options.prefix ?? defaultPrefix}bs:configs`;
    this.#default = options.default;
  }

  /** Puts every endpoint of a parsed file into Redis (replacing those entries). */
  async load(config: BootstrapConfig): Promise<void> {
    for (const [ep, c] of Object.entries(config.endpoints)) await this.set(ep, c);
  }

  async get(endpoint: string): Promise<BootstrapEndpointConfig | undefined> {
    const raw = replyString(await this.redis.sendCommand(['HGET', this.#key, endpoint]));
    return raw === undefined ? this.#default : this.#parse(endpoint, raw);
  }

  async set(endpoint: string, config: BootstrapEndpointConfigInput): Promise<void> {
    const checked = parseEndpointConfig(config, `endpoint ${endpoint}`);
    await this.redis.sendCommand(['HSET', this.#key, endpoint, JSON.stringify(checked)]);
  }

  async remove(endpoint: string): Promise<BootstrapEndpointConfig | undefined> {
    // HGET then HDEL: two processes removing the same entry at once may both get it back.
    const raw = replyString(await this.redis.sendCommand(['HGET', this.#key, endpoint]));
    if (raw === undefined) return undefined;
    await this.redis.sendCommand(['HDEL', this.#key, endpoint]);
    return this.#parse(endpoint, raw);
  }

  async all(): Promise<Map<string, BootstrapEndpointConfig>> {
    const reply = await this.redis.sendCommand(['HGETALL', this.#key]);
    // RESP2 gives a flat array; node-redis may hand it over as a map or a plain object.
    let pairs: [string, string][];
    if (Array.isArray(reply)) {
      const flat = replyStrings(reply);
      pairs = [];
      for (let k = 0; k + 1 < flat.length; k += 2) pairs.push([flat[k]!, flat[k + 1]!]);
    } else if (reply instanceof Map) {
      pairs = [...reply].map(([k, v]) => [String(k), replyString(v) ?? '']);
    } else if (typeof reply === 'object' && reply !== null) {
      pairs = Object.entries(reply).map(([k, v]) => [k, replyString(v) ?? '']);
    } else {
      throw new TypeError(`unexpected Redis reply ${typeof reply} to HGETALL`);
    }
    return new Map(pairs.map(([ep, raw]) => [ep, this.#parse(ep, raw)]));
  }

  /** Another writer may have put anything there: it is checked like an API call. */
  #parse(endpoint: string, raw: string): BootstrapEndpointConfig {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      json = { invalid: (e as Error).message };
    }
    return parseEndpointConfig(json, `Redis ${this.#key} ${endpoint}`);
  }
}
