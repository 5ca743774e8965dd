/**
 * RFC 6347 4.1.2.6 anti-replay: a sliding window over 48-bit sequence numbers. The window is
 * 64 wide, kept as two 32-bit halves of a bitmap (bit i set = right edge minus i seen): no
 * bigint arithmetic on every record.
 */
export const REPLAY_WINDOW_SIZE = 64;

export class ReplayWindow {
  /** Highest sequence number accepted so far; -1 before the first. */
  private top = -1;
  /** Bits 0..31 (the newest numbers) and 32..63. */
  private low = 0;
  private high = 0;

  /** True if the number is new and inside or right of the window (checked before decryption). */
  check(seq: number): boolean {
    if (seq > this.top) return true;
    const diff = this.top - seq;
    if (diff >= REPLAY_WINDOW_SIZE) return false;
    return diff < 32 ? ((this.low >>> diff) & 1) === 0 : ((this.high >>> (diff - 32)) & 1) === 0;
  }

  /** Marks a number seen; call only after the record authenticated. */
  accept(seq: number): void {
    if (seq > this.top) {
      const shift = this.top < 0 ? REPLAY_WINDOW_SIZE : seq - this.top;
      if (shift >= REPLAY_WINDOW_SIZE) {
        this.high = 0;
        this.low = 1;
      } else if (shift >= 32) {
        this.high = shift === 32 ? this.low : this.low << (shift - 32);
        this.low = 1;
      } else {
        // JS shifts count modulo 32: shift is 1..31 here, so both shifts are real.
        this.high = (this.high << shift) | (this.low >>> (32 - shift));
        this.low = (this.low << shift) | 1;
      }
      this.top = seq;
      return;
    }
    const diff = this.top - seq;
    if (diff < 32) this.low |= 1 << diff;
    else if (diff < REPLAY_WINDOW_SIZE) this.high |= 1 << (diff - 32);
  }

  reset(): void { this.top = -1; this.low = 0; this.high = 0; }

  /** The highest number accepted so far (-1 before any). */
  get newest(): number { return this.top; }
}
