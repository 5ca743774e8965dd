/**
 * The client's side of Observe: what each server observes, and when to notify it. A value
 * set on an instance (ObjectInstance.onChange) is evaluated against the observation's
 * effective attributes: epmin how soon after the last evaluation it may be, gt/lt/st/edge
 * whether it matters, pmin how soon it may go out (a change inside pmin goes out when pmin has
 * passed, with the value of that moment), and pmax sends one anyway; epmax evaluates values
 * that change without telling (getters). While a server is offline or disabled, notifications
 * are stored (/1/x/6, hqmax) and sent in order once it is back. Times come from an injectable
 * clock so tests need no sleeping.
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
import type { StoredReports } from './stored-reports.js';
import { AttributeStore, type AttributeSet } from './write-attributes.js';

/** What the Server instance (/1) of a server says about reporting: the same object until it changes. */
export interface ServerPolicy {
  /** Default pmin (/1/x/2) and pmax (/1/x/3). */
  readonly pmin?: number;
  readonly pmax?: number;
  /** Notification Storing When Disabled or Offline (/1/x/6); true when absent, as its definition says. */
  readonly storing: boolean;
}

/** Whether a server can be notified now: `offline` after a report to it went unacknowledged or its registration failed. */
export type ServerLink = 'online' | 'offline' | 'disabled';

export interface ObservationContext {
  readonly tree: ObjectTree;
  readonly attributes: AttributeStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly stored: StoredReports;
  serverPolicy(ssid: number): Promise<ServerPolicy>;
  /** The policy when it is at hand without reading /1 (cached), else undefined: spares a promise per change. */
  policyNow?(ssid: number): ServerPolicy | undefined;
  /** A Read of the path for this server, as its Accept asks: what a notification carries. */
  render(who: Requester, path: LwM2MPath, accept: number | undefined): Promise<OutgoingResponse>;
  link(ssid: number): ServerLink;
  /** A CON notification to this server was never acknowledged. */
  unreachable(ssid: number): void;
}

interface Entry {
  readonly who: Requester;
  /** One path, or several for Observe-Composite. */
  readonly paths: readonly LwM2MPath[];
  /** The single path whose value gt/lt/st/edge compare; none for a composite. */
  readonly single: LwM2MPath | undefined;
  readonly render: () => Promise<OutgoingResponse>;
  readonly obs: ServerObservation;
  /** LwM2M 1.2 Observation Attributes given with the Observe: they replace the attached ones (at ssid 0 of their own store). */
  readonly own: AttributeStore | undefined;
  lastSentAt: number;
  /** The last evaluation of the reporting criteria (epmin counts from it). */
  lastEvalAt: number;
  /** The value at the path when last sent (numbers and booleans: what gt/lt/st/edge compare). */
  lastNumber: number | boolean | undefined;
  /** The value when last evaluated (epmax): a change found there counts as a change. */
  lastSeen: unknown;
  deferred: TimerHandle | undefined;
  pmaxTimer: TimerHandle | undefined;
  epmaxTimer: TimerHandle | undefined;
  /** The pmax and epmax (s) the timers run for; a notification or an evaluation does not re-arm them. */
  pmaxFor: number;
  epmaxFor: number;
  /** An evaluation held back by epmin. */
  evalTimer: TimerHandle | undefined;
  /** A change arrived while one was being evaluated: evaluate once more after it. */
  again: boolean;
  busy: boolean;
  unsubscribe: (() => void)[];
  /** The effective attributes, kept while the attribute store and the server's policy stay as they were. */
  cached: { readonly generation: number; readonly policy: ServerPolicy; readonly attrs: EffectiveAttributes } | undefined;
}

export class Observations {
  readonly #entries = new Set<Entry>();

  constructor(private readonly ctx: ObservationContext) {}

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Starts reporting after the first response (the Read that accepted the observation) went out.
   * `own`: Observation Attributes of the request (1.2), used instead of those attached to the path.
   */
  add(who: Requester, path: LwM2MPath, accept: number | undefined, obs: ServerObservation, own?: AttributeSet): Promise<void> {
    let store: AttributeStore | undefined;
    if (own !== undefined) {
      store = new AttributeStore();
      store.set(0, formatPath(path), own);
    }
    return this.#add(who, [path], path, () => this.ctx.render(who, path, accept), obs, store);
  }

