/**
 * Where the bootstrap server finds each endpoint's configuration: behind an async interface
 * (DESIGN.md lists "bootstrap configs" among the stores), so that a shared store fits in
 * place of the in-memory default. Entries are checked on the way in.
 */
import { parseEndpointConfig, type BootstrapConfig, type BootstrapEndpointConfig, type BootstrapEndpointConfigInput } from './bootstrap-config.js';

export interface BootstrapConfigStore {
  /** The endpoint's own configuration, else the default one, else undefined (refused). */
  get(endpoint: string): Promise<BootstrapEndpointConfig | undefined>;
  /** Adds or replaces an endpoint's configuration (checked: BootstrapConfigError naming the key path). */
  set(endpoint: string, config: BootstrapEndpointConfigInput): Promise<void>;
  /** Removes an endpoint's own configuration; returns it. */
  remove(endpoint: string): Promise<BootstrapEndpointConfig | undefined>;
  /** Every endpoint's own configuration (the default left out). */
  all(): Promise<Map<string, BootstrapEndpointConfig>>;
}

export class MemoryBootstrapConfigStore implements BootstrapConfigStore {
  readonly #endpoints = new Map<string, BootstrapEndpointConfig>();
  readonly #default: BootstrapEndpointConfig | undefined;

  /** From a parsed configuration file (parseBootstrapConfig / readBootstrapConfig), or empty. */
  constructor(config?: BootstrapConfig) {
    for (const [ep, c] of Object.entries(config?.endpoints ?? {})) this.#endpoints.set(ep, c);
    this.#default = config?.default;
  }

  async get(endpoint: string): Promise<BootstrapEndpointConfig | undefined> {
    return this.#endpoints.get(endpoint) ?? this.#default;
  }

  async set(endpoint: string, config: BootstrapEndpointConfigInput): Promise<void> {
    this.#endpoints.set(endpoint, parseEndpointConfig(config, `endpoint ${endpoint}`));
  }

  async remove(endpoint: string): Promise<BootstrapEndpointConfig | undefined> {
    const old = this.#endpoints.get(endpoint);
    this.#endpoints.delete(endpoint);
    return old;
  }

  async all(): Promise<Map<string, BootstrapEndpointConfig>> {
    return new Map(this.#endpoints);
  }
}
