/**
 * Which notification attributes apply to an observation, and whether a change is worth a
 * notification. Inheritance (spec-notes.md): resource instance -> resource -> instance ->
 * object -> the server's defaults (/1/x/2 pmin, /1/x/3 pmax). gt, lt and st exist at the
 * resource and resource-instance levels only.
 */
import { formatPath, type LwM2MPath } from '../model/path.js';
import type { AttributeSet, AttributeStore } from './write-attributes.js';

export interface EffectiveAttributes {
  /** Seconds; 0 when nothing sets it. */
  readonly pmin: number;
  readonly pmax?: number;
  readonly gt?: number;
  readonly lt?: number;
  readonly st?: number;
  /** Seconds: evaluations of the reporting criteria at least this far apart (LwM2M 1.1+). */
  readonly epmin?: number;
  /** Seconds: evaluate the value at least this often (a getter is read, a change found). */
  readonly epmax?: number;
  /** LwM2M 1.2: 1 notifies on false -> true only, 0 on true -> false only (boolean resources). */
  readonly edge?: number;
  /** LwM2M 1.2: 1 sends notifications confirmable. */
  readonly con?: number;
  /** LwM2M 1.2: notifications of this observation kept at most while the server is offline or disabled (0: none). */
  readonly hqmax?: number;
}

export function effectiveAttributes(store: AttributeStore, ssid: number, path: LwM2MPath, defaults: { readonly pmin?: number; readonly pmax?: number }): EffectiveAttributes {
  const levels: string[] = [];
  for (let p: LwM2MPath | undefined = path; p !== undefined; p = parent(p)) levels.push(formatPath(p));
  const sets = levels.map((l) => store.get(ssid, l));
  const first = (name: keyof AttributeSet, from: readonly AttributeSet[]): number | undefined => from.find((s) => s[name] !== undefined)?.[name];
  // gt/lt/st: only from the resource and resource-instance levels (the first one or two entries).
  const resourceLevels = sets.slice(0, path.resourceInstanceId !== undefined ? 2 : path.resourceId !== undefined ? 1 : 0);
  const pmin = first('pmin', sets) ?? defaults.pmin ?? 0;
  // Each attribute is inherited on its own, so the levels may disagree: a pmax below pmin is
  // ignored (the spec says so), and an epmin not below epmax is, so that epmax's "MUST evaluate" holds.
  let pmax = first('pmax', sets) ?? defaults.pmax;
  if (pmax !== undefined && pmax < pmin) pmax = undefined;
  const gt = first('gt', resourceLevels);
  const lt = first('lt', resourceLevels);
  const st = first('st', resourceLevels);
  const edge = first('edge', resourceLevels);
  const epmax = first('epmax', sets);
  let epmin = first('epmin', sets);
  if (epmin !== undefined && epmax !== undefined && epmin >= epmax) epmin = undefined;
  const con = first('con', sets);
  const hqmax = first('hqmax', sets);
  return {
    pmin,
    ...(pmax !== undefined ? { pmax } : {}),
    ...(gt !== undefined ? { gt } : {}),
    ...(lt !== undefined ? { lt } : {}),
    ...(st !== undefined ? { st } : {}),
    ...(edge !== undefined ? { edge } : {}),
    ...(epmin !== undefined ? { epmin } : {}),
    ...(epmax !== undefined ? { epmax } : {}),
    ...(con !== undefined ? { con } : {}),
    ...(hqmax !== undefined ? { hqmax } : {}),
  };
}

function parent(p: LwM2MPath): LwM2MPath | undefined {
  if (p.resourceInstanceId !== undefined) return { objectId: p.objectId, instanceId: p.instanceId!, resourceId: p.resourceId! };
  if (p.resourceId !== undefined) return { objectId: p.objectId, instanceId: p.instanceId! };
  if (p.instanceId !== undefined) return { objectId: p.objectId };
  return undefined;
}

/**
 * Whether a new value is worth a notification, pmin aside. Without gt, lt and st every change
 * is. With them, the value must cross gt or lt (in either direction, OMA's own reading) or
 * move at least st from the last value sent.
 */
export function changeMatters(a: EffectiveAttributes, lastSent: number | boolean | undefined, value: number | boolean | undefined): boolean {
  // edge: only the chosen transition of a boolean.
  if (a.edge !== undefined && typeof value === 'boolean') return lastSent === !value && value === (a.edge === 1);
  if (typeof value === 'boolean' || typeof lastSent === 'boolean') return true;
  if (a.gt === undefined && a.lt === undefined && a.st === undefined) return true;
  if (value === undefined || lastSent === undefined) return true;
  const crossed = (limit: number | undefined): boolean => limit !== undefined && (lastSent > limit) !== (value > limit);
  if (crossed(a.gt) || crossed(a.lt)) return true;
  return a.st !== undefined && Math.abs(value - lastSent) >= a.st;
}
