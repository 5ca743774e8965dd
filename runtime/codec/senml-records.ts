/**
 * SenML packs (RFC 8428) as the LwM2M SenML formats use them, independent of JSON or
 * CBOR: building records with base names from LwM2M records, and resolving decoded
 * records (bn+n names, bt+t times, one value field) back into typed LwM2M records.
 */
import { formatPath, pathFromIds, pathIds, scanIds, type LwM2MPath } from '../model/path.js';
import type { LwM2MRecord } from '../model/record.js';
import { ModelError } from '../model/model-error.js';
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import { CodecError } from './codec-error.js';
import { base64Decode } from './text-bytes.js';
import { checkForEncode, resolveResource, type CodecOptions, type Resolved } from './codec-options.js';
import { fromSenmlWire, senmlField, toSenmlWire, type PathRef, type SenmlField, type SenmlWire } from './senml-value.js';

/** One SenML record as written: at most one value field. */
export interface SenmlOut {
  readonly bn: string | undefined;
  readonly bt: number | undefined;
  readonly n: string | undefined;
  readonly t: number | undefined;
  readonly field: SenmlField | undefined;
  readonly value: SenmlWire | undefined;
}

/** One SenML record as read (either serialisation). */
export interface SenmlIn {
  bn: string | undefined;
  bt: number | bigint | undefined;
  n: string | undefined;
  t: number | bigint | undefined;
  field: SenmlField | undefined;
  value: SenmlWire | undefined;
  /** The record's index in the pack, for errors (syntax errors carry byte or character offsets). */
  offset: number;
  /**
   * The name already split into ids by a reader that met it as bytes (SenML CBOR), in
   * place of `n`: idCount ids (0: none), idSlash when it began with "/". Only names of
   * 1..4 ids of at most 65534 without leading zeros are given this way.
   */
  readonly ids: number[];
  idCount: number;
  idSlash: boolean;
}

/** The ids of records whose reader never splits names (JSON): shared, never written. */
const NO_IDS: number[] = [];

/** A record with every field present from the start: one object shape for all of them; a reader that fills `ids` passes its own four. */
export function senmlIn(offset: number, ids: number[] = NO_IDS): SenmlIn {
  return { bn: undefined, bt: undefined, n: undefined, t: undefined, field: undefined, value: undefined, offset, ids, idCount: 0, idSlash: false };
}

/** Resolved (object, resource) pairs per descriptor, shared by every encode and decode: descriptors are immutable. */
const resolvedByDescriptor = new WeakMap<ObjectDescriptor, Map<number, Resolved>>();

/**
 * Descriptors of the records of one encode or decode: the resolver is asked once per run of
 * records of one object (it may answer per peer, so nothing it says is kept across calls);
 * the resource lookups below it are kept per descriptor.
 */
class ResourceCache {
  private key = -1;
  private last: Resolved | undefined;
  private objectId = -1;
  private obj: ObjectDescriptor | undefined;
  private byResource: Map<number, Resolved> | undefined;
  constructor(private readonly opts: CodecOptions) {}
  get(objectId: number, resourceId: number, path: PathRef, offset?: number): Resolved {
    const key = objectId * 65536 + resourceId;
    if (key === this.key) return this.last!;
    if (objectId !== this.objectId) {
      const obj = this.opts.resolve(objectId);
      this.objectId = objectId;
      this.obj = obj;
      this.byResource = undefined;
      if (obj !== undefined) {
        let m = resolvedByDescriptor.get(obj);
        if (m === undefined) resolvedByDescriptor.set(obj, (m = new Map()));
        this.byResource = m;
      }
    }
    let r = this.byResource?.get(resourceId);
    if (r === undefined) {
      r = resolveResource(this.opts, objectId, resourceId, path, offset); // throws the typed error for an unknown one
      if (r.obj === this.obj) this.byResource?.set(resourceId, r);
    }
    this.key = key;
    this.last = r;
    return r;
  }
}

/** The ids of the base name: the request path as a directory, or its parent when a record is the path itself. */
function baseIds(basePath: LwM2MPath | undefined, records: readonly LwM2MRecord[]): number[] {
  if (basePath === undefined) return [];
  const ids = pathIds(basePath);
  const depth = ids.length;
  for (const r of records) if (pathDepth(r.path) <= depth) return ids.slice(0, -1);
  return ids;
}

