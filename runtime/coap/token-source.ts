/** Request tokens: 8 random bytes drawn from a pooled CSPRNG buffer (RFC 9175 asks for unguessable tokens). */
import { randomFillSync } from 'node:crypto';

const POOL = 4096;

export class TokenSource {
  private pool = new Uint8Array(0);
  private pos = 0;

  /**
   * Tokens are views into a pool that is never refilled: a used-up pool is replaced by a new
   * one, so a token still in use keeps its bytes (a copy per token cost an ArrayBuffer each).
   */
  next(length = 8): Uint8Array {
    if (this.pos + length > this.pool.length) {
      this.pool = randomFillSync(new Uint8Array(POOL));
      this.pos = 0;
    }
    const t = this.pool.subarray(this.pos, this.pos + length);
    this.pos += length;
    return t;
  }
}

/** A string key of a token, for maps. */
export function tokenKey(token: Uint8Array): string {
  // Our own tokens are 8 bytes: one string at once, not one per byte.
  if (token.length === 8) return String.fromCharCode(token[0]!, token[1]!, token[2]!, token[3]!, token[4]!, token[5]!, token[6]!, token[7]!);
  let s = '';
  for (let i = 0; i < token.length; i++) s += String.fromCharCode(token[i] as number);
  return s;
}
