/**
 * Per-peer state for what we send: the next message ID and the NSTART slots. Bounded: past
 * maxPeers the oldest idle peers are forgotten (a busy peer is kept until its exchanges end).
 */

export interface PeerState<W> {
  nextMid: number;
  outstanding: number;
  /** Exchanges waiting for an NSTART slot, oldest first. */
  readonly waiting: W[];
}

export class PeerTable<W> {
  private readonly peers = new Map<string, PeerState<W>>();

  constructor(private readonly maxPeers: number, private readonly random: () => number) {}

  get size(): number {
    return this.peers.size;
  }

  get(key: string): PeerState<W> {
    let ps = this.peers.get(key);
    if (ps === undefined) {
      // A random first message ID makes a restarted endpoint unlikely to repeat recent ones.
      ps = { nextMid: Math.floor(this.random() * 0x10000) & 0xffff, outstanding: 0, waiting: [] };
      this.peers.set(key, ps);
      if (this.peers.size > this.maxPeers) this.evict();
    }
    return ps;
  }

  nextMid(ps: PeerState<W>): number {
    const mid = ps.nextMid;
    ps.nextMid = (mid + 1) & 0xffff;
    return mid;
  }

  clear(): void {
    for (const ps of this.peers.values()) ps.waiting.length = 0;
    this.peers.clear();
  }

  private evict(): void {
    let budget = 64;
    for (const [k, ps] of this.peers) {
      if (this.peers.size <= this.maxPeers || budget-- === 0) break;
      if (ps.outstanding === 0 && ps.waiting.length === 0) this.peers.delete(k);
    }
  }
}
