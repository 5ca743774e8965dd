/**
 * Duplicate detection for received CON/NON messages (RFC 7252 §4.5): one entry per
 * (peer, message ID), kept for EXCHANGE_LIFETIME with the reply to resend to a duplicate.
 * A Map finds entries; a FIFO queue beside it gives the insertion order (which is expiry
 * order up to the two lifetimes), because iterating a Map from its front after many deletes
 * costs time proportional to the deleted slots.
 */

export interface DedupEntry {
  readonly key: string;
  expiresAt: number;
  /** The token of the message, to tell a retransmission from a message ID reused too early. */
  readonly token: string;
  /** The bytes sent in reply (piggybacked response, empty ACK or RST); none while the handler runs. */
  reply: Uint8Array | undefined;
}

export class DedupCache {
  private readonly map = new Map<string, DedupEntry>();
  private queue: DedupEntry[] = [];
  private head = 0;
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
    const e: DedupEntry = { key, expiresAt, token, reply: undefined };
    // Replacing an entry leaves the old one in the queue as stale (the map no longer points to it).
    this.map.set(key, e);
    this.queue.push(e);
    while (this.map.size > this.maxEntries && this.head < this.queue.length) {
      const old = this.queue[this.head++] as DedupEntry;
      if (this.map.get(old.key) === old) {
        this.map.delete(old.key);
        this.evicted++;
      }
    }
    this.compact();
    return e;
  }

  /** Drops expired entries from the front; stops at the first live one. */
  sweep(now: number): void {
    while (this.head < this.queue.length) {
      const e = this.queue[this.head] as DedupEntry;
      if (this.map.get(e.key) === e) {
        if (e.expiresAt > now) break;
        this.map.delete(e.key);
      }
      this.head++;
    }
    this.compact();
  }

  clear(): void {
    this.map.clear();
    this.queue = [];
    this.head = 0;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
