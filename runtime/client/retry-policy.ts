/**
 * How a client waits between attempts that failed (Register, Update, Bootstrap-Request):
 * exponential back-off with a ceiling, the same rule everywhere so that one policy means
 * the same thing to every server account.
 */
export interface RetryPolicy {
  /** Delay before the first retry, ms (default 2000). */
  readonly initialDelayMs?: number;
  /** Largest delay between retries, ms (default 300000). */
  readonly maxDelayMs?: number;
  /** Growth of the delay per failed attempt (default 2). */
  readonly factor?: number;
  /** Attempts in all before the client gives up on a server (default: never gives up). */
  readonly maxAttempts?: number;
}

/** The wait after failed attempt number `attempt` (1-based). */
export function retryDelayMs(p: RetryPolicy, attempt: number): number {
  return Math.min(p.maxDelayMs ?? 300_000, (p.initialDelayMs ?? 2000) * (p.factor ?? 2) ** (attempt - 1));
}

/** Whether attempt number `attempt` was the last the policy allows. */
export function isLastAttempt(p: RetryPolicy, attempt: number): boolean {
  return attempt >= (p.maxAttempts ?? Infinity);
}
