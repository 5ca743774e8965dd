/**
 * Names of what a package exports for each object version. The newest version of an
 * object gets the plain name (`Device`), older ones a version suffix (`Device_v1_1`); two
 * objects whose names give the same identifier keep it for the lowest ID, the other gets
 * `_<id>`. Every export also has a `<Name>Schema` type, which must not collide either.
 */
import type { ObjectDescriptor } from '../registry/descriptor.js';
import type { Diagnostic } from './diagnostics.js';
import { kebabCase, pascalCase } from './names.js';

export interface ObjectNames {
  /** The exported constant: `Device`, `Device_v1_1`. */
  readonly value: string;
  /** The exported schema type: `DeviceSchema`. */
  readonly schema: string;
  /** Module path inside the package, without extension: `objects/3-device`. */
  readonly module: string;
}

const reserved = new Set([
  'Object', 'Array', 'Map', 'Set', 'Date', 'String', 'Number', 'Boolean', 'BigInt', 'Symbol', 'Promise',
  'Error', 'Uint8Array', 'JSON', 'Math', 'Function', 'Record', 'Partial', 'Readonly', 'ReadonlyMap',
  'Res', 'ObjectType', 'ObjectDescriptor', 'ObjectLink', 'CoreLink', 'Registry', 'Infinity', 'NaN',
  'registry', 'objects', 'defineObject', 'createRegistry',
]);

/**
 * `newest` maps each id to its newest version among `all`. Diagnostics report renamed
 * objects against the file that defined them.
 */
export function nameObjects(
  all: readonly { descriptor: ObjectDescriptor; file: string }[],
  diagnostics: Diagnostic[],
): Map<ObjectDescriptor, ObjectNames> {
  const newest = new Map<number, { descriptor: ObjectDescriptor; file: string }>();
  for (const o of all) newest.set(o.descriptor.id, o); // input is sorted by id, then version
  const taken = new Set<string>();
  const base = new Map<number, string>();
  for (const [id, { descriptor, file }] of [...newest].sort((a, b) => a[0] - b[0])) {
    const wanted = pascalCase(descriptor.name) || `Object${id}`;
    let name = wanted;
    if (reserved.has(name) || taken.has(name) || taken.has(`${name}Schema`)) {
      name = `${wanted}_${id}`;
      diagnostics.push({
        severity: 'warning', code: 'W_IDENTIFIER_COLLISION', file, field: 'Name',
        message: `object ${id} "${descriptor.name}" gives "${wanted}", already taken or reserved; "${name}" is used`,
      });
    }
    taken.add(name);
    taken.add(`${name}Schema`);
    base.set(id, name);
  }
  const out = new Map<ObjectDescriptor, ObjectNames>();
  for (const { descriptor } of all) {
    const b = base.get(descriptor.id)!;
    const isNewest = newest.get(descriptor.id)!.descriptor === descriptor;
    const suffix = isNewest ? '' : `_v${descriptor.version.replace('.', '_')}`;
    const stem = [String(descriptor.id), kebabCase(newest.get(descriptor.id)!.descriptor.name)].filter((s) => s !== '').join('-');
    out.set(descriptor, {
      value: `${b}${suffix}`,
      schema: `${b}${suffix}Schema`,
      module: `objects/${stem}${isNewest ? '' : `-v${descriptor.version.replace('.', '_')}`}`,
    });
  }
  return out;
}
