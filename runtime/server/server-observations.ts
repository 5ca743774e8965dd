/**
 * The server's observations: each one kept in the observation store by token, plus the live
 * CoAP handles of those this process holds. A notification on a token this process does not
 * hold (the observation was made before a restart, by a process that shared the stores) is
 * looked up in the store and taken up again, or refused with RST when the store has no such
 * token or its registration is gone.
 */
import type { ClientObservation } from '../coap/client-observation.js';
import type { Logger } from '../coap/logger.js';
import { peerKey, type PeerAddress, type PeerIdentity } from '../transport/datagram-transport.js';
import { sameIdentity } from './endpoint-identity.js';
import type { ObservationStore, StoredObservation } from './observation-store.js';
import type { Registration } from './registration.js';
import type { RegistrationStore } from './registration-store.js';

export interface ServerObservationsHost {
  readonly store: ObservationStore;
  readonly registrations: RegistrationStore;
  readonly log: Logger;
  /** Starts listening on a stored observation again, in this process. */
  resume(registration: Registration, observation: StoredObservation): ClientObservation;
}

const MAX_PENDING_LOOKUPS = 1024;

export class ServerObservations {
  readonly #live = new Map<string, ClientObservation>();
  /** Lookups under way, so that notifications arriving meanwhile on one token ask the store once. */
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(private readonly host: ServerObservationsHost) {}

  get store(): ObservationStore {
    return this.host.store;
  }

  /** Keeps a new observation: live here, and in the store for other processes and restarts. */
  async track(o: StoredObservation, obs: ClientObservation): Promise<void> {
    await this.host.store.add(o);
    this.#live.set(o.token, obs);
  }

  /**
   * Cancels one observation: GET Observe=1 on its token (RFC 7641 §3.6), also for one this
   * process did not make (it is taken up first), and out of the store.
   */
  async cancel(token: string, registration: Registration | undefined): Promise<void> {
    const stored = await this.host.store.remove(token);
    let obs = this.#live.get(token);
    this.#live.delete(token);
    if (obs === undefined && stored !== undefined && registration !== undefined && registration.id === stored.registrationId) {
      obs = this.host.resume(registration, stored);
    }
    if (obs?.active) await obs.cancel().catch(() => undefined);
  }

  /** The client ended an observation itself (an error notification): it leaves the store. */
  ended(token: string): void {
    this.#live.delete(token);
    void this.host.store.remove(token).catch((e: unknown) => this.host.log.warn({ err: (e as Error).message, token }, 'observation store: remove failed'));
  }

  /**
   * A registration is gone (de-registered, expired, replaced by a new Register): its
   * observations leave the store, and the next notification of one held here gets RST.
   */
  async dropRegistration(registrationId: string): Promise<StoredObservation[]> {
    const gone = await this.host.store.removeByRegistration(registrationId);
    for (const o of gone) {
      this.#live.get(o.token)?.forget();
      this.#live.delete(o.token);
    }
    return gone;
  }

  /** CoapEndpoint.onUnknownNotification: true when taken up again, false for RST. */
  unknown(n: { readonly peer: PeerAddress; readonly identity: PeerIdentity | undefined; readonly token: Uint8Array }): Promise<boolean> {
    const token = tokenHex(n.token);
    const key = `${peerKey(n.peer)}|${token}`;
    let p = this.#pending.get(key);
    // A flood of made-up tokens must not pile up store lookups: past the cap they go unanswered.
    if (p === undefined && this.#pending.size >= MAX_PENDING_LOOKUPS) return Promise.resolve(true);
    if (p === undefined) {
      p = this.#lookup(n.peer, n.identity, token).finally(() => this.#pending.delete(key));
      this.#pending.set(key, p);
    }
    return p;
  }

  async #lookup(peer: PeerAddress, identity: PeerIdentity | undefined, token: string): Promise<boolean> {
    try {
      const o = await this.host.store.get(token);
      if (o === undefined) {
        this.host.log.debug({ peer, token }, 'notification on an unknown token: RST');
        return false;
      }
      const r = await this.host.registrations.get(o.registrationId);
      if (r === undefined || r.endpoint !== o.endpoint) {
        await this.host.store.remove(token);
        this.host.log.info({ peer, token, endpoint: o.endpoint }, 'notification of a registration that is gone: RST');
        return false;
      }
      // Only the registered client may speak for its observations.
      if (peerKey(r.address) !== peerKey(peer) || !sameIdentity(r.identity, identity)) {
        this.host.log.warn({ peer, token, endpoint: o.endpoint }, 'notification on a stored token from another peer: RST');
        return false;
      }
      this.#live.set(token, this.host.resume(r, o));
      this.host.log.info({ endpoint: o.endpoint, paths: o.paths, token }, 'observation taken up again');
      return true;
    } catch (e) {
      // The store cannot answer: leave the notification unanswered rather than cancel it.
      this.host.log.warn({ err: (e as Error).message, token }, 'observation store lookup failed');
      return true;
    }
  }

  /** Forgets the live handles (the endpoint closes with the server); the store keeps them. */
  close(): void {
    this.#live.clear();
  }
}

export function tokenHex(token: Uint8Array): string {
  return Buffer.from(token.buffer, token.byteOffset, token.byteLength).toString('hex');
}

export function tokenBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
