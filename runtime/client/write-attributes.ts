/**
 * Write-Attributes: parsing the query parameters, checking them against the level and
 * type of the target, and keeping them per server and path. Reporting (Observe) reads
 * them in a later step; Discover shows them now.
 */
import type { ResourceDescriptor } from '../../registry/descriptor.js';
import { isNumericType } from '../../registry/descriptor.js';
import { brokenAttributeRule } from '../model/attribute-rules.js';
import type { Lwm2mVersion } from './register-payload.js';

export type AttributeName = 'pmin' | 'pmax' | 'gt' | 'lt' | 'st' | 'epmin' | 'epmax' | 'edge' | 'con' | 'hqmax';
export type AttributeSet = Readonly<Partial<Record<AttributeName, number>>>;

const NUMERIC: readonly AttributeName[] = ['gt', 'lt', 'st'];
const V12: readonly AttributeName[] = ['edge', 'con', 'hqmax'];
const ORDER: readonly AttributeName[] = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax', 'edge', 'con', 'hqmax'];
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const UINT = /^(?:0|[1-9][0-9]*)$/;

/** A query parameter, checked: a number to set, or undefined to remove ("pmin" alone). */
export type AttributeChange = ReadonlyMap<AttributeName, number | undefined>;

export class AttributeError extends Error {}

/** Parses Write-Attributes query parameters for a target; throws AttributeError (answer 4.00). */
export function parseAttributeQuery(query: readonly string[], target: { level: 'object' | 'instance' | 'resource' | 'resourceInstance'; resource?: ResourceDescriptor }, version: Lwm2mVersion): AttributeChange {
  const out = new Map<AttributeName, number | undefined>();
  for (const q of query) {
    const eq = q.indexOf('=');
    const name = (eq < 0 ? q : q.slice(0, eq)) as AttributeName;
    if (!ORDER.includes(name)) throw new AttributeError(`"${name}" is not a notification attribute`);
    if (V12.includes(name) && version !== '1.2') throw new AttributeError(`${name} is an LwM2M 1.2 attribute`);
    if ((name === 'epmin' || name === 'epmax') && version === '1.0') throw new AttributeError(`${name} is an LwM2M 1.1 attribute`);
    const onResource = target.level === 'resource' || target.level === 'resourceInstance';
    if (NUMERIC.includes(name)) {
      if (!onResource) throw new AttributeError(`${name} applies to resources only`);
      if (target.resource === undefined || !isNumericType(target.resource.type)) throw new AttributeError(`${name} applies to numeric resources only`);
      if (target.level === 'resource' && target.resource.multiple && version === '1.0') throw new AttributeError(`${name} does not apply to a multiple resource in LwM2M 1.0`);
    }
    if (name === 'edge' && (!onResource || target.resource?.type !== 'boolean')) throw new AttributeError('edge applies to boolean resources only');
    if (out.has(name)) throw new AttributeError(`${name} is given twice`);
    if (eq < 0) {
      out.set(name, undefined);
      continue;
    }
    const text = q.slice(eq + 1);
    const numeric = NUMERIC.includes(name);
    if (!(numeric ? NUMBER : UINT).test(text)) throw new AttributeError(`${name}=${text} is not ${numeric ? 'a number' : 'a non-negative integer'}`);
    const n = Number(text);
    if ((name === 'edge' || name === 'con') && n > 1) throw new AttributeError(`${name} is 0 or 1`);
    if (name === 'st' && n <= 0) throw new AttributeError('st must be greater than 0');
    out.set(name, n);
  }
  if (out.size === 0) throw new AttributeError('no attributes given');
  return out;
}

/** The set after a change, or AttributeError when it breaks pmin <= pmax, epmin < epmax, lt < gt, lt + 2*st < gt. */
export function mergeAttributes(current: AttributeSet, change: AttributeChange): AttributeSet {
  const next: Partial<Record<AttributeName, number>> = { ...current };
  for (const [k, v] of change) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  const broken = brokenAttributeRule(next);
  if (broken !== undefined) throw new AttributeError(broken);
  return next;
}

/** Attributes per server (SSID) and path ("/3/0/9"). */
export class AttributeStore {
  readonly #byServer = new Map<number, Map<string, AttributeSet>>();
  #generation = 0;

  /** Grows with every change: readers cache what they derived until it moves. */
  get generation(): number {
    return this.#generation;
  }

  get(ssid: number, path: string): AttributeSet {
    return this.#byServer.get(ssid)?.get(path) ?? {};
  }

  set(ssid: number, path: string, attrs: AttributeSet): void {
    this.#generation++;
    let m = this.#byServer.get(ssid);
    if (m === undefined) this.#byServer.set(ssid, (m = new Map()));
    if (Object.keys(attrs).length === 0) m.delete(path);
    else m.set(path, attrs);
  }

  /** Forgets the attributes of a path and everything under it (after a Delete). */
  forget(pathPrefix: string): void {
    this.#generation++;
    for (const m of this.#byServer.values()) {
      for (const p of [...m.keys()]) if (p === pathPrefix || p.startsWith(`${pathPrefix}/`)) m.delete(p);
    }
  }
}

/** Link attributes in the fixed order Discover writes them. */
export function attributeLinkParams(attrs: AttributeSet): string {
  let s = '';
  for (const k of ORDER) if (attrs[k] !== undefined) s += `;${k}=${attrs[k]}`;
  return s;
}
