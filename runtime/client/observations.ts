/**
 * The client's side of Observe: what each server observes, and when to notify it. A value
 * set on an instance (ObjectInstance.onChange) is checked against the observation's
 * effective attributes: gt/lt/st decide whether it matters, pmin how soon it may go out
 * (a change inside pmin goes out when pmin has passed, with the value of that moment), and
 * pmax sends one anyway. Times come from an injectable clock so tests need no sleeping.
 */
import type { Clock, TimerHandle } from '../coap/clock.js';
import type { Logger } from '../coap/logger.js';
import type { ServerObservation } from '../coap/observe.js';
import type { OutgoingResponse } from '../coap/request.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import { formatPath, type LwM2MPath } from '../model/path.js';
import type { Requester } from './dm-context.js';
import { changeMatters, effectiveAttributes, type EffectiveAttributes } from './notification-attributes.js';
import type { ObjectTree } from './object-tree.js';
import type { AttributeStore } from './write-attributes.js';

export interface ObservationContext {
  readonly tree: ObjectTree;
  readonly attributes: AttributeStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** The server's default pmin (/1/x/2) and pmax (/1/x/3): the same object until they change. */
  serverDefaults(ssid: number): Promise<{ readonly pmin?: number; readonly pmax?: number }>;
  /** A Read of the path for this server, as its Accept asks: what a notification carries. */
  render(who: Requester, path: LwM2MPath, accept: number | undefined): Promise<OutgoingResponse>;
}

interface Entry {
  readonly who: Requester;
  /** One path, or several for Observe-Composite. */
  readonly paths: readonly LwM2MPath[];
  /** The single path whose value gt/lt/st/edge compare; none for a composite. */
  readonly single: LwM2MPath | undefined;
  readonly render: () => Promise<OutgoingResponse>;
  readonly obs: ServerObservation;
  lastSentAt: number;
  /** The value at the path when last sent (numbers and booleans: what gt/lt/st/edge compare). */
  lastNumber: number | boolean | undefined;
  /** The value when last evaluated (epmax): a change found there counts as a change. */
  lastSeen: unknown;
  deferred: TimerHandle | undefined;
  pmaxTimer: TimerHandle | undefined;
  epmaxTimer: TimerHandle | undefined;
  unsubscribe: (() => void)[];
  /** The effective attributes, kept while the attribute store and the server's defaults stay as they were. */
  cached: { readonly generation: number; readonly defaults: object; readonly attrs: EffectiveAttributes } | undefined;
}

export class Observations {
  readonly #entries = new Set<Entry>();

  constructor(private readonly ctx: ObservationContext) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Starts reporting after the first response (the Read that accepted the observation) went out. */
  add(who: Requester, path: LwM2MPath, accept: number | undefined, obs: ServerObservation): Promise<void> {
    return this.#add(who, [path], path, () => this.ctx.render(who, path, accept), obs);
  }

  /**
   * Observe-Composite: one observation of several paths, each notification a composite Read
   * of them all. A change under any path counts; pmin/pmax come from the first path's
   * attributes; gt/lt/st/edge do not apply.
   */
  addComposite(who: Requester, paths: readonly LwM2MPath[], render: () => Promise<OutgoingResponse>, obs: ServerObservation): Promise<void> {
    return this.#add(who, paths, undefined, render, obs);
  }

  async #add(who: Requester, paths: readonly LwM2MPath[], single: LwM2MPath | undefined, render: () => Promise<OutgoingResponse>, obs: ServerObservation): Promise<void> {
    const first = single === undefined ? undefined : await this.#number(single);
    const e: Entry = { who, paths, single, render, obs, lastSentAt: this.ctx.clock.now(), lastNumber: first, lastSeen: first, deferred: undefined, pmaxTimer: undefined, epmaxTimer: undefined, unsubscribe: [], cached: undefined };
    this.#entries.add(e);
    for (const path of paths) {
      const instances = path.instanceId === undefined ? this.ctx.tree.instances(path.objectId) : [this.ctx.tree.instance(path.objectId, path.instanceId)].filter((i): i is ObjectInstance => i !== undefined);
      for (const inst of instances) {
        e.unsubscribe.push(inst.onChange((_, resourceId) => {
          if (path.resourceId === undefined || path.resourceId === resourceId) void this.#changed(e);
        }));
      }
    }
    obs.onEnd(() => this.#drop(e));
    await this.#armPmax(e);
    await this.#armEpmax(e);
  }

