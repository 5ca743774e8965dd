/**
 * RFC 6347 4.1.2.6 anti-replay: a sliding window over 48-bit sequence numbers. The window is
 * 64 wide, kept as a bigint bitmap (bit i set = right edge minus i seen).
 */
export const REPLAY_WINDOW_SIZE = 64;

export class ReplayWindow {
  /** Highest sequence number accepted so far; -1 before the first. */
  private top = -1;
  private bits = 0n;

  /** True if the number is new and inside or right of the window (checked before decryption). */
  check(seq: number): boolean {
    if (seq > this.top) return true;
    const diff = this.top - seq;
    if (diff >= REPLAY_WINDOW_SIZE) return false;
    return ((this.bits >> BigInt(diff)) & 1n) === 0n;
  }

  /** Marks a number seen; call only after the record authenticated. */
  accept(seq: number): void {
    if (seq > this.top) {
      const shift = this.top < 0 ? REPLAY_WINDOW_SIZE : seq - this.top;
      this.bits = shift >= REPLAY_WINDOW_SIZE ? 1n : ((this.bits << BigInt(shift)) | 1n) & ((1n << BigInt(REPLAY_WINDOW_SIZE)) - 1n);
      this.top = seq;
      return;
    }
    const diff = this.top - seq;
    if (diff < REPLAY_WINDOW_SIZE) this.bits |= 1n << BigInt(diff);
  }

  reset(): void { this.top = -1; this.bits = 0n; }

  /** The highest number accepted so far (-1 before any). */
  get newest(): number { return this.top; }
}
