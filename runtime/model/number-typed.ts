/**
 * Which integer resources generated code types as plain `number`: an Integer without a range
 * (DESIGN.md), or an integer whose range stays within ±(2^53 - 1). The codec reads any 64-bit
 * value; the typed layers refuse one beyond 2^53 for these resources instead of handing out a
 * bigint their type does not admit.
 */
import type { ResourceDescriptor } from '../../registry/descriptor.js';

const SAFE_MAX = 2 ** 53 - 1;

export function isNumberTyped(r: ResourceDescriptor): boolean {
  if (r.type !== 'integer' && r.type !== 'unsignedInteger') return false;
  const c = r.range?.parsed;
  if (c?.kind === 'range') return c.intervals.every((i) => Math.abs(Number(i.min)) <= SAFE_MAX && Math.abs(Number(i.max)) <= SAFE_MAX);
  return r.type === 'integer';
}
