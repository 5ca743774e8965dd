/**
 * An observation read as an async iterator: `for await (const v of handle.observeValues())`.
 * Values wait in a bounded buffer while the application is busy; past it the oldest go, since
 * an observer wants the latest state, not every step (`dropped` counts them). Leaving the loop
 * (break, return, an AbortSignal) cancels the observation on the client.
 */
import type { Observation, ObservationStream, ObserveValuesOptions } from '../genv1/remote.js';

export function observationStream<T>(start: (push: (value: T) => void) => Promise<Observation>, options: ObserveValuesOptions = {}): ObservationStream<T> {
  const limit = Math.max(1, options.bufferSize ?? 64);
  const buffer: T[] = [];
  let waiter: { ok: (r: IteratorResult<T>) => void; fail: (e: unknown) => void } | undefined;
  let failure: unknown;
  let done = false;
  let dropped = 0;
  const push = (value: T): void => {
    if (done) return;
    if (waiter !== undefined) {
      const w = waiter;
      waiter = undefined;
      w.ok({ value, done: false });
      return;
    }
    if (buffer.length >= limit) {
      buffer.shift();
      dropped++;
    }
    buffer.push(value);
  };
  const started = start(push);
  started.catch((e: unknown) => {
    failure = e;
    done = true;
    if (waiter !== undefined) waiter.fail(e);
    waiter = undefined;
  });
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      buffer.length = 0;
      waiter?.ok({ value: undefined, done: true });
      waiter = undefined;
      signal?.removeEventListener('abort', onAbort);
      const obs = await started.catch(() => undefined);
      await obs?.cancel();
    }
    return { value: undefined, done: true };
  };
  const signal = options.signal;
  const onAbort = (): void => void finish().catch(() => undefined);
  if (signal?.aborted === true) void finish().catch(() => undefined);
  else signal?.addEventListener('abort', onAbort, { once: true });
  const stream: ObservationStream<T> = {
    get dropped() {
      return dropped;
    },
    next(): Promise<IteratorResult<T>> {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (failure !== undefined) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((ok, fail) => { waiter = { ok, fail }; });
    },
    return: finish,
    cancel: async () => { await finish(); },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
