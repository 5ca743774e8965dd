/**
 * Queue mode (binding Q): a client is reachable only for a while after each message from it
 * (MAX_TRANSMIT_WAIT, 93 s by default). Requests made while it sleeps wait here and go out
 * when it next wakes (a Register or an Update).
 */
export interface QueueModeEvents {
  awake(endpoint: string): void;
  sleeping(endpoint: string): void;
}

interface State {
  awakeUntil: number;
  timer: NodeJS.Timeout | undefined;
  waiting: Array<() => void>;
}

export class QueueMode {
  readonly #states = new Map<string, State>();

  constructor(
    private readonly awakeMs: number,
    private readonly now: () => number,
    private readonly events: QueueModeEvents,
  ) {}

  /** A message came from the client: it is awake for awakeMs from now; waiting requests go. */
  wake(endpoint: string): void {
    const s = this.#states.get(endpoint) ?? { awakeUntil: 0, timer: undefined, waiting: [] };
    this.#states.set(endpoint, s);
    const wasAwake = s.awakeUntil > this.now();
    s.awakeUntil = this.now() + this.awakeMs;
    clearTimeout(s.timer);
    s.timer = setTimeout(() => this.#sleep(endpoint), this.awakeMs);
    s.timer.unref();
    if (!wasAwake) this.events.awake(endpoint);
    const waiting = s.waiting.splice(0);
    for (const go of waiting) go();
  }

  isAwake(endpoint: string): boolean {
    return (this.#states.get(endpoint)?.awakeUntil ?? 0) > this.now();
  }

  /** Resolves at once when awake, else at the next wake; rejects when `signal` aborts. */
  whenAwake(endpoint: string, signal?: AbortSignal): Promise<void> {
    if (this.isAwake(endpoint)) return Promise.resolve();
    const s = this.#states.get(endpoint) ?? { awakeUntil: 0, timer: undefined, waiting: [] };
    this.#states.set(endpoint, s);
    return new Promise((resolve, reject) => {
      const go = (): void => resolve();
      s.waiting.push(go);
      signal?.addEventListener('abort', () => {
        s.waiting.splice(s.waiting.indexOf(go), 1);
        reject(signal.reason as Error);
      }, { once: true });
    });
  }

  /** Requests waiting for an endpoint (for tests and monitoring). */
  waiting(endpoint: string): number {
    return this.#states.get(endpoint)?.waiting.length ?? 0;
  }

  /** The client is gone (de-registered, expired): waiting requests go on, to find it gone. */
  forget(endpoint: string): void {
    const s = this.#states.get(endpoint);
    if (s === undefined) return;
    clearTimeout(s.timer);
    this.#states.delete(endpoint);
    for (const go of s.waiting) go();
  }

  #sleep(endpoint: string): void {
    const s = this.#states.get(endpoint);
    if (s === undefined) return;
    const left = s.awakeUntil - this.now();
    if (left <= 0) return this.events.sleeping(endpoint);
    // Timers may fire a little before the wall clock reaches the deadline: wait out the rest.
    s.timer = setTimeout(() => this.#sleep(endpoint), left);
    s.timer.unref();
  }
}
