/** Request tokens: 8 random bytes drawn from a pooled CSPRNG buffer (RFC 9175 asks for unguessable tokens). */
import { randomFillSync } from 'node:crypto';

export class TokenSource {
  private readonly pool = new Uint8Array(4096);
  private pos = this.pool.length;

  next(length = 8): Uint8Array {
    if (this.pos + length > this.pool.length) {
      randomFillSync(this.pool);
      this.pos = 0;
    }
    const t = this.pool.slice(this.pos, this.pos + length);
    this.pos += length;
    return t;
  }
}

/** A string key of a token, for maps. */
export function tokenKey(token: Uint8Array): string {
  let s = '';
  for (let i = 0; i < token.length; i++) s += String.fromCharCode(token[i] as number);
  return s;
}
