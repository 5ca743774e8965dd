import type { PeerIdentity } from '../transport/datagram-transport.js';

/** What an abbreviated handshake (RFC 5246 7.3) needs from the session it resumes. */
export interface ResumableSession {
  readonly sessionId: Uint8Array;
  readonly master: Uint8Array;
  readonly suiteId: number;
  readonly extendedMasterSecret: boolean;
  readonly identity: PeerIdentity;
  readonly createdAt: number;
}

/** A bounded LRU of resumable sessions with a lifetime; keys are opaque strings. */
export class SessionCache {
  private readonly map = new Map<string, ResumableSession>();

  constructor(private readonly capacity: number, private readonly lifetimeMs: number, private readonly now: () => number = Date.now) {}

  get(key: string): ResumableSession | undefined {
    const s = this.map.get(key);
    if (s === undefined) return undefined;
    if (this.now() - s.createdAt > this.lifetimeMs) { this.map.delete(key); return undefined; }
    // Refresh the LRU order.
    this.map.delete(key);
    this.map.set(key, s);
    return s;
  }

  set(key: string, s: ResumableSession): void {
    if (this.capacity <= 0) return;
    this.map.delete(key);
    this.map.set(key, s);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  delete(key: string): void { this.map.delete(key); }

  /** Forgets every session `match` picks; returns how many went. */
  deleteWhere(match: (s: ResumableSession) => boolean): number {
    let n = 0;
    for (const [k, s] of this.map) if (match(s)) { this.map.delete(k); n++; }
    return n;
  }
  get size(): number { return this.map.size; }
}

export function sessionKey(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}
