/**
 * A map capped in entries and in total weight (bytes), whose entries expire; the oldest go
 * first when full. Holds the block-wise reassembly buffers and stored response bodies, so
 * neither a peer nor a crowd of peers can grow them past the caps.
 */
export class BoundedStore<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number; weight: number }>();
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
    const weight = this.weigh(value);
    this.map.set(key, { value, expiresAt: now + this.ttlMs, weight });
    this.total += weight;
    for (const [k, e] of this.map) {
      if (this.map.size <= this.maxEntries && this.total <= this.maxWeight && e.expiresAt > now) break;
      this.delete(k);
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
    this.total = 0;
  }
}
