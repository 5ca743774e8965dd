/**
 * Where registrations live. Async so that a shared store (Redis) fits behind the same calls
 * as the in-memory default; one endpoint has at most one registration.
 */
import { peerKey } from '../transport/datagram-transport.js';
import type { Registration } from './registration.js';

export interface RegistrationStore {
  /** Stores a registration; returns the one of the same endpoint it replaced, if any. */
  add(registration: Registration): Promise<Registration | undefined>;
  get(id: string): Promise<Registration | undefined>;
  byEndpoint(endpoint: string): Promise<Registration | undefined>;
  /** The registration whose client is at this address (peerKey form, "127.0.0.1:5683"). */
  byAddress(address: string): Promise<Registration | undefined>;
  /** Replaces a stored registration (same id); false when it is gone. */
  replace(registration: Registration): Promise<boolean>;
  remove(id: string): Promise<Registration | undefined>;
  /** Removes and returns the registrations whose expiresAt is before `now`. */
  removeExpired(now: number): Promise<Registration[]>;
  all(): Promise<Registration[]>;
  size(): Promise<number>;
}

export class MemoryRegistrationStore implements RegistrationStore {
  // Every index holds the registration itself: a Read looks its client up by endpoint in one step.
  readonly #byId = new Map<string, Registration>();
  readonly #byEndpoint = new Map<string, Registration>();
  readonly #byAddress = new Map<string, Registration>();

  async add(r: Registration): Promise<Registration | undefined> {
    const old = this.#byEndpoint.get(r.endpoint);
    if (old !== undefined) this.#unindex(old);
    this.#byId.set(r.id, r);
    this.#index(r);
    return old;
  }

  async get(id: string): Promise<Registration | undefined> {
    return this.#byId.get(id);
  }

  async byEndpoint(endpoint: string): Promise<Registration | undefined> {
    return this.#byEndpoint.get(endpoint);
  }

  async replace(r: Registration): Promise<boolean> {
    const old = this.#byId.get(r.id);
    if (old === undefined) return false;
    this.#unindex(old);
    this.#byId.set(r.id, r);
    this.#index(r);
    return true;
  }

  async byAddress(address: string): Promise<Registration | undefined> {
    return this.#byAddress.get(address);
  }

  #index(r: Registration): void {
    this.#byEndpoint.set(r.endpoint, r);
    this.#byAddress.set(peerKey(r.address), r);
  }

  /** Drops the indexes that still point at this registration (another may own the key by now). */
  #unindex(r: Registration): void {
    this.#byId.delete(r.id);
    if (this.#byEndpoint.get(r.endpoint) === r) this.#byEndpoint.delete(r.endpoint);
    const a = peerKey(r.address);
    if (this.#byAddress.get(a) === r) this.#byAddress.delete(a);
  }

  async remove(id: string): Promise<Registration | undefined> {
    const r = this.#byId.get(id);
    if (r === undefined) return undefined;
    this.#unindex(r);
    return r;
  }

  async removeExpired(now: number): Promise<Registration[]> {
    const out: Registration[] = [];
    for (const r of this.#byId.values()) if (r.expiresAt < now) out.push(r);
    for (const r of out) this.#unindex(r);
    return out;
  }

  async all(): Promise<Registration[]> {
    return [...this.#byId.values()];
  }

  async size(): Promise<number> {
    return this.#byId.size;
  }
}
