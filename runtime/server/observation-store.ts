/**
 * Where the server keeps what it observes, by token: a notification that reaches a server
 * process other than the one that observed (after a restart, say) is matched here again.
 * Async so that a shared store (Redis) fits behind the same calls as the in-memory default.
 */
import type { AnyAttributes } from './remote-client.js';

export interface StoredObservation {
  /** The CoAP token of the observation, lowercase hex: what every notification carries. */
  readonly token: string;
  readonly registrationId: string;
  readonly endpoint: string;
  /** The observed paths as formatPath writes them ("/3/0/9"); several for Observe-Composite. */
  readonly paths: readonly string[];
  /** Observe-Composite (FETCH on the root with the paths as a SenML body) rather than a GET. */
  readonly composite: boolean;
  /** The Content-Format asked for (Accept), and the body's format of a composite request. */
  readonly format: number;
  /** The attributes written with the observation, if the application gave any. */
  readonly attributes?: AnyAttributes;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

export interface ObservationStore {
  /** Stores an observation; one of the same token is replaced. */
  add(observation: StoredObservation): Promise<void>;
  get(token: string): Promise<StoredObservation | undefined>;
  /** The observations made on one registration, oldest first. */
  byRegistration(registrationId: string): Promise<StoredObservation[]>;
  remove(token: string): Promise<StoredObservation | undefined>;
  /** Removes and returns every observation of a registration (de-registered, expired, replaced). */
  removeByRegistration(registrationId: string): Promise<StoredObservation[]>;
}

export class MemoryObservationStore implements ObservationStore {
  readonly #byToken = new Map<string, StoredObservation>();
  /** registration id -> tokens. */
  readonly #byRegistration = new Map<string, Set<string>>();

  async add(o: StoredObservation): Promise<void> {
    const old = this.#byToken.get(o.token);
    if (old !== undefined) this.#unindex(old);
    this.#byToken.set(o.token, o);
    let tokens = this.#byRegistration.get(o.registrationId);
    if (tokens === undefined) this.#byRegistration.set(o.registrationId, (tokens = new Set()));
    tokens.add(o.token);
  }

  async get(token: string): Promise<StoredObservation | undefined> {
    return this.#byToken.get(token);
  }

  async byRegistration(registrationId: string): Promise<StoredObservation[]> {
    return [...(this.#byRegistration.get(registrationId) ?? [])].map((t) => this.#byToken.get(t)!).sort((a, b) => a.createdAt - b.createdAt);
  }

  async remove(token: string): Promise<StoredObservation | undefined> {
    const o = this.#byToken.get(token);
    if (o === undefined) return undefined;
    this.#byToken.delete(token);
    this.#unindex(o);
    return o;
  }

  async removeByRegistration(registrationId: string): Promise<StoredObservation[]> {
    const out = await this.byRegistration(registrationId);
    for (const o of out) this.#byToken.delete(o.token);
    this.#byRegistration.delete(registrationId);
    return out;
  }

  #unindex(o: StoredObservation): void {
    const tokens = this.#byRegistration.get(o.registrationId);
    tokens?.delete(o.token);
    if (tokens?.size === 0) this.#byRegistration.delete(o.registrationId);
  }
}
