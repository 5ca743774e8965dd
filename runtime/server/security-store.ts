/**
 * Per endpoint name, how a client must prove who it is: a DTLS pre-shared key, a raw public
 * key or an X.509 certificate, and whether plain CoAP (NoSec) is allowed for it. The DTLS
 * handshake asks the store for keys; the registration interface asks it whether an identity
 * belongs to the endpoint name a client registers as. Async throughout so that a shared store
 * (Redis) fits behind the same calls as the in-memory default.
 */
import { publicKeyId } from './public-key-id.js';
import { ServerError } from './server-error.js';

/** The credentials of one endpoint: one DTLS mode (LwM2M Security object modes 0, 1, 2). */
export type EndpointCredentials =
  | { readonly mode: 'psk'; readonly identity: string; readonly key: Uint8Array }
  /** The client's public key: SubjectPublicKeyInfo, DER (see `spkiOf` in runtime/dtls). */
  | { readonly mode: 'rpk'; readonly publicKey: Uint8Array }
  /**
   * A certificate chaining to the DTLS server's trusted roots, whose subject CN is
   * `commonName`: the endpoint name itself when absent, as LwM2M's certificate mode expects.
   */
  | { readonly mode: 'x509'; readonly commonName?: string };

export interface EndpointSecurity {
  readonly endpoint: string;
  /** Absent: the endpoint has no DTLS credentials (it may only use NoSec, if allowed). */
  readonly credentials?: EndpointCredentials;
  /** Whether this endpoint may register over plain CoAP; false when absent. */
  readonly allowNoSec?: boolean;
}

/** One change of an endpoint's entry: before and after (undefined: none). */
export interface SecurityChange {
  readonly endpoint: string;
  readonly previous: EndpointSecurity | undefined;
  readonly current: EndpointSecurity | undefined;
}

export interface SecurityStore {
  get(endpoint: string): Promise<EndpointSecurity | undefined>;
  /** The endpoint whose PSK identity this is: the DTLS handshake takes its key from here. */
  byPskIdentity(identity: string): Promise<EndpointSecurity | undefined>;
  /** The endpoint that owns a raw public key (SPKI, DER). */
  byPublicKey(publicKey: Uint8Array): Promise<EndpointSecurity | undefined>;
  /** The endpoint expecting an X.509 certificate with this subject CN. */
  byCommonName(commonName: string): Promise<EndpointSecurity | undefined>;
  /** Adds or replaces an endpoint's entry; refuses credentials another endpoint already holds. */
  set(entry: EndpointSecurity): Promise<void>;
  remove(endpoint: string): Promise<EndpointSecurity | undefined>;
  all(): Promise<EndpointSecurity[]>;
  /**
   * Calls `listener` after every change made through this store (set, remove), so that the
   * DTLS transport ends at once the sessions of credentials that were removed or replaced.
   * Returns the unsubscribe function. Optional: without it (a store other processes change
   * too), the transport finds revoked credentials by checking its sessions periodically.
   */
  watch?(listener: (change: SecurityChange) => void): () => void;
}

/** Whether two entries hold the same DTLS credentials (mode, identity and key, public key, CN). */
export function sameCredentials(a: EndpointSecurity | undefined, b: EndpointSecurity | undefined): boolean {
  const x = a?.credentials;
  const y = b?.credentials;
  if (x === undefined || y === undefined) return x === y;
  if (x.mode === 'psk' && y.mode === 'psk') return x.identity === y.identity && Buffer.compare(x.key, y.key) === 0;
  if (x.mode === 'rpk' && y.mode === 'rpk') return publicKeyId(x.publicKey) === publicKeyId(y.publicKey);
  if (x.mode === 'x509' && y.mode === 'x509') return expectedCommonName(a!) === expectedCommonName(b!);
  return false;
}

/** The subject CN a certificate entry expects; undefined for other modes. */
export function expectedCommonName(entry: EndpointSecurity): string | undefined {
  return entry.credentials?.mode === 'x509' ? (entry.credentials.commonName ?? entry.endpoint) : undefined;
}

/** A map key for a credential: each identity, key or CN may belong to one endpoint only. */
function credentialKey(entry: EndpointSecurity): string | undefined {
  const c = entry.credentials;
  if (c === undefined) return undefined;
  if (c.mode === 'psk') return pskKey(c.identity);
  if (c.mode === 'rpk') return rpkKey(publicKeyId(c.publicKey)!);
  return cnKey(expectedCommonName(entry)!);
}
const pskKey = (identity: string): string => `psk:${identity}`;
const rpkKey = (id: string): string => `rpk:${id}`;
const cnKey = (cn: string): string => `cn:${cn}`;

