/**
 * OMA TLV (11542, legacy 1542). Type byte: bits 7-6 kind (00 object instance, 01
 * resource instance, 10 multiple resource, 11 resource with value), bit 5 16-bit id,
 * bits 4-3 length type (00: length in bits 2-0, 01/10/11: 8/16/24-bit length field).
 * TLV carries no types: the descriptor gives them. Integers are big-endian two's
 * complement in 1/2/4/8 bytes; Unsigned Integer is unsigned in 1/2/4/8 bytes (so values
 * >= 2^63 round-trip); floats 4 or 8 bytes; Time integer seconds; Objlnk 2+2 bytes.
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import { normalizeInteger } from '../model/check-value.js';
import { sortedKeys, type InstanceNode, type LwM2MNode, type ResourceNode } from '../model/node.js';
import { formatPath, pathLevel, type LwM2MPath } from '../model/path.js';
import { checkNodeFitsPath } from '../model/node-records.js';
import type { CoreLink, ObjectLink, ResourceValue } from '../model/values.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkForEncode, checkSize, resolveResource, type CodecOptions } from './codec-options.js';
import { formatCoreLinks, parseCoreLinks } from './core-link.js';
import { checkOrCodecError, secondsToTime, timeToSeconds } from './senml-value.js';
import { utf8Decode, utf8Encode } from './text-bytes.js';

export const TLV_OBJECT_INSTANCE = 0;
export const TLV_RESOURCE_INSTANCE = 1;
export const TLV_MULTIPLE_RESOURCE = 2;
export const TLV_RESOURCE = 3;
export type TlvKind = 0 | 1 | 2 | 3;

/** One TLV as read: its value (or children) is bytes[start, end) of the input. */
export interface TlvEntry {
  readonly kind: TlvKind;
  readonly id: number;
  /** Offset of the type byte. */
  readonly offset: number;
  readonly start: number;
  readonly end: number;
}

const KIND_NAME = ['object instance', 'resource instance', 'multiple resource', 'resource'] as const;

/** Reads the TLVs laid side by side in b[start, end). Lengths are checked against the span. */
export function readTlvs(b: Uint8Array, start: number, end: number): TlvEntry[] {
  const out: TlvEntry[] = [];
  let pos = start;
  while (pos < end) {
    const offset = pos;
    const t = b[pos++]!;
    const idBytes = t & 0x20 ? 2 : 1;
    const lenType = (t >> 3) & 3;
    if (pos + idBytes + lenType > end) throw new CodecError('E_TRUNCATED', `TLV header runs past the end at offset ${offset}`, offset);
    const id = idBytes === 2 ? (b[pos]! << 8) | b[pos + 1]! : b[pos]!;
    pos += idBytes;
    let len = t & 7;
    if (lenType > 0) {
      if ((t & 7) !== 0) throw new CodecError('E_SYNTAX', `TLV type byte 0x${t.toString(16)} has length bits and a length field at offset ${offset}`, offset);
      len = 0;
      for (let k = 0; k < lenType; k++) len = (len << 8) | b[pos++]!;
    }
    if (len > end - pos) throw new CodecError('E_TRUNCATED', `TLV value of ${len} bytes runs past the end at offset ${offset}`, offset);
    out.push({ kind: (t >> 6) as TlvKind, id, offset, start: pos, end: pos + len });
    pos += len;
  }
  return out;
}

function headerLength(id: number, len: number): number {
  return 1 + (id > 255 ? 2 : 1) + (len < 8 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : 3);
}

const MAX_HEADER = 6;

/**
 * One growing output buffer. Fixed-size values get their header first; nested TLVs and
 * strings are written after room for the largest header, which then slides into place.
 */
