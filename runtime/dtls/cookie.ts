import { createHmac, randomBytes } from 'node:crypto';
import { ByteWriter, equalBytes } from './bytes.js';
import type { ClientHello } from './handshake-hello.js';
import type { PeerAddress } from '../transport/datagram-transport.js';

export const COOKIE_LENGTH = 16;
const encoder = new TextEncoder();

/**
 * Stateless cookies for HelloVerifyRequest (RFC 6347 4.2.1): an HMAC over the peer address and
 * the ClientHello parameters under a secret that rotates; the previous secret stays valid for
 * one more period so a cookie issued just before a rotation still works.
 */
export class CookieJar {
  private current: Uint8Array;
  private previous: Uint8Array;
  private rotatedAt: number;

  constructor(private readonly rotateMs: number, private readonly now: () => number = Date.now) {
    this.current = randomBytes(32);
    this.previous = randomBytes(32);
    this.rotatedAt = now();
  }

  private maybeRotate(): void {
    const t = this.now();
    if (t - this.rotatedAt < this.rotateMs) return;
    // After a long idle gap both secrets are stale: replace both.
    this.previous = t - this.rotatedAt >= 2 * this.rotateMs ? randomBytes(32) : this.current;
    this.current = randomBytes(32);
    this.rotatedAt = t;
  }

  private mac(secret: Uint8Array, peer: PeerAddress, hello: ClientHello): Uint8Array {
    const w = new ByteWriter(128).vec8(encoder.encode(peer.address)).u16(peer.port)
      .u16(hello.version).bytes(hello.random).vec8(hello.sessionId);
    for (const s of hello.cipherSuites) w.u16(s);
    w.vec8(hello.compressionMethods);
    return createHmac('sha256', secret).update(w.finish()).digest().subarray(0, COOKIE_LENGTH);
  }

  issue(peer: PeerAddress, hello: ClientHello): Uint8Array {
    this.maybeRotate();
    return this.mac(this.current, peer, hello);
  }

  verify(peer: PeerAddress, hello: ClientHello): boolean {
    if (hello.cookie.length !== COOKIE_LENGTH) return false;
    this.maybeRotate();
    return equalBytes(hello.cookie, this.mac(this.current, peer, hello)) || equalBytes(hello.cookie, this.mac(this.previous, peer, hello));
  }

  /** Forces a rotation now (tests, or an operator who suspects a leaked secret). */
  rotate(): void {
    this.previous = this.current;
    this.current = randomBytes(32);
    this.rotatedAt = this.now();
  }
}
