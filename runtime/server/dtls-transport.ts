/**
 * The server's DTLS transport: a DTLS server whose handshake takes its credentials from the
 * security store, so that only clients the store knows complete a handshake at all. The
 * registration interface then checks that the identity belongs to the endpoint name. Credentials
 * that leave the store take their sessions with them (close_notify, no resumption).
 */
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../coap/logger.js';
import { DtlsServer, type DtlsServerOptions, type RpkCredentials, type X509Credentials } from '../dtls/index.js';
import type { DatagramTransport, PeerIdentity } from '../transport/datagram-transport.js';
import { commonNameOf, describeIdentity, identityBelongsTo } from './endpoint-identity.js';
import { sameCredentials, type SecurityChange, type SecurityStore } from './security-store.js';

export interface ServerDtlsOptions extends Omit<DtlsServerOptions, 'pskStore' | 'rpk' | 'x509' | 'verifyResumption'> {
  /** PSK clients, with keys from the security store; on unless false. */
  readonly psk?: boolean;
  /** Raw public key clients (RFC 7250): our P-256 private key; client keys are trusted from the store. */
  readonly rpk?: RpkCredentials;
  /**
   * X.509 clients: our chain and key, and the roots client chains must lead to; the client's
   * certificate CN must then be one the store expects.
   */
  readonly x509?: X509Credentials;
  /**
   * How often every session's identity is looked up in the store again, ms (default 60 s; 0:
   * never): a store changed by another process (Redis) cannot tell this one, so its removals end
   * sessions here at the next check. Changes made through a store with `watch` act at once.
   */
  readonly revalidateSessionsMs?: number;
}

/** Whether the store still holds an entry for this identity (the same lookups as the handshake's). */
async function stillTrusted(store: SecurityStore, identity: PeerIdentity): Promise<boolean> {
  if (identity.type === 'psk') return (await store.byPskIdentity(identity.identity))?.credentials?.mode === 'psk';
  if (identity.type === 'rpk') return (await store.byPublicKey(identity.publicKey))?.credentials?.mode === 'rpk';
  const cn = commonNameOf(identity.subject);
  return cn !== undefined && (await store.byCommonName(cn))?.credentials?.mode === 'x509';
}

/** A DTLS server bound to a security store: it follows the store's changes until closed. */
class StoreBoundDtlsServer extends DtlsServer {
  #unwatch: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking = false;

  constructor(inner: DatagramTransport, options: DtlsServerOptions, private readonly store: SecurityStore, revalidateMs: number, private readonly log: Logger) {
    super(inner, options);
    this.#unwatch = store.watch?.((change) => this.#changed(change));
    if (revalidateMs > 0) {
      this.#timer = setInterval(() => void this.revalidate(), revalidateMs);
      this.#timer.unref();
    }
  }

  /** An entry was removed or its credentials replaced: the sessions of the old ones end now. */
  #changed(change: SecurityChange): void {
    const previous = change.previous;
    if (previous?.credentials === undefined || sameCredentials(previous, change.current)) return;
    const ended = this.closeSessions((identity) => identityBelongsTo(previous, identity));
    if (ended > 0) this.log.info({ endpoint: change.endpoint, sessions: ended }, 'DTLS sessions closed: their credentials left the security store');
  }

  /** Looks every session's identity up in the store; ends those the store no longer holds. */
  async revalidate(): Promise<number> {
    if (this.#checking) return 0;
    this.#checking = true;
    try {
      const revoked = new Set<string>();
      for (const { identity } of this.sessionIdentities()) {
        const key = describeIdentity(identity);
        if (revoked.has(key)) continue;
        // A store that cannot answer (Redis down) ends nothing: the next check asks again.
        if (!(await stillTrusted(this.store, identity).catch(() => true))) revoked.add(key);
      }
      if (revoked.size === 0) return 0;
      const ended = this.closeSessions((identity) => revoked.has(describeIdentity(identity)));
      this.log.info({ identities: [...revoked], sessions: ended }, 'DTLS sessions closed: their credentials are no longer in the security store');
      return ended;
    } finally {
      this.#checking = false;
    }
  }

  override async close(): Promise<void> {
    this.#unwatch?.();
    this.#unwatch = undefined;
    clearInterval(this.#timer);
    await super.close();
  }
}

/** Wraps `inner` (UDP) in a DTLS server that trusts what `store` holds; failed handshakes are logged. */
export function createServerDtlsTransport(inner: DatagramTransport, store: SecurityStore, options: ServerDtlsOptions, log: Logger): DtlsServer {
  const { psk, rpk, x509, revalidateSessionsMs, ...rest } = options;
  const server = new StoreBoundDtlsServer(inner, {
    ...rest,
    ...(psk === false ? {} : {
      pskStore: async (identity: string) => {
        const c = (await store.byPskIdentity(identity))?.credentials;
        return c?.mode === 'psk' ? c.key : undefined;
      },
    }),
    ...(rpk === undefined ? {} : {
      rpk: { ...rpk, verifyClientKey: async (spki: Uint8Array) => (await store.byPublicKey(spki)) !== undefined },
    }),
    ...(x509 === undefined ? {} : {
      x509: {
        ...x509,
        verifyClient: async (leaf: X509Certificate) => {
          const cn = commonNameOf(leaf.subject);
          return cn !== undefined && (await store.byCommonName(cn)) !== undefined;
        },
      },
    }),
    // A resumed session skips the credential lookups above: ask the store again first.
    verifyResumption: (identity) => stillTrusted(store, identity),
  }, store, revalidateSessionsMs ?? 60_000, log);
  server.onEvent((e) => {
    if (e.type === 'error') log.warn({ peer: e.peer, code: e.error.code }, `DTLS handshake or session failed: ${e.error.message}`);
    else if (e.type === 'established') log.debug({ peer: e.peer, identity: describeIdentity(e.identity), cipherSuite: e.cipherSuite, resumed: e.resumed }, 'DTLS session established');
  });
  return server;
}