class TlvWriter {
  buf = new Uint8Array(256);
  dv = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  header(kind: TlvKind, id: number, len: number): void {
    if (len > 0xffffff) throw new CodecError('E_UNREPRESENTABLE', `TLV value of ${len} bytes exceeds the 24-bit length`);
    this.ensure(MAX_HEADER + len);
    const b = this.buf;
    const wide = id > 255;
    const lenBytes = len < 8 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : 3;
    let p = this.pos;
    b[p++] = (kind << 6) | (wide ? 0x20 : 0) | (lenBytes << 3) | (lenBytes === 0 ? len : 0);
    if (wide) b[p++] = id >> 8;
    b[p++] = id & 0xff;
    for (let k = lenBytes - 1; k >= 0; k--) b[p++] = (len >> (8 * k)) & 0xff;
    this.pos = p;
  }

  /** Starts a TLV whose length is known only once its content is written. */
  open(): number {
    this.ensure(MAX_HEADER);
    const start = this.pos;
    this.pos += MAX_HEADER;
    return start;
  }

  close(start: number, kind: TlvKind, id: number): void {
    const len = this.pos - start - MAX_HEADER;
    const h = headerLength(id, len);
    const end = this.pos;
    this.pos = start;
    this.header(kind, id, len);
    if (h < MAX_HEADER) this.buf.copyWithin(start + h, start + MAX_HEADER, end);
    this.pos = start + h + len;
  }