  /**
   * Observe-Composite: one observation of several paths, each notification a composite Read
   * of them all. A change under any path counts; pmin/pmax come from the first path's
   * attributes; gt/lt/st/edge do not apply.
   */
  addComposite(who: Requester, paths: readonly LwM2MPath[], render: () => Promise<OutgoingResponse>, obs: ServerObservation): Promise<void> {
    return this.#add(who, paths, undefined, render, obs, undefined);
  }

  async #add(who: Requester, paths: readonly LwM2MPath[], single: LwM2MPath | undefined, render: () => Promise<OutgoingResponse>, obs: ServerObservation, own: AttributeStore | undefined): Promise<void> {
    // An unacknowledged notification means the server may be offline: the observation stays.
    obs.keepOnTimeout = true;
    const first = single === undefined ? undefined : await this.#number(single);
    const now = this.ctx.clock.now();
    const e: Entry = {
      who, paths, single, render, obs, own, lastSentAt: now, lastEvalAt: now, lastNumber: first, lastSeen: first,
      deferred: undefined, pmaxTimer: undefined, epmaxTimer: undefined, pmaxFor: 0, epmaxFor: 0, evalTimer: undefined, again: false, busy: false, unsubscribe: [], cached: undefined,
    };
    this.#entries.add(e);
    for (const path of paths) {
      const instances = path.instanceId === undefined ? this.ctx.tree.instances(path.objectId) : [this.ctx.tree.instance(path.objectId, path.instanceId)].filter((i): i is ObjectInstance => i !== undefined);
      const rid = path.resourceId;
      for (const inst of instances) {
        e.unsubscribe.push(inst.onChange((_, resourceId) => {
          if (rid === undefined || rid === resourceId) this.#changed(e);
        }));
      }
    }
    obs.onEnd(() => this.#drop(e));
    const a = await this.#attributes(e);
    this.#armPmax(e, a);
    this.#armEpmax(e, a);
  }

  close(): void {
    for (const e of [...this.#entries]) this.#drop(e);
  }

  /**
   * A value under the observation changed. Evaluations of one observation never overlap: a
   * change during one makes one more afterwards (with the value of that moment), so a burst
   * of changes costs at most two evaluations.
   */
  #changed(e: Entry): void {
    if (e.busy) {
      e.again = true;
      return;
    }
    e.busy = true;
    void this.#evaluate(e, false);
  }

  /** Evaluates the reporting criteria now; `onlyIfChanged` for epmax (a value read, no change event). */
  async #evaluate(e: Entry, onlyIfChanged: boolean): Promise<void> {
    try {
      const pa = this.#attributes(e);
      const a = pa instanceof Promise ? await pa : pa;
      const now = this.ctx.clock.now();
      if (a.epmin !== undefined && a.epmin > 0 && !onlyIfChanged) {
        const due = e.lastEvalAt + a.epmin * 1000;
        // epmin: no evaluation sooner than this after the last one; then one, with the value of that moment.
        if (now < due) {
          e.evalTimer ??= this.ctx.clock.setTimeout((x: Entry) => {
            x.evalTimer = undefined;
            this.#changed(x);
          }, due - now, e);
          return;
        }
      }
      e.lastEvalAt = now;
      if (a.epmax !== undefined || e.epmaxTimer !== undefined) this.#armEpmax(e, a);
      const n = e.single === undefined ? undefined : this.#number(e.single);
      const value = n instanceof Promise ? await n : n;
      if (onlyIfChanged && value === e.lastSeen) return;
      e.lastSeen = value;
      if (!changeMatters(a, e.lastNumber, value)) {
        // An edge that is not the chosen one still moves what the next edge is compared with.
        if (a.edge !== undefined) e.lastNumber = value;
        return;
      }
      const due = e.lastSentAt + a.pmin * 1000;
      if (now >= due) return await this.#send(e, value, a);
      // Inside pmin: one notification when it has passed, carrying the value of that moment.
      e.deferred ??= this.ctx.clock.setTimeout((x: Entry) => {
        x.deferred = undefined;
        void this.#send(x, undefined, undefined);
      }, due - now, e);
    } catch (err) {
      this.ctx.log.warn({ err: (err as Error).message, path: formatPath(e.paths[0]!) }, 'notification check failed');
    } finally {
      e.busy = false;
      if (e.again && this.#entries.has(e)) {
        e.again = false;
        this.#changed(e);
      }
    }
  }

