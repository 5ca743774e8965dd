/**
 * The payload of Register and Update: the client's objects and instances as CoRE links,
 * with the root link (alternate path, preferred content formats) and object versions.
 * The object model of a registration is picked from it: a missing `ver` means the default
 * version of that object for the client's LwM2M version (spec-notes.md).
 */
import { parseCoreLinks } from '../codec/core-link.js';
import type { Lwm2mVersion } from './registration-params.js';
import { ServerError } from './server-error.js';

export interface RegisteredObject {
  readonly id: number;
  /** As announced, or the default for the client's LwM2M version. */
  readonly version: string;
  /** Instance ids the client listed, ascending. */
  readonly instances: readonly number[];
}

export interface RegisteredObjects {
  /** "/" unless the client announced an alternate path with rt="oma.lwm2m". */
  readonly rootPath: string;
  /** Content formats the client prefers (the root link's ct), if it said. */
  readonly contentFormats: readonly number[];
  /** By object id, ascending. */
  readonly objects: readonly RegisteredObject[];
}

/** Object versions a client of each LwM2M version implies when it gives no `ver`. */
const defaults11: Readonly<Record<number, string>> = { 0: '1.1', 1: '1.1', 2: '1.0', 3: '1.1', 4: '1.2', 5: '1.0', 6: '1.0', 7: '1.0' };

export function defaultObjectVersion(objectId: number, lwm2m: Lwm2mVersion): string {
  return lwm2m === '1.0' ? '1.0' : (defaults11[objectId] ?? '1.0');
}

const MAX_LINKS = 4096;

/**
 * Parsed payloads, shared: a fleet registers the same few object lists over and over, so
 * identical payloads (of the same LwM2M version) get one frozen RegisteredObjects. Bounded in
 * entries and in the payload length kept as key; refusals are not cached.
 */
const cache = new Map<string, RegisteredObjects>();
const CACHE_ENTRIES = 1024;
const CACHE_PAYLOAD = 4096;

export function parseRegisteredObjects(payload: string, lwm2m: Lwm2mVersion): RegisteredObjects {
  if (payload.length > CACHE_PAYLOAD) return parse(payload, lwm2m);
  const key = `${lwm2m}${payload}`;
  let r = cache.get(key);
  if (r === undefined) {
    r = freeze(parse(payload, lwm2m));
    // Oldest out first (Map keeps insertion order).
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, r);
  }
  return r;
}

/** Shared between registrations, so nobody may change it. */
function freeze(r: RegisteredObjects): RegisteredObjects {
  for (const o of r.objects) Object.freeze(Object.freeze(o).instances);
  Object.freeze(r.objects);
  Object.freeze(r.contentFormats);
  return Object.freeze(r);
}

function parse(payload: string, lwm2m: Lwm2mVersion): RegisteredObjects {
  let links;
  try {
    links = parseCoreLinks(payload);
  } catch (e) {
    throw new ServerError('E_REG_PAYLOAD', `the object links do not parse: ${(e as Error).message}`);
  }
  if (links.length > MAX_LINKS) throw new ServerError('E_REG_PAYLOAD', `more than ${MAX_LINKS} object links`);
  let rootPath = '/';
  let contentFormats: number[] = [];
  const root = links.find((l) => l.attributes['rt'] === 'oma.lwm2m');
  if (root) {
    rootPath = root.target === '' ? '/' : root.target;
    if (!rootPath.startsWith('/')) throw new ServerError('E_REG_PAYLOAD', `the alternate path <${root.target}> does not start with /`);
    const ct = root.attributes['ct'];
    // ct="60 110" lists several formats; a bare ct=110 parses to a number.
    contentFormats = ct === undefined || ct === true ? [] : String(ct).split(/\s+/).filter((s) => s !== '').map(Number);
    if (contentFormats.some((c) => !Number.isInteger(c) || c < 0 || c > 65535)) throw new ServerError('E_REG_PAYLOAD', `ct=${String(ct)} is not a list of content formats`);
  }
  const prefix = rootPath === '/' ? '' : rootPath.replace(/\/$/, '');
  const objects = new Map<number, { version?: string; instances: Set<number> }>();
  for (const link of links) {
    if (link === root) continue;
    if (prefix !== '' && !link.target.startsWith(`${prefix}/`)) throw new ServerError('E_REG_PAYLOAD', `<${link.target}> is outside the alternate path ${rootPath}`);
    const m = /^\/(\d{1,5})(?:\/(\d{1,5}))?$/.exec(link.target.slice(prefix.length));
    if (!m || Number(m[1]) > 65535 || (m[2] !== undefined && Number(m[2]) > 65534)) {
      throw new ServerError('E_REG_PAYLOAD', `<${link.target}> is not an object or object instance link`);
    }
    const id = Number(m[1]);
    const entry = objects.get(id) ?? { instances: new Set<number>() };
    objects.set(id, entry);
    if (m[2] !== undefined) entry.instances.add(Number(m[2]));
    const ver = link.attributes['ver'];
    if (ver !== undefined) {
      // 1.0 quotes it, 1.1 does not: "1.1" and 1.1 (a number once parsed) are the same version.
      const v = typeof ver === 'number' ? ver.toFixed(Math.max(1, String(ver).split('.')[1]?.length ?? 1)) : String(ver);
      if (!/^\d+\.\d+$/.test(v)) throw new ServerError('E_REG_PAYLOAD', `<${link.target}>;ver=${String(ver)} is not a version`);
      entry.version = v;
    }
  }
  return {
    rootPath,
    contentFormats,
    objects: [...objects]
      .sort((a, b) => a[0] - b[0])
      .map(([id, e]) => ({ id, version: e.version ?? defaultObjectVersion(id, lwm2m), instances: [...e.instances].sort((a, b) => a - b) })),
  };
}