  bytes(kind: TlvKind, id: number, v: Uint8Array): void {
    this.header(kind, id, v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  signed(kind: TlvKind, id: number, v: number | bigint): void {
    if (typeof v === 'number' && v >= -0x80000000 && v <= 0x7fffffff) {
      const len = v >= -128 && v <= 127 ? 1 : v >= -32768 && v <= 32767 ? 2 : 4;
      this.header(kind, id, len);
      if (len === 1) this.dv.setInt8(this.pos, v);
      else if (len === 2) this.dv.setInt16(this.pos, v);
      else this.dv.setInt32(this.pos, v);
      this.pos += len;
      return;
    }
    this.header(kind, id, 8);
    this.dv.setBigInt64(this.pos, BigInt(v));
    this.pos += 8;
  }

  unsigned(kind: TlvKind, id: number, v: number | bigint): void {
    if (typeof v === 'number' && v <= 0xffffffff) {
      const len = v <= 0xff ? 1 : v <= 0xffff ? 2 : 4;
      this.header(kind, id, len);
      if (len === 1) this.dv.setUint8(this.pos, v);
      else if (len === 2) this.dv.setUint16(this.pos, v);
      else this.dv.setUint32(this.pos, v);
      this.pos += len;
      return;
    }
    this.header(kind, id, 8);
    this.dv.setBigUint64(this.pos, BigInt(v));
    this.pos += 8;
  }

  /** One typed value as a TLV of `kind` (resource or resource instance). */
  value(kind: TlvKind, id: number, v: ResourceValue, res: ResourceDescriptor): void {
    switch (res.type) {
      case 'string': this.bytes(kind, id, utf8Encode(v as string)); return;
      case 'integer': this.signed(kind, id, v as number | bigint); return;
      case 'unsignedInteger': this.unsigned(kind, id, v as number | bigint); return;
      case 'time': this.signed(kind, id, timeToSeconds(v as Date)); return;
      case 'float': {
        const x = v as number;
        // 4 bytes only when exact: never a lossy float32.
        if (Math.fround(x) === x) { this.header(kind, id, 4); this.dv.setFloat32(this.pos, x); this.pos += 4; return; }
        this.header(kind, id, 8);
        this.dv.setFloat64(this.pos, x);
        this.pos += 8;
        return;
      }
      case 'boolean': this.header(kind, id, 1); this.buf[this.pos++] = v ? 1 : 0; return;
      case 'opaque': this.bytes(kind, id, v as Uint8Array); return;
      case 'objlnk': {
        const l = v as ObjectLink;
        this.header(kind, id, 4);
        this.dv.setUint16(this.pos, l.objectId);
        this.dv.setUint16(this.pos + 2, l.instanceId);
        this.pos += 4;
        return;
      }
      case 'corelnk': this.bytes(kind, id, utf8Encode(formatCoreLinks(v as readonly CoreLink[]))); return;
      case 'none': throw new CodecError('E_UNREPRESENTABLE', `resource ${res.id} (${res.name}) is executable: it has no value`);
    }
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

function readInt(b: Uint8Array, start: number, len: number, unsigned: boolean, path: string): number | bigint {
  const dv = new DataView(b.buffer, b.byteOffset + start, len);
  switch (len) {
    case 1: return unsigned ? dv.getUint8(0) : dv.getInt8(0);
    case 2: return unsigned ? dv.getUint16(0) : dv.getInt16(0);
    case 4: return unsigned ? dv.getUint32(0) : dv.getInt32(0);
    case 8: return normalizeInteger(unsigned ? dv.getBigUint64(0) : dv.getBigInt64(0));
    default: throw new CodecError('E_WIRE_TYPE', `${path}: an integer takes 1, 2, 4 or 8 bytes, not ${len}`, start, path);
  }
}

/** The typed value of TLV value bytes b[start, end). */
export function tlvValue(b: Uint8Array, start: number, end: number, res: ResourceDescriptor, path: string): ResourceValue {
  const len = end - start;
  switch (res.type) {
    case 'string': return utf8Decode(b.subarray(start, end), start);
    case 'integer': return readInt(b, start, len, false, path);
    case 'unsignedInteger': return readInt(b, start, len, true, path);
    case 'time': return secondsToTime(readInt(b, start, len, false, path), path, start);
    case 'float': {
      const dv = new DataView(b.buffer, b.byteOffset + start, len);
      if (len === 4) return dv.getFloat32(0);
      if (len === 8) return dv.getFloat64(0);
      throw new CodecError('E_WIRE_TYPE', `${path}: a float takes 4 or 8 bytes, not ${len}`, start, path);
    }
    case 'boolean':
      if (len === 1 && (b[start] === 0 || b[start] === 1)) return b[start] === 1;
      throw new CodecError('E_WIRE_TYPE', `${path}: a boolean is one byte, 0 or 1`, start, path);
    case 'opaque': return new Uint8Array(b.subarray(start, end)); // a plain copy
    case 'objlnk':
      if (len !== 4) throw new CodecError('E_WIRE_TYPE', `${path}: an object link takes 4 bytes, not ${len}`, start, path);
      return { objectId: (b[start]! << 8) | b[start + 1]!, instanceId: (b[start + 2]! << 8) | b[start + 3]! };
    case 'corelnk': return parseCoreLinks(utf8Decode(b.subarray(start, end), start), start);
    case 'none': throw new CodecError('E_WIRE_TYPE', `${path}: resource ${res.id} is executable: it has no value`, start, path);
  }
}

// ---------------------------------------------------------------- encode

function encodeResource(w: TlvWriter, o: number, i: number, r: ResourceNode, opts: CodecOptions): void {
  const path = `/${o}/${i}/${r.id}`;
  const rr = resolveResource(opts, o, r.id, path);
  if (r.kind === 'resource') {
    if (rr.res.multiple) throw new CodecError('E_NODE_SHAPE', `resource ${path} is multiple: give it a multipleResource node`, undefined, path);
    w.value(TLV_RESOURCE, r.id, checkForEncode(r.value, rr, opts, path), rr.res);
    return;
  }
  if (!rr.res.multiple) throw new CodecError('E_NODE_SHAPE', `resource ${path} is single: give it a resource node`, undefined, path);
  const start = w.open();
  for (const ri of sortedKeys(r.instances)) {
    w.value(TLV_RESOURCE_INSTANCE, ri, checkForEncode(r.instances.get(ri)!, rr, opts, path), rr.res);
  }
  w.close(start, TLV_MULTIPLE_RESOURCE, r.id);
}

function encodeInstanceBody(w: TlvWriter, o: number, inst: InstanceNode, opts: CodecOptions): void {
  for (const rid of sortedKeys(inst.resources)) encodeResource(w, o, inst.id, inst.resources.get(rid)!, opts);
}

/**
 * Encodes a node at `path`. An object is a list of object-instance TLVs; an instance
 * the list of its resource TLVs (no wrapper, as Read answers); a resource one resource or
 * multiple-resource TLV; a resource instance one resource-instance TLV.
 */
export function encodeTlv(path: LwM2MPath, node: LwM2MNode, opts: CodecOptions): Uint8Array {
  checkNodeFitsPath(path, node);
  const w = new TlvWriter();
  const o = path.objectId;
  switch (node.kind) {
    case 'object':
      for (const iid of sortedKeys(node.instances)) {
        const start = w.open();
        encodeInstanceBody(w, o, node.instances.get(iid)!, opts);
        w.close(start, TLV_OBJECT_INSTANCE, iid);
      }
      break;
    case 'instance': encodeInstanceBody(w, o, node, opts); break;
    case 'resource': case 'multipleResource': encodeResource(w, o, path.instanceId!, node, opts); break;
    case 'resourceInstance': {
      const p = formatPath(path);
      const rr = resolveResource(opts, o, path.resourceId!, p);
      if (!rr.res.multiple) throw new CodecError('E_NODE_SHAPE', `resource ${p} is single: it has no resource instances`, undefined, p);
      w.value(TLV_RESOURCE_INSTANCE, node.id, checkForEncode(node.value, rr, opts, p), rr.res);
      break;
    }
  }
  return w.result();
}

/** Wraps an instance's resources in an object-instance TLV (Create and Write on /o/i may send it so). */
export function encodeTlvInstanceWrapped(objectId: number, inst: InstanceNode, opts: CodecOptions): Uint8Array {
  const w = new TlvWriter();
  const start = w.open();
  encodeInstanceBody(w, objectId, inst, opts);
  w.close(start, TLV_OBJECT_INSTANCE, inst.id);
  return w.result();
}

// ---------------------------------------------------------------- decode

function value(b: Uint8Array, e: TlvEntry, res: ResourceDescriptor, obj: ObjectDescriptor, path: string, opts: CodecOptions): ResourceValue {
  const v = tlvValue(b, e.start, e.end, res, path);
  return opts.check === false ? v : checkOrCodecError(v, res, obj, path, e.offset);
}

function expect(e: TlvEntry, kinds: readonly TlvKind[], where: string): void {
  if (!kinds.includes(e.kind)) throw new CodecError('E_SYNTAX', `TLV: a ${KIND_NAME[e.kind]} (id ${e.id}) where ${where} at offset ${e.offset}`, e.offset);
}

function noDuplicate(seen: Set<number>, e: TlvEntry): void {
  if (seen.has(e.id)) throw new CodecError('E_SYNTAX', `TLV: id ${e.id} appears twice at offset ${e.offset}`, e.offset);
  seen.add(e.id);
}

function decodeResource(b: Uint8Array, e: TlvEntry, o: number, i: number, opts: CodecOptions): ResourceNode {
  const path = `/${o}/${i}/${e.id}`;
  const { obj, res } = resolveResource(opts, o, e.id, path, e.offset);
  if (e.kind === TLV_RESOURCE) {
    if (res.multiple) throw new CodecError('E_NODE_SHAPE', `TLV: resource ${path} is multiple but came as a single value at offset ${e.offset}`, e.offset, path);
    return { kind: 'resource', id: e.id, value: value(b, e, res, obj, path, opts) };
  }
  if (!res.multiple) throw new CodecError('E_NODE_SHAPE', `TLV: resource ${path} is single but came as multiple at offset ${e.offset}`, e.offset, path);
  const instances = new Map<number, ResourceValue>();
  for (const c of readTlvs(b, e.start, e.end)) {
    expect(c, [TLV_RESOURCE_INSTANCE], 'resource instances belong');
    if (instances.has(c.id)) throw new CodecError('E_SYNTAX', `TLV: id ${c.id} appears twice at offset ${c.offset}`, c.offset);
    instances.set(c.id, value(b, c, res, obj, `${path}/${c.id}`, opts));
  }
  return { kind: 'multipleResource', id: e.id, instances };
}

function decodeInstanceBody(b: Uint8Array, entries: readonly TlvEntry[], o: number, i: number, opts: CodecOptions): InstanceNode {
  const resources = new Map<number, ResourceNode>();
  for (const e of entries) {
    expect(e, [TLV_RESOURCE, TLV_MULTIPLE_RESOURCE], 'resources belong');
    if (resources.has(e.id)) throw new CodecError('E_SYNTAX', `TLV: id ${e.id} appears twice at offset ${e.offset}`, e.offset);
    resources.set(e.id, decodeResource(b, e, o, i, opts));
  }
  return { kind: 'instance', id: i, resources };
}

function onlyOne(top: readonly TlvEntry[], p: string): TlvEntry {
  if (top.length !== 1) throw new CodecError(top.length === 0 ? 'E_TRUNCATED' : 'E_TRAILING_BYTES', `TLV: one TLV expected for ${p}, got ${top.length}`, top[1]?.offset ?? 0, p);
  return top[0]!;
}

/** Decodes a TLV payload addressed to `path` into the node at that path. */
export function decodeTlv(path: LwM2MPath, bytes: Uint8Array, opts: CodecOptions): LwM2MNode {
  try {
    checkSize(bytes, opts);
    const b = bytes;
    const top = readTlvs(b, 0, b.length);
    const o = path.objectId;
    const p = formatPath(path);
    switch (pathLevel(path)) {
      case 'object': {
        const instances = new Map<number, InstanceNode>();
        const seen = new Set<number>();
        for (const e of top) {
          expect(e, [TLV_OBJECT_INSTANCE], `object ${p} expects object instances`);
          noDuplicate(seen, e);
          instances.set(e.id, decodeInstanceBody(b, readTlvs(b, e.start, e.end), o, e.id, opts));
        }
        return { kind: 'object', id: o, instances };
      }
      case 'instance': {
        const i = path.instanceId!;
        // Accept an object-instance wrapper with the same id (Create / Write senders use it).
        if (top.length === 1 && top[0]!.kind === TLV_OBJECT_INSTANCE) {
          const w = top[0]!;
          if (w.id !== i) throw new CodecError('E_NODE_SHAPE', `TLV: object instance ${w.id} in a payload for ${p}`, w.offset, p);
          return decodeInstanceBody(b, readTlvs(b, w.start, w.end), o, i, opts);
        }
        return decodeInstanceBody(b, top, o, i, opts);
      }
      case 'resource': {
        const e = onlyOne(top, p);
        expect(e, [TLV_RESOURCE, TLV_MULTIPLE_RESOURCE], `resource ${p} is expected`);
        if (e.id !== path.resourceId) throw new CodecError('E_NODE_SHAPE', `TLV: resource ${e.id} in a payload for ${p}`, e.offset, p);
        return decodeResource(b, e, o, path.instanceId!, opts);
      }
      case 'resourceInstance': {
        const e = onlyOne(top, p);
        expect(e, [TLV_RESOURCE_INSTANCE], `resource instance ${p} is expected`);
        if (e.id !== path.resourceInstanceId) throw new CodecError('E_NODE_SHAPE', `TLV: resource instance ${e.id} in a payload for ${p}`, e.offset, p);
        const { obj, res } = resolveResource(opts, o, path.resourceId!, p, e.offset);
        if (!res.multiple) throw new CodecError('E_NODE_SHAPE', `resource ${p} is single: it has no resource instances`, e.offset, p);
        return { kind: 'resourceInstance', id: e.id, value: value(b, e, res, obj, p, opts) };
      }
    }
  } catch (e) {
    throw asCodecError(e);
  }
}
