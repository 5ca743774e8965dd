/** RFC 6347 4.2.4.1 timer values: start at 1 s, double per timeout, at most 60 s. */
export interface RetransmitOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Retransmissions before the handshake is given up. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRANSMIT: RetransmitOptions = { initialMs: 1000, maxMs: 60_000, maxAttempts: 6 };

/** Drives the retransmission of one flight with exponential back-off. */
export class RetransmitTimer {
  private handle: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private delay: number;

  constructor(
    private readonly opts: RetransmitOptions,
    private readonly onFire: () => void,
    private readonly onGiveUp: () => void,
  ) {
    this.delay = opts.initialMs;
  }

  /** Arms the timer for a freshly sent flight (resets the back-off). */
  start(): void {
    this.stop();
    this.attempts = 0;
    this.delay = this.opts.initialMs;
    this.arm();
  }

  private arm(): void {
    this.handle = setTimeout(() => {
      this.handle = undefined;
      if (this.attempts >= this.opts.maxAttempts) { this.onGiveUp(); return; }
      this.attempts++;
      this.delay = Math.min(this.delay * 2, this.opts.maxMs);
      this.onFire();
      this.arm();
    }, this.delay);
    // A pending handshake must not keep the process alive by itself.
    this.handle.unref?.();
  }

  stop(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }

  get running(): boolean { return this.handle !== undefined; }
}
