/**
 * One entry point for every LwM2M content format: encode a node for a path, decode a
 * payload for a path, and the record-level (composite, Send, timestamped) variants.
 * Decoders throw only CodecError.
 */
import type { LwM2MNode } from '../model/node.js';
import { checkNodeFitsPath, nodeToRecords, recordsToNode } from '../model/node-records.js';
import { formatPath, pathLevel, type LwM2MPath } from '../model/path.js';
import type { LwM2MRecord } from '../model/record.js';
import type { ResourceValue } from '../model/values.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkSize, type CodecOptions } from './codec-options.js';
import { ContentFormat, canonicalFormat, contentFormatName, isContentFormat, type ContentFormatId } from './content-format.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { decodeLwm2mCbor, encodeLwm2mCbor } from './lwm2m-cbor.js';
import { decodeLwm2mJson, encodeLwm2mJson } from './lwm2m-json.js';
import { decodeOpaque, encodeOpaque } from './opaque.js';
import { decodeSenmlCbor, encodeSenmlCbor } from './senml-cbor.js';
import { decodeSenmlJson, encodeSenmlJson } from './senml-json.js';
import { decodeTextPlain, encodeTextPlain } from './text-plain.js';
import { decodeTlv, encodeTlv } from './tlv.js';

export type { CodecOptions } from './codec-options.js';

function formatOf(format: number): ContentFormatId {
  if (!isContentFormat(format)) throw new CodecError('E_UNSUPPORTED_FORMAT', `content format ${format} is not an LwM2M format`);
  return canonicalFormat(format);
}

function singleValue(path: LwM2MPath, node: LwM2MNode, name: string): ResourceValue {
  checkNodeFitsPath(path, node);
  if (node.kind === 'resource' || node.kind === 'resourceInstance') return node.value;
  throw new CodecError('E_UNSUPPORTED_FORMAT', `${name} carries one value, not the ${node.kind} at ${formatPath(path)}`, undefined, formatPath(path));
}

function singleNode(path: LwM2MPath, value: ResourceValue): LwM2MNode {
  return path.resourceInstanceId !== undefined
    ? { kind: 'resourceInstance', id: path.resourceInstanceId, value }
    : { kind: 'resource', id: path.resourceId!, value };
}

function requireSingle(path: LwM2MPath, name: string): void {
  const level = pathLevel(path);
  if (level !== 'resource' && level !== 'resourceInstance') throw new CodecError('E_UNSUPPORTED_FORMAT', `${name} carries one value, not the ${level} ${formatPath(path)}`, undefined, formatPath(path));
}

/** Encodes the node at `path` in `format` (a Content-Format id; legacy 1542/1543 accepted). */
export function encode(format: number, path: LwM2MPath, node: LwM2MNode, opts: CodecOptions): Uint8Array {
  try {
    const f = formatOf(format);
    switch (f) {
      case ContentFormat.TEXT: return encodeTextPlain(path, singleValue(path, node, 'text/plain'), opts);
      case ContentFormat.OPAQUE: return encodeOpaque(path, singleValue(path, node, 'application/octet-stream') as Uint8Array, opts);
      case ContentFormat.CBOR: return encodeCbor(path, singleValue(path, node, 'application/cbor'), opts);
      case ContentFormat.TLV: return encodeTlv(path, node, opts);
      case ContentFormat.SENML_JSON: return encodeSenmlJson(nodeToRecords(path, node), opts, path);
      case ContentFormat.SENML_CBOR: return encodeSenmlCbor(nodeToRecords(path, node), opts, path);
      case ContentFormat.LWM2M_JSON: return encodeLwm2mJson(nodeToRecords(path, node), opts, path);
      case ContentFormat.LWM2M_CBOR: return encodeLwm2mCbor(nodeToRecords(path, node), opts);
      default: throw new CodecError('E_UNSUPPORTED_FORMAT', `${contentFormatName[f]} does not carry resource values (see core-link.ts)`);
    }
  } catch (e) {
    throw asCodecError(e);
  }
}

