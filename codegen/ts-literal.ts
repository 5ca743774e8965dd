/**
 * Prints a descriptor as a TypeScript/JavaScript object literal: single quotes, bare keys,
 * one resource per line so that a regeneration diff shows exactly what changed.
 */
export function literal(value: unknown, indent = '', depth = 0): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    // Arrays of objects at the top levels get a line each; deeper ones stay inline.
    if (depth < 2 && typeof value[0] === 'object') {
      const inner = `${indent}  `;
      return `[\n${value.map((v) => `${inner}${literal(v, inner, depth + 1)},`).join('\n')}\n${indent}]`;
    }
    return `[${value.map((v) => literal(v, indent, depth + 1)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    if (depth === 0) {
      const inner = `${indent}  `;
      return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${literal(v, inner, depth + 1)},`).join('\n')}\n${indent}}`;
    }
    return `{ ${entries.map(([k, v]) => `${key(k)}: ${literal(v, indent, depth + 1)}`).join(', ')} }`;
  }
  throw new TypeError(`cannot print ${typeof value} as a literal`);
}

function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
}

/** A single-quoted string literal; escapes what would end it or change its meaning. */
export function quote(s: string): string {
  return `'${s.replace(/[\\'\n\r\t\u2028\u2029]|[\u0000-\u001f]/g, (c) => {
    switch (c) {
      case '\\': return '\\\\';
      case "'": return "\\'";
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  })}'`;
}
