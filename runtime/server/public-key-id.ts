/**
 * One name per public key: the same EC key may come as SPKI with a compressed or an
 * uncompressed point (node:crypto keeps the form it was given), so keys are compared by
 * curve and coordinates, never by their bytes.
 */
import { createPublicKey } from 'node:crypto';

/** "crv:x:y" of an EC public key given as SPKI DER; undefined when the bytes are not one. */
export function publicKeyId(spki: Uint8Array): string | undefined {
  try {
    const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    if (jwk.kty !== 'EC' || jwk.crv === undefined || jwk.x === undefined || jwk.y === undefined) return undefined;
    return `${jwk.crv}:${jwk.x}:${jwk.y}`;
  } catch {
    return undefined;
  }
}
