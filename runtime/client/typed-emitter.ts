/** A minimal typed event emitter: listener errors are caught so they cannot break the client. */
export class TypedEmitter<E> {
  readonly #listeners = new Map<keyof E, Set<(event: never) => void>>();

  on<K extends keyof E>(event: K, listener: (payload: E[K]) => void): this {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (event: never) => void);
    return this;
  }

  once<K extends keyof E>(event: K, listener: (payload: E[K]) => void): this {
    const wrapper = (payload: E[K]): void => {
      this.off(event, wrapper);
      listener(payload);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, listener: (payload: E[K]) => void): this {
    this.#listeners.get(event)?.delete(listener as (event: never) => void);
    return this;
  }

  /** Resolves with the next payload of `event`. */
  next<K extends keyof E>(event: K): Promise<E[K]> {
    return new Promise((resolve) => this.once(event, resolve));
  }

  protected emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const l of [...set]) {
      try {
        (l as (p: E[K]) => void)(payload);
      } catch {
        // An application listener's bug must not stop registration or device management.
      }
    }
  }
}
