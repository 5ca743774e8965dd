/** LwM2M paths: /o, /o/i, /o/i/r, /o/i/r/ri. Plain readonly objects; ids are 0..65535 (65535 excluded for instances). */
import { ModelError } from './model-error.js';

export interface LwM2MPath {
  readonly objectId: number;
  readonly instanceId?: number;
  readonly resourceId?: number;
  readonly resourceInstanceId?: number;
}

export type PathLevel = 'object' | 'instance' | 'resource' | 'resourceInstance';

const MAX_ID = 65535;

/** The ids of a path, outermost first (length 1..4). */
export function pathIds(p: LwM2MPath): number[] {
  const ids = [p.objectId];
  if (p.instanceId === undefined) return ids;
  ids.push(p.instanceId);
  if (p.resourceId === undefined) return ids;
  ids.push(p.resourceId);
  if (p.resourceInstanceId !== undefined) ids.push(p.resourceInstanceId);
  return ids;
}

export function pathLevel(p: LwM2MPath): PathLevel {
  if (p.instanceId === undefined) return 'object';
  if (p.resourceId === undefined) return 'instance';
  return p.resourceInstanceId === undefined ? 'resource' : 'resourceInstance';
}

function checkId(id: number, what: string, max: number, text: () => string): void {
  if (!Number.isInteger(id) || id < 0 || id > max) {
    throw new ModelError('E_PATH_INVALID', `${what} id ${id} in path ${text()} is not an integer in 0..${max}`, text());
  }
}

/** Builds a path from 1..4 ids, validating each. */
export function pathFromIds(ids: readonly number[]): LwM2MPath {
  const text = (): string => '/' + ids.join('/');
  if (ids.length < 1 || ids.length > 4) throw new ModelError('E_PATH_INVALID', `a path has 1 to 4 ids, not ${ids.length}`, text());
  const [o, i, r, ri] = ids as [number, number?, number?, number?];
  checkId(o, 'object', MAX_ID - 1, text);
  if (i === undefined) return { objectId: o };
  // 65535 is the "no instance" marker (object links, Access Control), never a real instance.
  checkId(i, 'instance', MAX_ID - 1, text);
  if (r === undefined) return { objectId: o, instanceId: i };
  checkId(r, 'resource', MAX_ID - 1, text);
  if (ri === undefined) return { objectId: o, instanceId: i, resourceId: r };
  checkId(ri, 'resource instance', MAX_ID - 1, text);
  return { objectId: o, instanceId: i, resourceId: r, resourceInstanceId: ri };
}

/** Checks an already built path object (e.g. from user code). */
export function validatePath(p: LwM2MPath): LwM2MPath {
  if (p.instanceId === undefined && (p.resourceId !== undefined || p.resourceInstanceId !== undefined)) {
    throw new ModelError('E_PATH_INVALID', 'a path with a resource id needs an instance id');
  }
  if (p.resourceId === undefined && p.resourceInstanceId !== undefined) {
    throw new ModelError('E_PATH_INVALID', 'a path with a resource instance id needs a resource id');
  }
  return pathFromIds(pathIds(p));
}

/**
 * Parses "/3/0/1", "3/0/1" (the leading slash is optional; CoAP Uri-Path options come
 * without it). No trailing slash, no empty segments, decimal ids without leading zeros.
 */
export function parsePath(text: string): LwM2MPath {
  const body = text.startsWith('/') ? text.slice(1) : text;
  const parts = body.split('/');
  if (body.length === 0 || parts.length > 4) throw new ModelError('E_PATH_INVALID', `"${text}" is not an LwM2M path`, text);
  const ids: number[] = [];
  for (const part of parts) {
    // Leading zeros rejected so that one path has one spelling.
    if (!/^(0|[1-9][0-9]{0,4})$/.test(part)) throw new ModelError('E_PATH_INVALID', `"${text}" is not an LwM2M path (segment "${part}")`, text);
    ids.push(Number(part));
  }
  return pathFromIds(ids);
}

export function formatPath(p: LwM2MPath): string {
  let s = '/' + p.objectId;
  if (p.instanceId === undefined) return s;
  s += '/' + p.instanceId;
  if (p.resourceId === undefined) return s;
  s += '/' + p.resourceId;
  return p.resourceInstanceId === undefined ? s : s + '/' + p.resourceInstanceId;
}

/** Total order: by ids, numerically, a parent before its children. */
export function comparePaths(a: LwM2MPath, b: LwM2MPath): number {
  const x = pathIds(a);
  const y = pathIds(b);
  const n = Math.min(x.length, y.length);
  for (let k = 0; k < n; k++) {
    const d = x[k]! - y[k]!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export function pathsEqual(a: LwM2MPath, b: LwM2MPath): boolean {
  return a.objectId === b.objectId && a.instanceId === b.instanceId && a.resourceId === b.resourceId && a.resourceInstanceId === b.resourceInstanceId;
}

/** Whether `prefix` is `p` or one of its ancestors. */
export function isPathPrefix(prefix: LwM2MPath, p: LwM2MPath): boolean {
  const x = pathIds(prefix);
  const y = pathIds(p);
  if (x.length > y.length) return false;
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}