function pathDepth(p: LwM2MPath): number {
  return p.instanceId === undefined ? 1 : p.resourceId === undefined ? 2 : p.resourceInstanceId === undefined ? 3 : 4;
}

/** Whether `p` is at or below the base ids. */
function isBelow(p: LwM2MPath, base: readonly number[]): boolean {
  const b0 = base[0], b1 = base[1], b2 = base[2];
  return (b0 === undefined || b0 === p.objectId) && (b1 === undefined || b1 === p.instanceId) && (b2 === undefined || b2 === p.resourceId);
}

/**
 * The SenML name of `p` below `skip` base ids: relative ("0/5700") below a base name,
 * absolute ("/3303/0/5700") without one (skip 0); undefined when `p` is the base itself.
 */
export function senmlName(p: LwM2MPath, skip: number): string | undefined {
  const { objectId: o, instanceId: i, resourceId: r, resourceInstanceId: ri } = p;
  // One template per case: flat short strings, no loop.
  let name: string;
  switch (skip) {
    case 0: name = i === undefined ? `/${o}` : r === undefined ? `/${o}/${i}` : ri === undefined ? `/${o}/${i}/${r}` : `/${o}/${i}/${r}/${ri}`; break;
    case 1: name = i === undefined ? '' : r === undefined ? `${i}` : ri === undefined ? `${i}/${r}` : `${i}/${r}/${ri}`; break;
    case 2: name = r === undefined ? '' : ri === undefined ? `${r}` : `${r}/${ri}`; break;
    default: name = ri === undefined ? '' : `${ri}`;
  }
  return name === '' ? undefined : name;
}

/**
 * Receives SenML records as they are produced (no intermediate objects). The name is
 * given as the path and the number of base ids it skips (see senmlName): a binary sink
 * writes it without building the string.
 */
export interface SenmlSink {
  record(bn: string | undefined, bt: number | undefined, p: LwM2MPath, skip: number, t: number | undefined, field: SenmlField | undefined, value: SenmlWire | undefined): void;
}

/**
 * LwM2M records -> SenML records into `sink`: values checked and put in their field,
 * names relative to `basePath`. With `baseTime`, and when every record has a time, the
 * first record's time becomes bt and the others' t is relative to it (0 left out).
 */
export function writeSenml(records: readonly LwM2MRecord[], opts: CodecOptions, basePath: LwM2MPath | undefined, sink: SenmlSink, baseTime = false): void {
  const base = baseIds(basePath, records);
  let bt: number | undefined;
  if (baseTime && records.length > 0 && records.every((r) => r.time !== undefined)) bt = records[0]!.time;
  const prefix = base.length === 0 ? '' : '/' + base.join('/') + '/';
  const cache = new ResourceCache(opts);
  for (let k = 0; k < records.length; k++) {
    const rec = records[k]!;
    const p = rec.path;
    if (!isBelow(p, base)) throw new CodecError('E_NODE_SHAPE', `record ${formatPath(p)} is outside ${formatPath(basePath!)}`, undefined, formatPath(p));
    let field: SenmlField | undefined;
    let value: SenmlWire | undefined;
    if (rec.value !== undefined) {
      if (p.resourceId === undefined) throw new CodecError('E_NODE_SHAPE', `a value needs a resource path, not ${formatPath(p)}`, undefined, formatPath(p));
      const r = cache.get(p.objectId, p.resourceId, p);
      if (r.res.multiple !== (p.resourceInstanceId !== undefined)) {
        const text = formatPath(p);
        throw new CodecError('E_NODE_SHAPE', `resource ${text} is ${r.res.multiple ? 'multiple: values go to its instances' : 'single: it has no resource instances'}`, undefined, text);
      }
      const v = checkForEncode(rec.value, r, opts, p);
      field = senmlField(r.res);
      value = toSenmlWire(v, r.res);
    }
    const t = bt === undefined ? rec.time : rec.time! - bt || undefined;
    sink.record(k === 0 && prefix !== '' ? prefix : undefined, k === 0 ? bt : undefined, p, base.length, t, field, value);
  }
}

class Collect implements SenmlSink {
  readonly out: SenmlOut[] = [];
  record(bn: string | undefined, bt: number | undefined, p: LwM2MPath, skip: number, t: number | undefined, field: SenmlField | undefined, value: SenmlWire | undefined): void {
    this.out.push({ bn, bt, n: senmlName(p, skip), t, field, value });
  }
}

