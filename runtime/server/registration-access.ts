/**
 * Who may register as which endpoint, and who may touch a registration: the security store's
 * answer for Register, the registering identity's for everything after it.
 */
import type { PeerIdentity } from '../transport/datagram-transport.js';
import { describeIdentity, identityBelongsTo, sameIdentity } from './endpoint-identity.js';
import type { Registration } from './registration.js';
import type { SecurityStore } from './security-store.js';
import { ServerError } from './server-error.js';

/**
 * Throws E_REG_FORBIDDEN unless `identity` may register as `endpoint`. Without a store there
 * is no mapping of identities to endpoints, and every registration is let through.
 */
export async function checkRegister(endpoint: string, identity: PeerIdentity | undefined, store: SecurityStore | undefined): Promise<void> {
  if (store === undefined) return;
  const entry = await store.get(endpoint);
  if (identity === undefined) {
    if (entry?.allowNoSec === true) return;
    throw new ServerError('E_REG_FORBIDDEN', `endpoint ${endpoint} must register over DTLS`);
  }
  if (entry === undefined || !identityBelongsTo(entry, identity)) {
    throw new ServerError('E_REG_FORBIDDEN', `${describeIdentity(identity)} may not register as endpoint ${endpoint}`);
  }
}

/** Throws E_REG_FORBIDDEN unless the request comes from the identity that registered. */
export function checkSameClient(registration: Registration, identity: PeerIdentity | undefined): void {
  if (!sameIdentity(registration.identity, identity)) {
    throw new ServerError('E_REG_FORBIDDEN', `registration ${registration.id} belongs to another client`);
  }
}
