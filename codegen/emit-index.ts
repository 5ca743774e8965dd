/** The package's entry module: every object version re-exported, and a registry of them all. */
import { printStructure, StructureKind, VariableDeclarationKind, type StatementStructures } from 'ts-morph';
import type { Target } from './emit-object.js';
import { printOptions } from './emit-object.js';
import type { ObjectNames } from './object-names.js';

export function emitIndex(modules: readonly ObjectNames[], target: Target, runtimeImport: string, header: string): string {
  const statements: StatementStructures[] = [];
  const spec = (n: ObjectNames): string => `./${n.module}.js`;
  if (target !== 'dts') {
    statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: runtimeImport, namedImports: ['createRegistry'] });
    for (const n of modules) statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: spec(n), namedImports: [n.value] });
  } else {
    statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: runtimeImport, isTypeOnly: true, namedImports: ['Registry'] });
  }
  if (target === 'ts') statements.push({ kind: StructureKind.ImportDeclaration, moduleSpecifier: runtimeImport, isTypeOnly: true, namedImports: ['Registry'] });
  for (const n of modules) {
    statements.push({
      kind: StructureKind.ExportDeclaration,
      moduleSpecifier: spec(n),
      namedExports: target === 'js' ? [n.value] : [n.value, `type ${n.schema}`],
    });
  }
  statements.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    hasDeclareKeyword: target === 'dts',
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Every object version of this package, for `createRegistry` and the client and server runtimes.'],
    declarations: [{
      name: 'registry',
      type: target === 'js' ? undefined : 'Registry',
      initializer: target === 'dts' ? undefined : `/*#__PURE__*/ createRegistry(${modules.map((n) => n.value).join(', ')})`,
    }],
  });
  return printStructure({ kind: StructureKind.SourceFile, leadingTrivia: header, statements }, printOptions);
}