/** LwM2M records -> SenML record objects. */
export function toSenml(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath, baseTime = false): SenmlOut[] {
  const c = new Collect();
  writeSenml(records, opts, basePath, c, baseTime);
  return c.out;
}

/**
 * The path of base ids + "a/b" without intermediate arrays (the per-record hot path);
 * undefined when the name is malformed or an id is out of range (the caller then reports).
 */
function relativePath(base: readonly number[], n: string, pos: number): LwM2MPath | undefined {
  let count = base.length;
  let a = base[0] ?? 0, b = base[1] ?? 0, c = base[2] ?? 0, d = 0;
  const len = n.length;
  if (pos >= len) return undefined;
  for (;;) {
    const start = pos;
    let v = 0;
    while (pos < len) {
      const ch = n.charCodeAt(pos);
      if (ch < 0x30 || ch > 0x39) break;
      v = v * 10 + (ch - 0x30);
      pos++;
    }
    const digits = pos - start;
    if (digits === 0 || digits > 5 || (digits > 1 && n.charCodeAt(start) === 0x30) || count === 4 || v > 65534) return undefined;
    if (count === 0) a = v; else if (count === 1) b = v; else if (count === 2) c = v; else d = v;
    count++;
    if (pos === len) break;
    if (n.charCodeAt(pos) !== 0x2f) return undefined;
    pos++;
  }
  if (count === 1) return { objectId: a };
  if (count === 2) return { objectId: a, instanceId: b };
  if (count === 3) return { objectId: a, instanceId: b, resourceId: c };
  return { objectId: a, instanceId: b, resourceId: c, resourceInstanceId: d };
}

/** The path of base ids followed by `count` name ids (at most four in all, checked by the caller). */
function joinIds(base: readonly number[], ids: readonly number[], count: number): LwM2MPath {
  const bl = base.length;
  const n = bl + count;
  const a = bl > 0 ? base[0]! : ids[0]!;
  if (n === 1) return { objectId: a };
  const b = bl > 1 ? base[1]! : ids[1 - bl]!;
  if (n === 2) return { objectId: a, instanceId: b };
  const c = bl > 2 ? base[2]! : ids[2 - bl]!;
  if (n === 3) return { objectId: a, instanceId: b, resourceId: c };
  return { objectId: a, instanceId: b, resourceId: c, resourceInstanceId: ids[3 - bl]! };
}

function badName(name: string, offset: number, e?: unknown): never {
  const why = e instanceof ModelError ? `: ${e.message}` : '';
  throw new CodecError('E_PATH_INVALID', `SenML name "${name.slice(0, 40)}" is not an LwM2M path (record ${offset})${why}`, offset);
}

function toPath(ids: number[], bn: string, n: string | undefined, offset: number): LwM2MPath {
  // scanIds gave 1..4 non-negative integers of at most 5 digits: only the 65534 bound is left.
  const [o, i, r, ri] = ids as [number, number?, number?, number?];
  if (o > 65534 || (i ?? 0) > 65534 || (r ?? 0) > 65534 || (ri ?? 0) > 65534) {
    try {
      pathFromIds(ids);
    } catch (e) {
      return badName(bn + (n ?? ''), offset, e);
    }
  }
  if (i === undefined) return { objectId: o };
  if (r === undefined) return { objectId: o, instanceId: i };
  if (ri === undefined) return { objectId: o, instanceId: i, resourceId: r };
  return { objectId: o, instanceId: i, resourceId: r, resourceInstanceId: ri };
}

/**
 * SenML records -> LwM2M records, one at a time as a reader meets them. Base name and
 * base time carry over to later records (RFC 8428). `values`: 'required' for data,
 * 'forbidden' for composite request bodies.
 */
export class SenmlResolver {
  readonly out: LwM2MRecord[] = [];
  private readonly cache: ResourceCache;
  private readonly check: boolean;
  private bn = '';
  // The base name's ids when it ends with "/" (the usual case): names then parse without concatenation.
  private bnIds: number[] | undefined = [];
  private bt: number | undefined;

  constructor(opts: CodecOptions, private readonly values: 'required' | 'forbidden' | 'optional') {
    this.cache = new ResourceCache(opts);
    this.check = opts.check !== false;
  }

