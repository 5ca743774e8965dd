/**
 * A map capped in entries and in total weight (bytes), whose entries expire; the oldest go
 * first when full. Holds block-wise buffers, stored bodies and recent NON notifications, so
 * neither a peer nor a crowd of peers can grow them past the caps. Order is kept in a FIFO
 * queue beside the Map (see DedupCache for why not the Map's own order).
 */
interface Slot<V> {
  readonly key: string;
  readonly value: V;
  readonly expiresAt: number;
  readonly weight: number;
}

export class BoundedStore<V> {
  private readonly map = new Map<string, Slot<V>>();
  private queue: Slot<V>[] = [];
  private head = 0;
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly maxWeight = Infinity,
    private readonly weigh: (value: V) => number = () => 0,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The summed weight of all entries. */
  get weight(): number {
    return this.total;
  }

  get(key: string, now: number): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Inserts or re-inserts (after the value grew) an entry; it becomes the newest. */
  set(key: string, value: V, now: number): void {
    this.delete(key);
    const slot: Slot<V> = { key, value, expiresAt: now + this.ttlMs, weight: this.weigh(value) };
    this.map.set(key, slot);
    this.queue.push(slot);
    this.total += slot.weight;
    while (this.head < this.queue.length) {
      const old = this.queue[this.head] as Slot<V>;
      const live = this.map.get(old.key) === old;
      if (live && this.map.size <= this.maxEntries && this.total <= this.maxWeight && old.expiresAt > now) break;
      if (live) this.delete(old.key);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (e === undefined) return;
    this.total -= e.weight;
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.queue = [];
    this.head = 0;
    this.total = 0;
  }
}
