/** application/cbor (60): one resource or resource-instance value as a single CBOR item. */
import type { LwM2MPath } from '../model/path.js';
import type { ResourceValue } from '../model/values.js';
import { asCodecError } from './codec-error.js';
import { cborDecode, cborEncode } from './cbor-engine.js';
import { checkForEncode, checkSize, type CodecOptions } from './codec-options.js';
import { CBOR_TAGS, fromCborValue, toCborValue } from './cbor-value.js';
import { resolveSingleValue } from './single-value-path.js';

export function encodeCbor(path: LwM2MPath, value: ResourceValue, opts: CodecOptions): Uint8Array {
  const r = resolveSingleValue(path, opts, 'application/cbor');
  return cborEncode(toCborValue(checkForEncode(value, r, opts, r.text), r.res));
}

export function decodeCbor(path: LwM2MPath, bytes: Uint8Array, opts: CodecOptions): ResourceValue {
  try {
    checkSize(bytes, opts);
    const r = resolveSingleValue(path, opts, 'application/cbor');
    return fromCborValue(cborDecode(bytes, { maxDepth: 2, tags: CBOR_TAGS }), r.res, r.obj, r.text, opts.check !== false);
  } catch (e) {
    throw asCodecError(e);
  }
}