function validate(entry: EndpointSecurity): EndpointSecurity {
  if (typeof entry.endpoint !== 'string' || entry.endpoint === '') throw new ServerError('E_ARGUMENT', 'a security entry needs an endpoint name');
  const c = entry.credentials;
  if (c === undefined) return { endpoint: entry.endpoint, allowNoSec: entry.allowNoSec === true };
  let credentials: EndpointCredentials;
  if (c.mode === 'psk') {
    if (c.identity === '' || c.key.length === 0) throw new ServerError('E_ARGUMENT', `endpoint ${entry.endpoint}: a PSK needs an identity and a key`);
    credentials = { mode: 'psk', identity: c.identity, key: new Uint8Array(c.key) };
  } else if (c.mode === 'rpk') {
    if (publicKeyId(c.publicKey) === undefined) throw new ServerError('E_ARGUMENT', `endpoint ${entry.endpoint}: the public key is not an EC key as SPKI DER`);
    credentials = { mode: 'rpk', publicKey: new Uint8Array(c.publicKey) };
  } else if (c.mode === 'x509') {
    if (c.commonName === '') throw new ServerError('E_ARGUMENT', `endpoint ${entry.endpoint}: an empty commonName`);
    credentials = c.commonName === undefined ? { mode: 'x509' } : { mode: 'x509', commonName: c.commonName };
  } else {
    throw new ServerError('E_ARGUMENT', `endpoint ${entry.endpoint}: unknown security mode`);
  }
  // Copies: a caller changing its buffers later must not change what the store trusts.
  return { endpoint: entry.endpoint, credentials, allowNoSec: entry.allowNoSec === true };
}

export class MemorySecurityStore implements SecurityStore {
  readonly #byEndpoint = new Map<string, EndpointSecurity>();
  /** credentialKey -> endpoint. */
  readonly #byCredential = new Map<string, string>();
  readonly #watchers = new SecurityWatchers();

  constructor(entries: readonly EndpointSecurity[] = []) {
    for (const e of entries) this.#set(e);
  }

  async get(endpoint: string): Promise<EndpointSecurity | undefined> {
    return this.#byEndpoint.get(endpoint);
  }

  async byPskIdentity(identity: string): Promise<EndpointSecurity | undefined> {
    return this.#lookup(pskKey(identity));
  }

  async byPublicKey(publicKey: Uint8Array): Promise<EndpointSecurity | undefined> {
    const id = publicKeyId(publicKey);
    return id === undefined ? undefined : this.#lookup(rpkKey(id));
  }

  async byCommonName(commonName: string): Promise<EndpointSecurity | undefined> {
    return this.#lookup(cnKey(commonName));
  }

  async set(entry: EndpointSecurity): Promise<void> {
    this.#set(entry);
  }

  async remove(endpoint: string): Promise<EndpointSecurity | undefined> {
    const old = this.#byEndpoint.get(endpoint);
    if (old === undefined) return undefined;
    this.#byEndpoint.delete(endpoint);
    const k = credentialKey(old);
    if (k !== undefined) this.#byCredential.delete(k);
    this.#watchers.tell({ endpoint, previous: old, current: undefined });
    return old;
  }

  watch(listener: (change: SecurityChange) => void): () => void {
    return this.#watchers.add(listener);
  }

  async all(): Promise<EndpointSecurity[]> {
    return [...this.#byEndpoint.values()];
  }

  #lookup(key: string): EndpointSecurity | undefined {
    const endpoint = this.#byCredential.get(key);
    return endpoint === undefined ? undefined : this.#byEndpoint.get(endpoint);
  }

  #set(raw: EndpointSecurity): void {
    const entry = validate(raw);
    const k = credentialKey(entry);
    const holder = k === undefined ? undefined : this.#byCredential.get(k);
    if (holder !== undefined && holder !== entry.endpoint) {
      throw new ServerError('E_ARGUMENT', `endpoint ${entry.endpoint}: these credentials already belong to endpoint ${holder}`);
    }
    const old = this.#byEndpoint.get(entry.endpoint);
    const oldKey = old === undefined ? undefined : credentialKey(old);
    if (oldKey !== undefined) this.#byCredential.delete(oldKey);
    this.#byEndpoint.set(entry.endpoint, entry);
    if (k !== undefined) this.#byCredential.set(k, entry.endpoint);
    this.#watchers.tell({ endpoint: entry.endpoint, previous: old, current: entry });
  }
}

/** The listeners of a store's `watch`: each hears of every change made through that store object. */
export class SecurityWatchers {
  readonly #listeners = new Set<(change: SecurityChange) => void>();

  add(listener: (change: SecurityChange) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  tell(change: SecurityChange): void {
    for (const l of [...this.#listeners]) {
      try {
        l(change);
      } catch {
        // A listener's failure is its own: the change is made and the others still hear of it.
      }
    }
  }
}
