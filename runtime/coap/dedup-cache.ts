/**
 * Duplicate detection for received CON/NON messages (RFC 7252 §4.5): one entry per
 * (peer, message ID), kept for EXCHANGE_LIFETIME with the reply to resend to a duplicate.
 * Entries sit in a Map in insertion order, which is also expiry order up to the two
 * lifetimes, so expiry and the size cap both drop from the front.
 */

export interface DedupEntry {
  expiresAt: number;
  /** The token of the message, to tell a retransmission from a message ID reused too early. */
  token: string;
  /** The bytes sent in reply (piggybacked response, empty ACK or RST); none while the handler runs. */
  reply: Uint8Array | undefined;
}

export class DedupCache {
  private readonly map = new Map<string, DedupEntry>();
  evicted = 0;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string, now: number): DedupEntry | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  add(key: string, token: string, expiresAt: number, now: number): DedupEntry {
    this.sweep(now);
    // Re-inserting moves a reused message ID to the back, keeping the order by expiry.
    this.map.delete(key);
    const e: DedupEntry = { expiresAt, token, reply: undefined };
    this.map.set(key, e);
    while (this.map.size > this.maxEntries) {
      const first = this.map.keys().next().value as string;
      this.map.delete(first);
      this.evicted++;
    }
    return e;
  }

  /** Drops expired entries from the front; stops at the first live one. */
  sweep(now: number): void {
    for (const [k, e] of this.map) {
      if (e.expiresAt > now) break;
      this.map.delete(k);
    }
  }

  clear(): void {
    this.map.clear();
  }
}
