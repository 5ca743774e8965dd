/**
 * The datagram transport the CoAP layer runs on: plain UDP, or DTLS which hands up the
 * peer's authenticated identity with every datagram. Nothing above this interface knows
 * which one it has.
 */

export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** Who the peer proved to be during the DTLS handshake. */
export type PeerIdentity =
  | { readonly type: 'psk'; readonly identity: string }
  /** Raw public key (RFC 7250): the SubjectPublicKeyInfo, DER. */
  | { readonly type: 'rpk'; readonly publicKey: Uint8Array }
  | { readonly type: 'x509'; readonly subject: string; readonly certificate: Uint8Array };

export interface Datagram {
  readonly data: Uint8Array;
  readonly peer: PeerAddress;
  /** Absent on plain UDP. */
  readonly identity?: PeerIdentity;
}

export interface DatagramTransport {
  /** Sends one datagram; rejects when the transport is closed or the peer unreachable. */
  send(data: Uint8Array, peer: PeerAddress): Promise<void>;
  /**
   * False when nothing sent to `peer` can arrive until the peer acts (a DTLS server with no
   * session with it: only the client can start a handshake). Requests then fail at once
   * instead of waiting out their deadline. Absent: always reachable.
   */
  canReach?(peer: PeerAddress): boolean;
  /** The one receiver; set before the first datagram arrives. */
  onDatagram(handler: (datagram: Datagram) => void): void;
  /** The local address bound (port 0 is resolved to the real port). */
  address(): PeerAddress;
  close(): Promise<void>;
}

/** A stable map key for a peer address. */
export function peerKey(peer: PeerAddress): string {
  return peer.address.includes(':') ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}
