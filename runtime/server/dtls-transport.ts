/**
 * The server's DTLS transport: a DTLS server whose handshake takes its credentials from the
 * security store, so that only clients the store knows complete a handshake at all. The
 * registration interface then checks that the identity belongs to the endpoint name.
 */
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../coap/logger.js';
import { createDtlsServer, type DtlsServer, type DtlsServerOptions, type RpkCredentials, type X509Credentials } from '../dtls/index.js';
import type { DatagramTransport } from '../transport/datagram-transport.js';
import { commonNameOf, describeIdentity } from './endpoint-identity.js';
import type { SecurityStore } from './security-store.js';

export interface ServerDtlsOptions extends Omit<DtlsServerOptions, 'pskStore' | 'rpk' | 'x509'> {
  /** PSK clients, with keys from the security store; on unless false. */
  readonly psk?: boolean;
  /** Raw public key clients (RFC 7250): our P-256 private key; client keys are trusted from the store. */
  readonly rpk?: RpkCredentials;
  /**
   * X.509 clients: our chain and key, and the roots client chains must lead to; the client's
   * certificate CN must then be one the store expects.
   */
  readonly x509?: X509Credentials;
}

/** Wraps `inner` (UDP) in a DTLS server that trusts what `store` holds; failed handshakes are logged. */
export function createServerDtlsTransport(inner: DatagramTransport, store: SecurityStore, options: ServerDtlsOptions, log: Logger): DtlsServer {
  const { psk, rpk, x509, ...rest } = options;
  const server = createDtlsServer(inner, {
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
  });
  server.onEvent((e) => {
    if (e.type === 'error') log.warn({ peer: e.peer, code: e.error.code }, `DTLS handshake or session failed: ${e.error.message}`);
    else if (e.type === 'established') log.debug({ peer: e.peer, identity: describeIdentity(e.identity), cipherSuite: e.cipherSuite, resumed: e.resumed }, 'DTLS session established');
  });
  return server;
}
