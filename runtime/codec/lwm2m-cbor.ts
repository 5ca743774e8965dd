/**
 * LwM2M CBOR (11544, LwM2M 1.2 TS Core, section "Data Formats for Transferring Resource
 * Information" / "LwM2M CBOR"): nested maps keyed by ids from the object down, where a key
 * may also be an array of ids standing for a path prefix (a "collapsed" path):
 * {[3, 0]: {0: "Acme", 6: {0: 1, 1: 5}}, [1, 0, 1]: 86400}.
 *
 * - Keys are absolute (the TS: "the IDs inside the top-level payload MUST start with the
 *   Object ID", except for Write and Create, where they may be relative). Relative keys
 *   are not read: a payload cannot say which it uses ({3: ...} under /3/0 is object 3 or
 *   resource 3), and Anjay, the one client that implements the format, reads them as
 *   absolute too; a relative payload fails as a path outside the request or of a wrong shape.
 * - On output each top-level key takes the whole chain of single-child maps below it as one
 *   array key, and the maps below keep plain ids: the form of every example in the TS
 *   ({[3, 0, 0]: "Open Mobile Alliance"}, {[3, 0]: {..., 11: {0: 0}}}, {1: {0: {...}, 1: {...}}}).
 *   The same size as nested maps for two ids, smaller from three on.
 * - No timestamps: the format's ABNF (payload = map of ID -> VALUE / payload) has no place
 *   for a time, so records with one are refused (E_UNREPRESENTABLE); time-stamped Send and
 *   notifications use SenML.
 */
import type { LwM2MRecord } from '../model/record.js';
import { formatPath, pathFromIds } from '../model/path.js';
import { ModelError } from '../model/model-error.js';
import { CodecError, asCodecError } from './codec-error.js';
import { cborEncode } from './cbor-engine.js';
import { CborReader, INDEFINITE } from './cbor-reader.js';
import { checkForEncode, checkSize, resolveResource, type CodecOptions } from './codec-options.js';
import { fromCborValue, readCborLeaf, toCborValue } from './cbor-value.js';

type Tree = Map<number, Tree | unknown>;

/**
 * The top-level keys of the tree with their chains of single-child maps collapsed into
 * array keys; the maps below them keep plain ids. That is the form of every example in the
 * TS: {[3, 0]: {..., 11: {0: 0}}} (Error Code keeps its map of one), {1: {0: {...}, 1: {...}}},
 * {[3, 0]: {0: ..., 9: 100}, [1, 0, 1]: 86400}.
 */
function collapseTop(tree: Tree): Map<number | number[], unknown> {
  const out = new Map<number | number[], unknown>();
  for (const [id, v] of tree) {
    let key: number | number[] = id;
    let value: unknown = v;
    while (value instanceof Map && value.size === 1) {
      const [next, inner] = (value as Tree).entries().next().value as [number, unknown];
      key = typeof key === 'number' ? [key, next] : [...key, next];
      value = inner;
    }
    out.set(key, value);
  }
  return out;
}

export function encodeLwm2mCbor(records: readonly LwM2MRecord[], opts: CodecOptions): Uint8Array {
  const root: Tree = new Map();
  for (const rec of records) {
    const p = rec.path;
    const text = formatPath(p);
    if (rec.value === undefined || p.resourceId === undefined) throw new CodecError('E_UNREPRESENTABLE', `LwM2M CBOR carries values of resources only (${text})`, undefined, text);
    if (rec.time !== undefined) throw new CodecError('E_UNREPRESENTABLE', `LwM2M CBOR has no timestamps (${text}): use SenML CBOR or SenML JSON for time-stamped values`, undefined, text);
    const r = resolveResource(opts, p.objectId, p.resourceId, text);
    if (r.res.multiple !== (p.resourceInstanceId !== undefined)) {
      throw new CodecError('E_NODE_SHAPE', `resource ${text} is ${r.res.multiple ? 'multiple: values go to its instances' : 'single: it has no resource instances'}`, undefined, text);
    }
    const v = toCborValue(checkForEncode(rec.value, r, opts, text), r.res);
    let t = root;
    const ids = p.resourceInstanceId === undefined ? [p.objectId, p.instanceId!, p.resourceId] : [p.objectId, p.instanceId!, p.resourceId, p.resourceInstanceId];
    for (let k = 0; k < ids.length - 1; k++) {
      let next = t.get(ids[k]!);
      if (next === undefined) t.set(ids[k]!, (next = new Map()));
      else if (!(next instanceof Map)) throw new CodecError('E_NODE_SHAPE', `record ${text} is below another record's value`, undefined, text);
      t = next as Tree;
    }
    const last = ids[ids.length - 1]!;
    if (t.has(last)) throw new CodecError('E_NODE_SHAPE', `record ${text} given twice, or above other records`, undefined, text);
    t.set(last, v);
  }
  return cborEncode(collapseTop(root));
}

/** Nesting of maps and path arrays: object, instance, resource, resource instance, and room for key arrays. */
const MAX_DEPTH = 8;

const where = (ids: readonly number[]): string => '/' + ids.join('/');

