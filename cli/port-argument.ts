import { InvalidArgumentError } from 'commander';

/** A --port value: 0 (any) to 65535. */
export function portArgument(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535) throw new InvalidArgumentError('a port is a number in 0..65535');
  return n;
}