  /** Resolves one record; `r` may be reused by the caller afterwards. */
  add(r: SenmlIn): void {
    if (r.bn !== undefined) {
      const bn = (this.bn = r.bn);
      this.bnIds = undefined;
      if (bn === '') this.bnIds = [];
      else if (bn.charCodeAt(bn.length - 1) === 0x2f && bn.charCodeAt(0) === 0x2f) {
        const ids: number[] = [];
        if (bn.length > 1 && scanIds(bn.slice(0, -1), 1, ids)) this.bnIds = ids;
      }
    }
    if (r.bt !== undefined) this.bt = Number(r.bt);
    const bn = this.bn;
    const bnIds = this.bnIds;
    let n = r.n;
    let path: LwM2MPath | undefined;
    if (r.idCount > 0) {
      // A name read as ids: joined to the base name's ids without any text.
      if (bnIds !== undefined && (!r.idSlash || bnIds.length === 0) && bnIds.length + r.idCount <= 4) path = joinIds(bnIds, r.ids, r.idCount);
      else n = (r.idSlash ? '/' : '') + r.ids.slice(0, r.idCount).join('/'); // the text, for the general path and its messages
    }
    if (path !== undefined) {
      // done
    } else if (bnIds !== undefined && n !== undefined && n !== '') {
      path = relativePath(bnIds, n, bnIds.length === 0 && n.charCodeAt(0) === 0x2f ? 1 : 0);
      if (path === undefined) {
        // Slow path for the error message (bad syntax or ids out of range).
        const ids = bnIds.slice();
        if (!scanIds(n, bnIds.length === 0 && n.charCodeAt(0) === 0x2f ? 1 : 0, ids)) badName(bn + n, r.offset);
        path = toPath(ids, bn, n, r.offset);
      }
    } else {
      const name = bn + (n ?? '');
      if (name === '') throw new CodecError('E_SYNTAX', `SenML record without a name at ${r.offset}`, r.offset);
      const ids: number[] = [];
      if (!scanIds(name, name.charCodeAt(0) === 0x2f ? 1 : 0, ids)) badName(name, r.offset);
      path = toPath(ids, bn, n, r.offset);
    }
    const bt = this.bt;
    const t = r.t === undefined ? bt : (bt ?? 0) + Number(r.t);
    if (r.field === undefined) {
      if (this.values === 'required') throw new CodecError('E_SYNTAX', `SenML record ${formatPath(path)} has no value (at ${r.offset})`, r.offset, formatPath(path));
      this.out.push(t === undefined ? { path } : { path, time: t });
      return;
    }
    if (this.values === 'forbidden') throw new CodecError('E_SYNTAX', `SenML record ${formatPath(path)} has a value where only paths belong (at ${r.offset})`, r.offset, formatPath(path));
    if (path.resourceId === undefined) throw new CodecError('E_NODE_SHAPE', `SenML record ${formatPath(path)} has a value but is not a resource (at ${r.offset})`, r.offset, formatPath(path));
    const { obj, res } = this.cache.get(path.objectId, path.resourceId, path, r.offset);
    if (res.multiple !== (path.resourceInstanceId !== undefined)) {
      const name = formatPath(path);
      throw new CodecError('E_NODE_SHAPE', `resource ${name} is ${res.multiple ? 'multiple: values go to its instances' : 'single: it has no resource instances'} (at ${r.offset})`, r.offset, name);
    }
    let field = r.field;
    let wire = r.value!;
    // LwM2M JSON carries Opaque as base64 text in "sv".
    if (field === 'vs' && res.type === 'opaque' && this.opaqueAsBase64) { field = 'vd'; wire = base64Decode(wire as string, 'std', r.offset); }
    const value = fromSenmlWire(field, wire, res, obj, path, this.check, r.offset);
    this.out.push(t === undefined ? { path, value } : { path, value, time: t });
  }

  /** Set by LwM2M JSON. */
  opaqueAsBase64 = false;
}

/** Clears a scratch record for reuse. */
export function resetSenmlIn(r: SenmlIn, offset: number): SenmlIn {
  r.bn = undefined; r.bt = undefined; r.n = undefined; r.t = undefined; r.field = undefined; r.value = undefined; r.offset = offset; r.idCount = 0; r.idSlash = false;
  return r;
}

/** Sets the value field of a record being read, refusing a second one. */
export function setField(r: SenmlIn, field: SenmlField, value: SenmlWire): void {
  if (r.field !== undefined) throw new CodecError('E_SYNTAX', `SenML record with two value fields ("${r.field}" and "${field}") at ${r.offset}`, r.offset);
  r.field = field;
  r.value = value;
}
