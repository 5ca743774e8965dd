/**
 * Where registrations live. Async so that a shared store (Redis) fits behind the same calls
 * as the in-memory default; one endpoint has at most one registration.
 */
import type { Registration } from './registration.js';

export interface RegistrationStore {
  /** Stores a registration; returns the one of the same endpoint it replaced, if any. */
  add(registration: Registration): Promise<Registration | undefined>;
  get(id: string): Promise<Registration | undefined>;
  byEndpoint(endpoint: string): Promise<Registration | undefined>;
  /** Replaces a stored registration (same id); false when it is gone. */
  replace(registration: Registration): Promise<boolean>;
  remove(id: string): Promise<Registration | undefined>;
  /** Removes and returns the registrations whose expiresAt is before `now`. */
  removeExpired(now: number): Promise<Registration[]>;
  all(): Promise<Registration[]>;
  size(): Promise<number>;
}

export class MemoryRegistrationStore implements RegistrationStore {
  readonly #byId = new Map<string, Registration>();
  readonly #byEndpoint = new Map<string, string>();

  async add(r: Registration): Promise<Registration | undefined> {
    const oldId = this.#byEndpoint.get(r.endpoint);
    const old = oldId === undefined ? undefined : this.#byId.get(oldId);
    if (oldId !== undefined) this.#byId.delete(oldId);
    this.#byId.set(r.id, r);
    this.#byEndpoint.set(r.endpoint, r.id);
    return old;
  }

  async get(id: string): Promise<Registration | undefined> {
    return this.#byId.get(id);
  }

  async byEndpoint(endpoint: string): Promise<Registration | undefined> {
    const id = this.#byEndpoint.get(endpoint);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  async replace(r: Registration): Promise<boolean> {
    if (!this.#byId.has(r.id)) return false;
    this.#byId.set(r.id, r);
    return true;
  }

  async remove(id: string): Promise<Registration | undefined> {
    const r = this.#byId.get(id);
    if (r === undefined) return undefined;
    this.#byId.delete(id);
    if (this.#byEndpoint.get(r.endpoint) === id) this.#byEndpoint.delete(r.endpoint);
    return r;
  }

  async removeExpired(now: number): Promise<Registration[]> {
    const out: Registration[] = [];
    for (const r of this.#byId.values()) if (r.expiresAt < now) out.push(r);
    for (const r of out) await this.remove(r.id);
    return out;
  }

  async all(): Promise<Registration[]> {
    return [...this.#byId.values()];
  }

  async size(): Promise<number> {
    return this.#byId.size;
  }
}
