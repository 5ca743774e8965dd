/** Time as the layer sees it; injectable so retransmission can be tested without sleeping. */

export interface TimerHandle {
  readonly __timer?: never;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls fn(arg) after ms; the argument spares the caller a closure per timer on hot paths. */
  setTimeout<T>(fn: (arg: T) => void, ms: number, arg: T): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: <T>(fn: (arg: T) => void, ms: number, arg: T): TimerHandle => {
    const t = setTimeout(fn, ms, arg);
    // The socket keeps the process alive while the endpoint is open; timers need not.
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout: (h) => clearTimeout(h as unknown as NodeJS.Timeout),
};
