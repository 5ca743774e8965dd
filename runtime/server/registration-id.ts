/**
 * Registration ids: 48 random bits, base64url (8 characters). Drawn from a pooled CSPRNG
 * buffer: one randomBytes call per registration cost more than the rest of a Register.
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 6;
const pool = Buffer.alloc(ID_BYTES * 512);
let pos = pool.length;

export function newRegistrationId(): string {
  if (pos + ID_BYTES > pool.length) {
    randomFillSync(pool);
    pos = 0;
  }
  const id = pool.toString('base64url', pos, pos + ID_BYTES);
  pos += ID_BYTES;
  return id;
}
