/** application/octet-stream (42): the bytes of one Opaque resource, as they are. */
import type { LwM2MPath } from '../model/path.js';
import { CodecError, asCodecError } from './codec-error.js';
import { checkForEncode, checkSize, type CodecOptions } from './codec-options.js';
import { checkOrCodecError } from './senml-value.js';
import { resolveSingleValue } from './single-value-path.js';

function resolveOpaque(path: LwM2MPath, opts: CodecOptions): ReturnType<typeof resolveSingleValue> {
  const r = resolveSingleValue(path, opts, 'application/octet-stream');
  if (r.res.type !== 'opaque') throw new CodecError('E_UNSUPPORTED_FORMAT', `application/octet-stream carries Opaque resources only; ${r.text} is ${r.res.type}`, undefined, r.text);
  return r;
}

export function encodeOpaque(path: LwM2MPath, value: Uint8Array, opts: CodecOptions): Uint8Array {
  const r = resolveOpaque(path, opts);
  return checkForEncode(value, r, opts, r.text) as Uint8Array;
}

export function decodeOpaque(path: LwM2MPath, bytes: Uint8Array, opts: CodecOptions): Uint8Array {
  try {
    checkSize(bytes, opts);
    const r = resolveOpaque(path, opts);
    const v = new Uint8Array(bytes); // a plain copy: the caller's buffer may be reused
    return (opts.check === false ? v : checkOrCodecError(v, r.res, r.obj, r.text)) as Uint8Array;
  } catch (e) {
    throw asCodecError(e);
  }
}
