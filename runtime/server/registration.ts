/** A client's registration as the server keeps it: plain data, so that any store can hold it. */
import type { PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import type { RegisteredObjects } from './registered-objects.js';
import type { RegistrationParams } from './registration-params.js';

export interface Registration extends RegistrationParams {
  /** The registration id: the client addresses Update and De-register to /rd/{id}. */
  readonly id: string;
  readonly objects: RegisteredObjects;
  /** Where requests to the client go: the address its last Register or Update came from. */
  readonly address: PeerAddress;
  readonly identity?: PeerIdentity;
  /** Milliseconds since the epoch. */
  readonly registeredAt: number;
  readonly updatedAt: number;
  /** updatedAt + lifetime; the registration expires after it. */
  readonly expiresAt: number;
}