/** Decodes a payload addressed to `path` into the node at that path. */
export function decode(format: number, path: LwM2MPath, bytes: Uint8Array, opts: CodecOptions): LwM2MNode {
  try {
    const f = formatOf(format);
    checkSize(bytes, opts);
    switch (f) {
      case ContentFormat.TEXT: requireSingle(path, 'text/plain'); return singleNode(path, decodeTextPlain(path, bytes, opts));
      case ContentFormat.OPAQUE: requireSingle(path, 'application/octet-stream'); return singleNode(path, decodeOpaque(path, bytes, opts));
      case ContentFormat.CBOR: requireSingle(path, 'application/cbor'); return singleNode(path, decodeCbor(path, bytes, opts));
      case ContentFormat.TLV: return decodeTlv(path, bytes, opts);
      case ContentFormat.SENML_JSON: return recordsToNode(path, decodeSenmlJson(bytes, opts), opts.resolve);
      case ContentFormat.SENML_CBOR: return recordsToNode(path, decodeSenmlCbor(bytes, opts), opts.resolve);
      case ContentFormat.LWM2M_JSON: return recordsToNode(path, decodeLwm2mJson(bytes, opts), opts.resolve);
      case ContentFormat.LWM2M_CBOR: return recordsToNode(path, decodeLwm2mCbor(bytes, opts), opts.resolve);
      default: throw new CodecError('E_UNSUPPORTED_FORMAT', `${contentFormatName[f]} does not carry resource values (see core-link.ts)`);
    }
  } catch (e) {
    throw asCodecError(e);
  }
}

const RECORD_FORMATS: ReadonlySet<number> = new Set([ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.LWM2M_JSON, ContentFormat.LWM2M_CBOR]);

/** Whether a format carries flat multi-path records (composite operations, Send, timestamps). */
export function isRecordFormat(format: number): boolean {
  return isContentFormat(format) && RECORD_FORMATS.has(canonicalFormat(format));
}

/**
 * Encodes records at any paths (Read-/Observe-Composite answers, Write-Composite, Send,
 * timestamped notifications). `basePath` makes names relative to it (bn); `baseTime`
 * writes the first record's time as bt and the others' relative to it (when all have one).
 */
export function encodeRecords(format: number, records: readonly LwM2MRecord[], opts: CodecOptions & { basePath?: LwM2MPath; baseTime?: boolean }): Uint8Array {
  try {
    const f = formatOf(format);
    switch (f) {
      case ContentFormat.SENML_JSON: return encodeSenmlJson(records, opts, opts.basePath, opts.baseTime);
      case ContentFormat.SENML_CBOR: return encodeSenmlCbor(records, opts, opts.basePath, opts.baseTime);
      case ContentFormat.LWM2M_JSON: return encodeLwm2mJson(records, opts, opts.basePath, opts.baseTime);
      case ContentFormat.LWM2M_CBOR: return encodeLwm2mCbor(records, opts);
      default: throw new CodecError('E_UNSUPPORTED_FORMAT', `${contentFormatName[f]} does not carry multi-path records`);
    }
  } catch (e) {
    throw asCodecError(e);
  }
}

export function decodeRecords(format: number, bytes: Uint8Array, opts: CodecOptions): LwM2MRecord[] {
  try {
    const f = formatOf(format);
    switch (f) {
      case ContentFormat.SENML_JSON: return decodeSenmlJson(bytes, opts);
      case ContentFormat.SENML_CBOR: return decodeSenmlCbor(bytes, opts);
      case ContentFormat.LWM2M_JSON: return decodeLwm2mJson(bytes, opts);
      case ContentFormat.LWM2M_CBOR: return decodeLwm2mCbor(bytes, opts);
      default: throw new CodecError('E_UNSUPPORTED_FORMAT', `${contentFormatName[f]} does not carry multi-path records`);
    }
  } catch (e) {
    throw asCodecError(e);
  }
}

const NO_DESCRIPTORS: CodecOptions = { resolve: () => undefined };

/** A Read-/Observe-Composite request body: SenML records with names only. */
export function encodeCompositeRequest(format: number, paths: readonly LwM2MPath[]): Uint8Array {
  if (format !== ContentFormat.SENML_JSON && format !== ContentFormat.SENML_CBOR) {
    throw new CodecError('E_UNSUPPORTED_FORMAT', `composite requests are SenML JSON (110) or SenML CBOR (112), not ${format}`);
  }
  return encodeRecords(format, paths.map((path) => ({ path })), NO_DESCRIPTORS);
}

export function decodeCompositeRequest(format: number, bytes: Uint8Array, opts?: { maxBytes?: number }): LwM2MPath[] {
  try {
    const o: CodecOptions = { ...NO_DESCRIPTORS, maxBytes: opts?.maxBytes };
    if (format === ContentFormat.SENML_JSON) return decodeSenmlJson(bytes, o, 'forbidden').map((r) => r.path);
    if (format === ContentFormat.SENML_CBOR) return decodeSenmlCbor(bytes, o, 'forbidden').map((r) => r.path);
    throw new CodecError('E_UNSUPPORTED_FORMAT', `composite requests are SenML JSON (110) or SenML CBOR (112), not ${format}`);
  } catch (e) {
    throw asCodecError(e);
  }
}