  /** epmax: values from getters change without telling anyone; they are read this often. */
  async #armEpmax(e: Entry): Promise<void> {
    if (e.epmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.epmaxTimer);
    e.epmaxTimer = undefined;
    const { epmax } = await this.#attributes(e);
    if (epmax === undefined || epmax <= 0 || !this.#entries.has(e)) return;
    e.epmaxTimer = this.ctx.clock.setTimeout((x: Entry) => {
      x.epmaxTimer = undefined;
      void (async () => {
        const v = x.single === undefined ? undefined : await this.#number(x.single);
        if (v !== x.lastSeen) await this.#changed(x);
        await this.#armEpmax(x);
      })();
    }, epmax * 1000, e);
  }

  close(): void {
    for (const e of [...this.#entries]) this.#drop(e);
  }

  async #changed(e: Entry): Promise<void> {
    try {
      const a = await this.#attributes(e);
      const value = e.single === undefined ? undefined : await this.#number(e.single);
      e.lastSeen = value;
      if (!changeMatters(a, e.lastNumber, value)) {
        // An edge that is not the chosen one still moves what the next edge is compared with.
        if (a.edge !== undefined) e.lastNumber = value;
        return;
      }
      const due = e.lastSentAt + a.pmin * 1000;
      const now = this.ctx.clock.now();
      if (now >= due) return await this.#send(e);
      // Inside pmin: one notification when it has passed, carrying the value of that moment.
      e.deferred ??= this.ctx.clock.setTimeout((x: Entry) => {
        x.deferred = undefined;
        void this.#send(x);
      }, due - now, e);
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message, path: formatPath(e.paths[0]!) }, 'notification check failed');
    }
  }

  async #send(e: Entry): Promise<void> {
    if (!this.#entries.has(e) || !e.obs.active) return;
    if (e.deferred !== undefined) {
      this.ctx.clock.clearTimeout(e.deferred);
      e.deferred = undefined;
    }
    e.lastSentAt = this.ctx.clock.now();
    e.lastNumber = e.single === undefined ? undefined : await this.#number(e.single);
    e.lastSeen = e.lastNumber;
    await this.#armPmax(e);
    const { con } = await this.#attributes(e);
    try {
      await e.obs.notify(await e.render(), { confirmable: con === 1 });
    } catch (err) {
      // The observer went away (RST, timeout): the observation ends through onEnd.
      this.ctx.log.debug({ err: (err as Error).message, path: formatPath(e.paths[0]!) }, 'notification not delivered');
    }
  }

  async #armPmax(e: Entry): Promise<void> {
    if (e.pmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.pmaxTimer);
    e.pmaxTimer = undefined;
    const { pmax } = await this.#attributes(e);
    if (pmax === undefined || pmax <= 0 || !this.#entries.has(e)) return;
    e.pmaxTimer = this.ctx.clock.setTimeout((x: Entry) => {
      x.pmaxTimer = undefined;
      void this.#send(x);
    }, pmax * 1000, e);
  }

  async #attributes(e: Entry): Promise<EffectiveAttributes> {
    const defaults = await this.ctx.serverDefaults(e.who.shortServerId);
    const generation = this.ctx.attributes.generation;
    if (e.cached?.generation === generation && e.cached.defaults === defaults) return e.cached.attrs;
    const attrs = effectiveAttributes(this.ctx.attributes, e.who.shortServerId, e.single ?? e.paths[0]!, defaults);
    e.cached = { generation, defaults, attrs };
    return attrs;
  }

  /** The number or boolean at a single resource (instance) path, for gt/lt/st/edge and epmax; undefined elsewhere. */
  async #number(path: LwM2MPath): Promise<number | boolean | undefined> {
    if (path.resourceId === undefined || path.instanceId === undefined) return undefined;
    const inst = this.ctx.tree.instance(path.objectId, path.instanceId);
    const v = await inst?.read(path.resourceId).catch(() => undefined);
    const one = v instanceof Map && path.resourceInstanceId !== undefined ? v.get(path.resourceInstanceId) : v;
    return typeof one === 'number' || typeof one === 'boolean' ? one : typeof one === 'bigint' ? Number(one) : undefined;
  }

  #drop(e: Entry): void {
    if (!this.#entries.delete(e)) return;
    if (e.deferred !== undefined) this.ctx.clock.clearTimeout(e.deferred);
    if (e.pmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.pmaxTimer);
    if (e.epmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.epmaxTimer);
    for (const u of e.unsubscribe.splice(0)) u();
    if (e.obs.active) e.obs.cancel();
  }
}
