/** The TypeScript type of one value of a resource, as generated code spells it. */
import type { ResourceDescriptor } from '../registry/descriptor.js';
import { isNumberTyped } from '../runtime/model/number-typed.js';

/** Above this many literals an enumeration is typed by its base type. */
const MAX_LITERALS = 64;

export function valueType(r: ResourceDescriptor): string {
  const c = r.range?.parsed;
  switch (r.type) {
    case 'string':
      return c?.kind === 'enum' && c.values.length <= MAX_LITERALS ? c.values.map((v) => JSON.stringify(v)).join(' | ') : 'string';
    case 'integer':
    case 'unsignedInteger': {
      if (c?.kind === 'range') {
        // An enumeration of whole numbers is typed by its values: `0 | 1 | 2`.
        const singles = c.intervals.every((i) => i.min === i.max && /^-?\d+$/.test(i.min));
        if (singles && c.intervals.length <= MAX_LITERALS) return c.intervals.map((i) => String(Number(i.min))).join(' | ');
      }
      // Integer without a range stays number (DESIGN.md); unsigned 64-bit values may exceed 2^53.
      return isNumberTyped(r) ? 'number' : 'number | bigint';
    }
    case 'float':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'opaque':
      return 'Uint8Array';
    case 'time':
      return 'Date';
    case 'objlnk':
      return 'ObjectLink';
    case 'corelnk':
      return 'readonly CoreLink[]';
    case 'none':
      return 'void';
  }
}
