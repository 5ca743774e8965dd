/**
 * Deterministic identifiers from registry names. The numeric ID stays canonical; a name
 * only has to be a stable, readable handle. Rules: words split on anything that is not a
 * letter or digit (after folding accents); ALL-CAPS words are capitalised ("URI" -> "Uri");
 * a leading digit gets an underscore; reserved names and collisions get `_<id>`.
 */

/**
 * Members of generated instances (ObjectInstance) and of server-side instance handles that a
 * resource must not shadow; test/codegen/reserved-names.test.ts keeps this list complete.
 */
export const reservedMembers: ReadonlySet<string> = new Set([
  'constructor', 'prototype', '__proto__', 'toString', 'valueOf', 'toJSON', 'hasOwnProperty',
  'id', 'descriptor', 'object', 'instance', 'resource', 'resources', 'path', 'read', 'write', 'execute',
  'discover', 'observe', 'create', 'delete', 'then', 'values', 'get', 'set', 'on', 'off', 'emit',
  'presentResources', 'has', 'readInstance', 'applyWrite', 'validateWrite', 'validateDelete', 'onChange', 'peek',
]);

function words(name: string): string[] {
  const folded = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return folded.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
}

function capitalise(word: string): string {
  // The protocol's own name keeps its spelling however a registry file capitalises it.
  if (/^lwm2m$/i.test(word)) return 'LwM2M';
  const w = /^[A-Z0-9]+$/.test(word) && /[A-Z]{2}/.test(word) ? word[0] + word.slice(1).toLowerCase() : word;
  return w[0]!.toUpperCase() + w.slice(1);
}

function leadingDigit(id: string): string {
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/** "Short Server ID" -> "shortServerId"; "" -> "". */
export function camelCase(name: string): string {
  const ws = words(name);
  if (ws.length === 0) return '';
  const [first, ...rest] = ws;
  const head = /^[A-Z0-9]+$/.test(first!) || /^lwm2m$/i.test(first!) ? first!.toLowerCase() : first![0]!.toLowerCase() + first!.slice(1);
  return leadingDigit(head + rest.map(capitalise).join(''));
}

/** "LwM2M Server" -> "LwM2MServer". */
export function pascalCase(name: string): string {
  return leadingDigit(words(name).map(capitalise).join(''));
}

/** "LwM2MServer" -> "lw-m2-m-server" would be ugly: file names come from the words instead. */
export function kebabCase(name: string): string {
  return words(name).map((w) => w.toLowerCase()).join('-');
}

interface Named {
  readonly id: number;
  readonly name: string;
}

/**
 * Assigns unique resource identifiers (camelCase), in ascending ID order so that the result
 * does not depend on input order: the lowest ID keeps the plain name, later holders of the
 * same identifier (or of a reserved member) get `_<id>`. `collided` receives each item that
 * had to be renamed. Object names follow their own rule (object-names.ts).
 */
export function assignIdentifiers<T extends Named>(
  items: readonly T[],
  fallback: (id: number) => string,
  collided: (item: T, wanted: string) => void = () => {},
): Map<T, string> {
  const taken = new Set<string>();
  const out = new Map<T, string>();
  for (const item of [...items].sort((a, b) => a.id - b.id)) {
    const base = camelCase(item.name) || fallback(item.id);
    let id = base;
    if (taken.has(id) || reservedMembers.has(id)) {
      id = `${base}_${item.id}`;
      collided(item, base);
    }
    taken.add(id);
    out.set(item, id);
  }
  return out;
}
