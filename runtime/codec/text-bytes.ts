/** UTF-8 and base64 conversions with strict validation (Buffer's own decoders skip bad input silently). */
import { isUtf8 } from 'node:buffer';
import { CodecError } from './codec-error.js';

const encoder = new TextEncoder();

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Strict UTF-8 (a BOM is kept as U+FEFF: the text is returned exactly). */
export function utf8Decode(b: Uint8Array, offset = 0): string {
  // Short ASCII is the common case (values, names); a loop beats a native call there.
  if (b.length < 32) {
    let ascii = true;
    for (let k = 0; k < b.length; k++) if (b[k]! > 0x7f) { ascii = false; break; }
    if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  // isUtf8 + toString is several times faster than a fatal TextDecoder per call.
  if (!isUtf8(b)) throw new CodecError('E_UTF8', 'invalid UTF-8 text', offset);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/** Standard base64 with padding (text/plain opaque values, LwM2M JSON). */
export function base64Encode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** base64url without padding (SenML JSON vd). */
export function base64UrlEncode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

const STD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes base64 of the given alphabet; padding is optional on input (senders differ). */
export function base64Decode(s: string, alphabet: 'std' | 'url', offset = 0): Uint8Array {
  const unpadded = s.replace(/={1,2}$/, '');
  const ok = (alphabet === 'std' ? STD : URL).test(s) && unpadded.length % 4 !== 1 && (s.length === unpadded.length || s.length % 4 === 0);
  if (!ok) throw new CodecError('E_BASE64', `invalid ${alphabet === 'std' ? 'base64' : 'base64url'} text`, offset);
  return new Uint8Array(Buffer.from(unpadded, alphabet === 'std' ? 'base64' : 'base64url'));
}
