/** Keys of block-wise state: which resource a request addresses, and where its Block2 body is kept. */
import { Method } from './codes.js';
import type { CoapOption } from './message.js';
import { OptionNumber as O } from './options.js';
import { tokenKey } from './token-source.js';

const bytesKey = tokenKey;

/** For Block1 reassembly: method, URI and Accept. */
export function requestKey(code: number, options: readonly CoapOption[]): string {
  let k = `${code}`;
  for (const o of options) {
    const n = o.number;
    if (n === O.UriHost || n === O.UriPort || n === O.UriPath || n === O.UriQuery || n === O.Accept) k += `|${n}=${bytesKey(o.value)}`;
  }
  return k;
}

/**
 * For a stored Block2 body. Follow-ups come as GET for every method but FETCH; a FETCH
 * follow-up repeats the body only when it fit one block (else it carries none).
 */
export function bodyKey(code: number, options: readonly CoapOption[], fetchBody: Uint8Array): string {
  return code === Method.FETCH ? `${requestKey(code, options)}|${bytesKey(fetchBody)}` : requestKey(Method.GET, options);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
