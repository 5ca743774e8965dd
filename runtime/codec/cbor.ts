/** application/cbor (60): one resource or resource-instance value as a single CBOR item. */
import type { LwM2MPath } from '../model/path.js';
import type { ResourceValue } from '../model/values.js';
import { CodecError, asCodecError } from './codec-error.js';
import { cborEncode } from './cbor-engine.js';
import { CborReader } from './cbor-reader.js';
import { checkForEncode, checkSize, type CodecOptions } from './codec-options.js';
import { fromCborValue, readCborLeaf, toCborValue } from './cbor-value.js';
import { resolveSingleValue } from './single-value-path.js';

export function encodeCbor(path: LwM2MPath, value: ResourceValue, opts: CodecOptions): Uint8Array {
  const r = resolveSingleValue(path, opts, 'application/cbor');
  return cborEncode(toCborValue(checkForEncode(value, r, opts, r.text), r.res));
}

export function decodeCbor(path: LwM2MPath, bytes: Uint8Array, opts: CodecOptions): ResourceValue {
  try {
    checkSize(bytes, opts);
    const r = resolveSingleValue(path, opts, 'application/cbor');
    if (bytes.length === 0) throw new CodecError('E_TRUNCATED', 'CBOR: empty payload', 0);
    const rd = new CborReader(bytes); // one item read in place: nothing to allocate for, no tags but Time's
    const v = readCborLeaf(rd, r.text);
    if (!rd.atEnd) throw new CodecError('E_TRAILING_BYTES', `CBOR: ${bytes.length - rd.pos} bytes after the item at offset ${rd.pos}`, rd.pos);
    return fromCborValue(v, r.res, r.obj, r.text, opts.check !== false);
  } catch (e) {
    throw asCodecError(e);
  }
}