  /**
   * `value`: the number just read for the evaluation, or undefined to read it now (pmin, pmax);
   * `attrs`: the evaluation's attributes, or undefined to look them up.
   */
  async #send(e: Entry, value: number | boolean | undefined, attrs: EffectiveAttributes | undefined): Promise<void> {
    if (!this.#entries.has(e) || !e.obs.active) return;
    if (e.deferred !== undefined) {
      this.ctx.clock.clearTimeout(e.deferred);
      e.deferred = undefined;
    }
    e.lastSentAt = this.ctx.clock.now();
    e.lastNumber = value !== undefined || e.single === undefined ? value : await this.#number(e.single);
    e.lastSeen = e.lastNumber;
    const a = attrs ?? (await this.#attributes(e));
    if (a.pmax !== undefined || e.pmaxTimer !== undefined) this.#armPmax(e, a);
    const res = await e.render();
    const confirmable = a.con === 1;
    const ssid = e.who.shortServerId;
    if (this.ctx.link(ssid) !== 'online') return this.#store(e, res, confirmable, a);
    try {
      await e.obs.notify(res, { confirmable });
    } catch (err) {
      // A CON never acknowledged: the server may be offline; what it missed is stored. An RST
      // (or the client closing) ended the observation instead.
      if (e.obs.active && this.#entries.has(e)) {
        this.ctx.unreachable(ssid);
        await this.#store(e, res, confirmable, a);
      } else {
        this.ctx.log.debug({ err: (err as Error).message, path: formatPath(e.paths[0]!) }, 'notification not delivered');
      }
    }
  }

  async #store(e: Entry, res: OutgoingResponse, confirmable: boolean, a: EffectiveAttributes): Promise<void> {
    const ssid = e.who.shortServerId;
    const what = formatPath(e.paths[0]!);
    if (!(await this.ctx.serverPolicy(ssid)).storing) {
      this.ctx.log.debug({ ssid, path: what }, 'notification dropped: the server is offline or disabled and /1/x/6 is false');
      return;
    }
    this.ctx.stored.store(ssid, { owner: e, what, deliver: () => this.#deliverStored(e, res, confirmable) }, a.hqmax);
  }

  async #deliverStored(e: Entry, res: OutgoingResponse, confirmable: boolean): Promise<boolean> {
    if (!this.#entries.has(e) || !e.obs.active) return true;
    try {
      await e.obs.notify(res, { confirmable });
      return true;
    } catch {
      if (!e.obs.active) return true;
      this.ctx.unreachable(e.who.shortServerId);
      return false;
    }
  }

  /**
   * pmax: a notification this long after the last one. One timer per observation, armed once:
   * when it fires early (notifications went out meanwhile) it waits out the rest, so sending a
   * notification costs no timer work. Re-armed only when pmax itself changes.
   */
  #armPmax(e: Entry, a: EffectiveAttributes): void {
    const { pmax } = a;
    if (pmax === undefined || pmax <= 0 || !this.#entries.has(e)) {
      if (e.pmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.pmaxTimer);
      e.pmaxTimer = undefined;
      return;
    }
    if (e.pmaxTimer !== undefined && e.pmaxFor === pmax) return;
    if (e.pmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.pmaxTimer);
    e.pmaxFor = pmax;
    e.pmaxTimer = this.ctx.clock.setTimeout(this.#pmaxFired, Math.max(0, e.lastSentAt + pmax * 1000 - this.ctx.clock.now()), e);
  }

  readonly #pmaxFired = (x: Entry): void => {
    x.pmaxTimer = undefined;
    const wait = x.lastSentAt + x.pmaxFor * 1000 - this.ctx.clock.now();
    if (wait > 0) x.pmaxTimer = this.ctx.clock.setTimeout(this.#pmaxFired, wait, x);
    else void this.#send(x, undefined, undefined);
  };

  /**
   * epmax: values from getters change without telling anyone; they are evaluated this long after
   * the last evaluation. Armed once, like pmax: an early firing waits out the rest.
   */
  #armEpmax(e: Entry, a: EffectiveAttributes): void {
    const { epmax } = a;
    if (epmax === undefined || epmax <= 0 || !this.#entries.has(e)) {
      if (e.epmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.epmaxTimer);
      e.epmaxTimer = undefined;
      return;
    }
    if (e.epmaxTimer !== undefined && e.epmaxFor === epmax) return;
    if (e.epmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.epmaxTimer);
    e.epmaxFor = epmax;
    e.epmaxTimer = this.ctx.clock.setTimeout(this.#epmaxFired, Math.max(0, e.lastEvalAt + epmax * 1000 - this.ctx.clock.now()), e);
  }

  readonly #epmaxFired = (x: Entry): void => {
    x.epmaxTimer = undefined;
    const wait = x.lastEvalAt + x.epmaxFor * 1000 - this.ctx.clock.now();
    if (wait > 0) {
      x.epmaxTimer = this.ctx.clock.setTimeout(this.#epmaxFired, wait, x);
      return;
    }
    // Re-armed from this evaluation on (it sets lastEvalAt).
    x.epmaxTimer = this.ctx.clock.setTimeout(this.#epmaxFired, x.epmaxFor * 1000, x);
    if (x.busy) {
      x.again = true;
      return;
    }
    x.busy = true;
    void this.#evaluate(x, true);
  };

  #attributes(e: Entry): EffectiveAttributes | Promise<EffectiveAttributes> {
    const policy = this.ctx.policyNow?.(e.who.shortServerId);
    if (policy !== undefined) return this.#attributesWith(e, policy);
    return this.ctx.serverPolicy(e.who.shortServerId).then((p) => this.#attributesWith(e, p));
  }

  #attributesWith(e: Entry, policy: ServerPolicy): EffectiveAttributes {
    const generation = this.ctx.attributes.generation;
    const c = e.cached;
    if (c !== undefined && c.generation === generation && c.policy === policy) return c.attrs;
    const attrs = e.own !== undefined
      ? effectiveAttributes(e.own, 0, e.single ?? e.paths[0]!, policy)
      : effectiveAttributes(this.ctx.attributes, e.who.shortServerId, e.single ?? e.paths[0]!, policy);
    e.cached = { generation, policy, attrs };
    return attrs;
  }

  /**
   * The number or boolean at a single resource (instance) path, for gt/lt/st/edge and epmax;
   * undefined elsewhere. A stored value is taken at once; only a getter makes it a promise.
   */
  #number(path: LwM2MPath): number | boolean | undefined | Promise<number | boolean | undefined> {
    if (path.resourceId === undefined || path.instanceId === undefined) return undefined;
    const inst = this.ctx.tree.instance(path.objectId, path.instanceId);
    if (inst === undefined) return undefined;
    const stored = inst.peek(path.resourceId);
    if (stored !== undefined) return numberIn(stored, path);
    return inst.read(path.resourceId).then((v) => numberIn(v, path), () => undefined);
  }

  #drop(e: Entry): void {
    if (!this.#entries.delete(e)) return;
    if (e.deferred !== undefined) this.ctx.clock.clearTimeout(e.deferred);
    if (e.pmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.pmaxTimer);
    if (e.epmaxTimer !== undefined) this.ctx.clock.clearTimeout(e.epmaxTimer);
    if (e.evalTimer !== undefined) this.ctx.clock.clearTimeout(e.evalTimer);
    for (const u of e.unsubscribe.splice(0)) u();
    if (e.obs.active) e.obs.cancel();
  }
}

function numberIn(v: unknown, path: LwM2MPath): number | boolean | undefined {
  const one = v instanceof Map && path.resourceInstanceId !== undefined ? v.get(path.resourceInstanceId) : v;
  return typeof one === 'number' || typeof one === 'boolean' ? one : typeof one === 'bigint' ? Number(one) : undefined;
}
