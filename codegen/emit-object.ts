/**
 * One object version -> its module: a schema interface (the types every client and server
 * type derives from) and a descriptor constant, built as ts-morph structures and printed.
 * Three targets: `ts` (both in one file), `js` (the descriptor) and `dts` (the types).
 */
import { printStructure, StructureKind, VariableDeclarationKind, type InterfaceDeclarationStructure, type OptionalKind, type PropertySignatureStructure, type SourceFileStructure, type StatementStructures } from 'ts-morph';
import type { ObjectDescriptor, ResourceDescriptor } from '../registry/descriptor.js';
import type { ObjectNames } from './object-names.js';
import { literal } from './ts-literal.js';
import { valueType } from './value-type.js';

export type Target = 'ts' | 'js' | 'dts';

export interface EmitContext {
  /** Module specifier of the runtime: 'lwm2m-sdk/genv1', or a relative path inside lwm2m-sdk itself. */
  readonly runtimeImport: string;
  readonly header: string;
}

const DESCRIPTOR = '__LWM2M_SDK_DESCRIPTOR__';
const DOC = '__LWM2M_SDK_DOC_';

export const printOptions = { indentNumberOfSpaces: 2, useSingleQuote: true } as const;

export function emitObject(d: ObjectDescriptor, names: ObjectNames, target: Target, ctx: EmitContext): string {
  const statements: StatementStructures[] = [];
  const valueTypes = d.resources.map(valueType);
  const needs = (t: string): boolean => valueTypes.some((v) => v.includes(t));
  const typeImports = ['ObjectType', 'Res', ...(needs('ObjectLink') ? ['ObjectLink'] : []), ...(needs('CoreLink') ? ['CoreLink'] : [])];
  if (target !== 'dts') {
    statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: ctx.runtimeImport, namedImports: ['defineObject'] });
  }
  if (target !== 'js') {
    statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: ctx.runtimeImport, isTypeOnly: true, namedImports: typeImports });
    statements.push(schemaInterface(d, names, valueTypes));
  }
  statements.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    hasDeclareKeyword: target === 'dts',
    declarationKind: VariableDeclarationKind.Const,
    docs: [objectDoc(d)],
    declarations: [{
      name: names.value,
      type: target === 'js' ? undefined : `ObjectType<${names.schema}>`,
      initializer: target === 'dts' ? undefined : `/*#__PURE__*/ defineObject(${DESCRIPTOR})`,
    }],
  });
  const file: SourceFileStructure = { kind: StructureKind.SourceFile, leadingTrivia: ctx.header, statements };
  const printed = spliceResourceDocs(printStructure(file, printOptions), d);
  // The descriptor is data, printed by ts-literal and spliced in after the structure printer,
  // which inspects every character it writes: this halves the time to emit the registry.
  return target === 'dts' ? printed : printed.replace(DESCRIPTOR, () => literal(d));
}

function schemaInterface(d: ObjectDescriptor, names: ObjectNames, valueTypes: readonly string[]): InterfaceDeclarationStructure {
  return {
    kind: StructureKind.Interface,
    name: names.schema,
    isExported: true,
    docs: [`Resources of ${d.name} (${d.id}) version ${d.version}, as types.`],
    properties: d.resources.map((r, i): OptionalKind<PropertySignatureStructure> => ({
      name: r.identifier,
      isReadonly: true,
      docs: [`${DOC}${i}`],
      type: `Res<${resTypeArgs(r, valueTypes[i]!)}>`,
    })),
  };
}

/**
 * Resource docs are most of a schema's text: the structure printer gets a placeholder each,
 * and the JSDoc block is written here, as the printer would, at the interface's indentation.
 */
function spliceResourceDocs(printed: string, d: ObjectDescriptor): string {
  return printed.replace(new RegExp(`/\\*\\* ${DOC}(\\d+) \\*/`, 'g'), (_, i: string) => {
    const lines = resourceDoc(d.resources[Number(i)]!).split('\n');
    return `/**\n${lines.map((l) => (l === '' ? '   *' : `   * ${l}`)).join('\n')}\n   */`;
  });
}

function resTypeArgs(r: ResourceDescriptor, value: string): string {
  const args = [value, `'${r.operations}'`];
  if (r.mandatory || r.multiple) args.push(String(r.mandatory));
  if (r.multiple) args.push('true');
  return args.join(', ');
}

function objectDoc(d: ObjectDescriptor): string {
  const shape = `${d.multiple ? 'Multiple' : 'Single'} instance${d.multiple ? 's' : ''}, ${d.mandatory ? 'mandatory' : 'optional'}. LwM2M ${d.lwm2mVersion}, ${d.urn}.`;
  return docText(`${d.name} (${d.id}) version ${d.version}. ${shape}${d.description ? `\n\n${d.description}` : ''}`);
}

function resourceDoc(r: ResourceDescriptor): string {
  const facts = [
    `ID ${r.id}`,
    r.operations || 'no operations',
    r.multiple ? 'multiple' : 'single',
    r.mandatory ? 'mandatory' : 'optional',
    r.type === 'none' ? undefined : r.type,
    r.range ? `range ${r.range.raw.replace(/\s+/g, ' ')}` : undefined,
    r.units ? `unit ${r.units}` : undefined,
  ].filter((f) => f !== undefined);
  return docText(`${r.name} (${facts.join(', ')}).${r.description ? `\n\n${r.description}` : ''}`);
}

/** Text safe inside a JSDoc block: no comment terminator, no CR. */
function docText(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(/\*\//g, '*\\/').replace(/[ \t]+$/gm, '').trim();
}