/**
 * Reads the maps straight from the bytes (cbor-reader.ts) rather than through cbor-x: a
 * key given twice in one map is then seen instead of overwritten ({3: {...}, 3: {...}}
 * merges, and one path named twice is refused), and nothing is allocated for a length the
 * input cannot hold. Methods, not closures: a closure made per call costs more than the
 * work under a loader that names functions (tsx).
 */
class Lwm2mCborReader {
  readonly out: LwM2MRecord[] = [];
  // Collapsed and nested keys can name one path twice ({[3, 0]: {0: "a"}, [3, 0, 0]: "b"}): refused, not merged.
  private readonly seen = new Set<string>();
  private readonly check: boolean;
  constructor(private readonly rd: CborReader, private readonly opts: CodecOptions) {
    this.check = opts.check !== false;
  }

  /** One id of a key (the head already read). */
  private id(ids: readonly number[], at: number): number {
    const rd = this.rd;
    if (rd.major !== 0 || rd.bigArg !== undefined || rd.arg > 65535) throw new CodecError('E_SYNTAX', `LwM2M CBOR key under ${where(ids)} is not an id or an array of ids`, at, where(ids));
    return rd.arg;
  }

  /** A key: an id or a non-empty array of ids, appended to `ids`. */
  private key(ids: number[], depth: number): void {
    const rd = this.rd;
    const at = rd.pos;
    const ib = rd.head();
    if (ib >> 5 !== 4) {
      ids.push(this.id(ids, at));
    } else {
      if (depth + 1 > MAX_DEPTH) rd.fail('E_LIMIT', `nesting deeper than ${MAX_DEPTH}`, at);
      const count = rd.arg;
      rd.checkCount(count, 1, at);
      let n = 0;
      for (; count === INDEFINITE ? !rd.isBreak() : n < count; n++) {
        rd.head();
        ids.push(this.id(ids, at));
        if (ids.length > 4) break;
      }
      if (n === 0) throw new CodecError('E_SYNTAX', `LwM2M CBOR key under ${where(ids)} is an empty array`, at, where(ids));
    }
    if (ids.length > 4) throw new CodecError('E_NODE_SHAPE', `LwM2M CBOR path ${where(ids)} is deeper than a resource instance`, at, where(ids));
  }

  map(prefix: readonly number[], depth: number): void {
    const rd = this.rd;
    const bytes = rd.b;
    const at = rd.pos;
    const ib = rd.head();
    if (ib >> 5 !== 5) throw new CodecError('E_SYNTAX', depth === 0 ? 'LwM2M CBOR must be a map' : `LwM2M CBOR: a map expected under ${where(prefix)}`, at);
    if (depth + 1 > MAX_DEPTH) rd.fail('E_LIMIT', `nesting deeper than ${MAX_DEPTH}`, at);
    const count = rd.arg;
    rd.checkCount(count, 2, at);
    for (let e = 0; count === INDEFINITE ? !rd.isBreak() : e < count; e++) {
      const ids = prefix.slice();
      this.key(ids, depth + 1);
      const vb = rd.pos < bytes.length ? bytes[rd.pos]! : -1;
      if (vb >> 5 === 5) this.map(ids, depth + 1);
      else this.leaf(ids);
    }
  }

  private leaf(ids: number[]): void {
    let path;
    try { path = pathFromIds(ids); } catch (e) {
      if (e instanceof ModelError) throw new CodecError('E_PATH_INVALID', `LwM2M CBOR: ${e.message}`, this.rd.pos, e.path);
      throw e;
    }
    const text = formatPath(path);
    const v = readCborLeaf(this.rd, text);
    if (path.resourceId === undefined) throw new CodecError('E_NODE_SHAPE', `LwM2M CBOR value at ${text}, which is not a resource`, undefined, text);
    if (this.seen.has(text)) throw new CodecError('E_NODE_SHAPE', `LwM2M CBOR gives ${text} twice`, undefined, text);
    this.seen.add(text);
    const { obj, res } = resolveResource(this.opts, path.objectId, path.resourceId, text);
    if (res.multiple !== (path.resourceInstanceId !== undefined)) {
      throw new CodecError('E_NODE_SHAPE', `resource ${text} is ${res.multiple ? 'multiple: values go to its instances' : 'single: it has no resource instances'}`, undefined, text);
    }
    this.out.push({ path, value: fromCborValue(v, res, obj, text, this.check) });
  }
}

export function decodeLwm2mCbor(bytes: Uint8Array, opts: CodecOptions): LwM2MRecord[] {
  try {
    checkSize(bytes, opts);
    if (bytes.length === 0) throw new CodecError('E_TRUNCATED', 'CBOR: empty payload', 0);
    const rd = new CborReader(bytes);
    const r = new Lwm2mCborReader(rd, opts);
    r.map([], 0);
    if (!rd.atEnd) throw new CodecError('E_TRAILING_BYTES', `CBOR: ${bytes.length - rd.pos} bytes after the item at offset ${rd.pos}`, rd.pos);
    return r.out;
  } catch (e) {
    throw asCodecError(e);
  }
}
