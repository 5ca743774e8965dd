/**
 * SenML packs (RFC 8428) as the LwM2M SenML formats use them, independent of JSON or
 * CBOR: building records with base names from LwM2M records, and resolving decoded
 * records (bn+n names, bt+t times, one value field) back into typed LwM2M records.
 */
import { formatPath, parsePath, pathIds, type LwM2MPath } from '../model/path.js';
import type { LwM2MRecord } from '../model/record.js';
import { ModelError } from '../model/model-error.js';
import { CodecError } from './codec-error.js';
import { checkForEncode, resolveResource, type CodecOptions } from './codec-options.js';
import { fromSenmlWire, senmlField, toSenmlWire, type SenmlField, type SenmlWire } from './senml-value.js';

/** One SenML record as written: at most one value field. */
export interface SenmlOut {
  readonly bn?: string;
  readonly n?: string;
  readonly t?: number;
  readonly field?: SenmlField;
  readonly value?: SenmlWire;
}

/** One SenML record as read (either serialisation). */
export interface SenmlIn {
  bn?: string;
  bt?: number | bigint;
  n?: string;
  t?: number | bigint;
  field?: SenmlField;
  value?: SenmlWire;
  /** Where the record starts in the input (or its index), for errors. */
  offset: number;
}

/** The base name for a pack: the request path as a directory, or its parent when a record is the path itself. */
export function basePrefix(basePath: LwM2MPath | undefined, records: readonly LwM2MRecord[]): string {
  if (basePath === undefined) return '';
  let ids = pathIds(basePath);
  for (const r of records) {
    if (pathIds(r.path).length <= ids.length) { ids = ids.slice(0, -1); break; }
  }
  return ids.length === 0 ? '' : '/' + ids.join('/') + '/';
}

/** LwM2M records -> SenML records: values checked and put in their field, names relative to `basePath`. */
export function toSenml(records: readonly LwM2MRecord[], opts: CodecOptions, basePath?: LwM2MPath): SenmlOut[] {
  const prefix = basePrefix(basePath, records);
  const out: SenmlOut[] = new Array<SenmlOut>(records.length);
  for (let k = 0; k < records.length; k++) {
    const rec = records[k]!;
    const text = formatPath(rec.path);
    if (prefix !== '' && !text.startsWith(prefix)) throw new CodecError('E_NODE_SHAPE', `record ${text} is outside ${formatPath(basePath!)}`, undefined, text);
    const n = text.slice(prefix.length);
    let field: SenmlField | undefined;
    let value: SenmlWire | undefined;
    if (rec.value !== undefined) {
      if (rec.path.resourceId === undefined) throw new CodecError('E_NODE_SHAPE', `a value needs a resource path, not ${text}`, undefined, text);
      const r = resolveResource(opts, rec.path.objectId, rec.path.resourceId, text);
      if (r.res.multiple !== (rec.path.resourceInstanceId !== undefined)) {
        throw new CodecError('E_NODE_SHAPE', `resource ${text} is ${r.res.multiple ? 'multiple: values go to its instances' : 'single: it has no resource instances'}`, undefined, text);
      }
      const v = checkForEncode(rec.value, r, opts, text);
      field = senmlField(r.res);
      value = toSenmlWire(v, r.res);
    }
    out[k] = { bn: k === 0 && prefix !== '' ? prefix : undefined, n: n === '' ? undefined : n, t: rec.time, field, value };
  }
  return out;
}

function nameToPath(name: string, offset: number): LwM2MPath {
  try {
    return parsePath(name);
  } catch (e) {
    if (e instanceof ModelError) throw new CodecError('E_PATH_INVALID', `SenML name "${name.slice(0, 40)}" is not an LwM2M path (record at ${offset})`, offset);
    throw e;
  }
}

/**
 * SenML records -> LwM2M records. Base name and base time carry over to later records
 * (RFC 8428). `values`: 'required' for data, 'forbidden' for composite request bodies.
 */
export function fromSenml(ins: readonly SenmlIn[], opts: CodecOptions, values: 'required' | 'forbidden' | 'optional'): LwM2MRecord[] {
  const out: LwM2MRecord[] = [];
  let bn = '';
  let bt: number | undefined;
  for (const r of ins) {
    if (r.bn !== undefined) bn = r.bn;
    if (r.bt !== undefined) bt = Number(r.bt);
    const name = bn + (r.n ?? '');
    if (name === '') throw new CodecError('E_SYNTAX', `SenML record without a name at ${r.offset}`, r.offset);
    const path = nameToPath(name, r.offset);
    const t = r.t === undefined ? bt : (bt ?? 0) + Number(r.t);
    if (r.field === undefined) {
      if (values === 'required') throw new CodecError('E_SYNTAX', `SenML record ${name} has no value (at ${r.offset})`, r.offset, name);
      out.push(t === undefined ? { path } : { path, time: t });
      continue;
    }
    if (values === 'forbidden') throw new CodecError('E_SYNTAX', `SenML record ${name} has a value where only paths belong (at ${r.offset})`, r.offset, name);
    if (path.resourceId === undefined) throw new CodecError('E_NODE_SHAPE', `SenML record ${name} has a value but is not a resource (at ${r.offset})`, r.offset, name);
    const { obj, res } = resolveResource(opts, path.objectId, path.resourceId, name, r.offset);
    if (res.multiple !== (path.resourceInstanceId !== undefined)) {
      throw new CodecError('E_NODE_SHAPE', `resource ${name} is ${res.multiple ? 'multiple: values go to its instances' : 'single: it has no resource instances'} (at ${r.offset})`, r.offset, name);
    }
    const value = fromSenmlWire(r.field, r.value!, res, obj, name, opts.check !== false, r.offset);
    out.push(t === undefined ? { path, value } : { path, value, time: t });
  }
  return out;
}

/** Sets the value field of a record being read, refusing a second one. */
export function setField(r: SenmlIn, field: SenmlField, value: SenmlWire): void {
  if (r.field !== undefined) throw new CodecError('E_SYNTAX', `SenML record with two value fields ("${r.field}" and "${field}") at ${r.offset}`, r.offset);
  r.field = field;
  r.value = value;
}
