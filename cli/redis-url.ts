/** A --redis value: a redis:// or rediss:// URL, refused as a usage error otherwise. */
import { InvalidArgumentError } from 'commander';

export function redisUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError('a Redis URL looks like redis://127.0.0.1:6379');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new InvalidArgumentError('a Redis URL starts with redis:// or rediss://');
  return value;
}
