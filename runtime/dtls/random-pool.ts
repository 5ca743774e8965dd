import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let used = POOL_SIZE;

/**
 * Fresh random bytes (randoms, session IDs, CIDs) from a pool filled by the CSPRNG 4 KiB at
 * a time: one randomBytes call per handshake value cost more than the value's use. Each byte
 * is handed out once, as a copy.
 */
export function randomBytesPooled(n: number): Uint8Array {
  if (n > POOL_SIZE) return new Uint8Array(randomFillSync(new Uint8Array(n)));
  if (used + n > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  const out = new Uint8Array(pool.subarray(used, used + n));
  // Spent bytes are wiped so that nothing later (a heap dump) can find what was handed out.
  pool.fill(0, used, used + n);
  used += n;
  return out;
}
