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

function badId(ids: readonly number[], k: number): never {
  const what = ['object', 'instance', 'resource', 'resource instance'][k];
  const text = '/' + ids.join('/');
  throw new ModelError('E_PATH_INVALID', `${what} id ${ids[k]} in path ${text} is not an integer in 0..${MAX_ID - 1}`, text);
}

/** Builds a path from 1..4 ids, validating each. */
export function pathFromIds(ids: readonly number[]): LwM2MPath {
  if (ids.length < 1 || ids.length > 4) throw new ModelError('E_PATH_INVALID', `a path has 1 to 4 ids, not ${ids.length}`, '/' + ids.join('/'));
  // 65535 is the "no instance" marker (object links, Access Control), never a real id in a path.
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID - 1) badId(ids, k);
  }
  const [o, i, r, ri] = ids as [number, number?, number?, number?];
  if (i === undefined) return { objectId: o };
  if (r === undefined) return { objectId: o, instanceId: i };
  if (ri === undefined) return { objectId: o, instanceId: i, resourceId: r };
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
  const ids: number[] = [];
  if (!scanIds(text, text.charCodeAt(0) === 0x2f ? 1 : 0, ids)) return invalidPath(text);
  return pathFromIds(ids);
}

/**
 * Appends the ids of "a/b/c" (from `pos` on) to `ids`: decimal, no leading zeros, no
 * empty segments, at most 4 ids in all. False on a syntax error. A character scanner:
 * SenML names are parsed once per record, so this is a hot path.
 */
export function scanIds(text: string, pos: number, ids: number[]): boolean {
  const n = text.length;
  if (pos >= n) return false;
  for (;;) {
    const start = pos;
    let v = 0;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      pos++;
    }
    const len = pos - start;
    if (len === 0 || len > 5 || (len > 1 && text.charCodeAt(start) === 0x30) || ids.length === 4) return false;
    ids.push(v);
    if (pos === n) return true;
    if (text.charCodeAt(pos) !== 0x2f) return false;
    pos++;
  }
}

function invalidPath(text: string): never {
  throw new ModelError('E_PATH_INVALID', `"${text.slice(0, 40)}" is not an LwM2M path`, text.slice(0, 40));
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
