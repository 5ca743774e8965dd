/**
 * The generator as a function: XML files and folders in, the files of a package out (in
 * memory; writing is the caller's, so that a failed run writes nothing).
 */
import { CodegenError, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import type { Target } from './emit-object.js';
import type { EmitJob } from './emit-jobs.js';
import { startEmitter, type Emitter } from './emitter.js';
import { loadObjects } from './load-objects.js';
import { nameObjects, type ObjectNames } from './object-names.js';
import type { ObjectDescriptor } from '../registry/descriptor.js';
import { fileHeader } from './provenance.js';
import { readSources, type XmlSource } from './read-sources.js';
import { notices, packageJson, readme } from './scaffold-package.js';
import { checkSchemas } from './xsd-check.js';

export interface GenerateOptions {
  /** XML files and folders (searched recursively for *.xml). */
  readonly inputs: readonly string[];
  /** npm package name of the output. */
  readonly packageName?: string;
  readonly packageVersion?: string;
  /** Only these object ids. */
  readonly objects?: readonly number[];
  /** Every version found, not only the newest of each object. */
  readonly allVersions?: boolean;
  /** Schema (XSD) and specification rules; warnings become errors. */
  readonly strict?: boolean;
  /** Default: js and dts, a package ready to publish. `ts` emits TypeScript sources. */
  readonly targets?: readonly Target[];
  /** Default: 'lwm2m-sdk/genv1'. */
  readonly runtimeImport?: string;
  /** Only the modules and the notices: no package.json, no README. */
  readonly bare?: boolean;
  readonly cwd?: string;
  /** Called as objects are emitted. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Print the modules on a worker thread, started at once so that loading the printer
   * (ts-morph and the TypeScript compiler) overlaps reading the XML. Default false.
   */
  readonly parallel?: boolean;
  /** Called with each output file as soon as it is made (only once the input is known to be valid). */
  readonly onFile?: (path: string, content: string) => void;
}

export interface GenerateStats {
  readonly files: number;
  readonly copies: number;
  readonly skipped: number;
  readonly objects: number;
  readonly objectIds: number;
  readonly resources: number;
  readonly warnings: Readonly<Partial<Record<DiagnosticCode, number>>>;
}

export interface GeneratedObject {
  readonly descriptor: ObjectDescriptor;
  readonly names: ObjectNames;
  /** The file it was read from. */
  readonly source: string;
}

export interface GenerateResult {
  /** Output path (relative, forward slashes) -> content. */
  readonly files: ReadonlyMap<string, string>;
  /** What the package exports, sorted by id then version. */
  readonly objects: readonly GeneratedObject[];
  readonly diagnostics: readonly Diagnostic[];
  readonly stats: GenerateStats;
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const emitter = startEmitter(options.parallel ?? false);
  try {
    return await generateWith(options, emitter);
  } finally {
    emitter.close();
  }
}

async function generateWith(options: GenerateOptions, emitter: Emitter): Promise<GenerateResult> {
  const targets = options.targets ?? ['js', 'dts'];
  const runtimeImport = options.runtimeImport ?? 'lwm2m-sdk/genv1';
  const read = readSources(options.inputs, options.cwd);
  if (read.sources.length === 0 && read.diagnostics.length === 0) {
    throw new CodegenError('E_NO_INPUT', 'no XML file found in the inputs given');
  }
  const loaded = loadObjects(read.sources, { ...(options.objects ? { objects: options.objects } : {}), allVersions: options.allVersions ?? false });
  let diagnostics: Diagnostic[] = [...read.diagnostics, ...loaded.diagnostics];
  if (options.strict) {
    diagnostics.push(...(await checkSchemas(read.sources)));
    diagnostics = diagnostics.map((d) => (d.severity === 'warning' && d.code !== 'W_NOT_OBJECT_FILE' ? { ...d, severity: 'error' as const } : d));
  }
  const names = nameObjects(loaded.objects.map((o) => ({ descriptor: o.descriptor, file: o.source.file })), diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new CodegenError(errors[0]!.code as 'E_XML_MALFORMED', `${errors.length} error(s) in the input; nothing was written`, diagnostics);
  }
  if (loaded.objects.length === 0) {
    throw new CodegenError('E_NO_INPUT', options.objects ? `none of the objects ${options.objects.join(',')} is defined in the inputs` : 'no object definition in the inputs', diagnostics);
  }

  const optionText = [options.allVersions ? '--all-versions' : '', options.strict ? '--strict' : ''].filter((s) => s !== '').join(' ');
  const files = new Map<string, string>();
  const emit = (path: string, content: string): void => {
    files.set(path, content);
    options.onFile?.(path, content);
  };
  const used = new Map<string, XmlSource>();
  const jobs: EmitJob[] = [];
  for (const { descriptor, source } of loaded.objects) {
    used.set(source.file, source);
    const n = names.get(descriptor)!;
    jobs.push({ kind: 'object', descriptor, names: n, targets, runtimeImport: runtimeImportFrom(runtimeImport, n.module), header: fileHeader([source], optionText) });
  }
  const modules = loaded.objects.map((o) => names.get(o.descriptor)!);
  jobs.push({ kind: 'index', modules, targets, runtimeImport: runtimeImportFrom(runtimeImport, 'index'), header: fileHeader([], optionText) });
  let done = 0;
  await emitter.run(jobs, (path, content) => {
    emit(path, content);
    if (++done % targets.length === 0 && done / targets.length <= loaded.objects.length) options.onProgress?.(done / targets.length, loaded.objects.length);
  });

  const sources = [...used.values()];
  emit('THIRD-PARTY-NOTICES.md', notices(sources));
  if (!options.bare) {
    const info = { name: options.packageName ?? 'lwm2m-objects', version: options.packageVersion ?? '0.1.0' };
    // TypeScript sources are compiled by the user's project: a package.json would point at nothing.
    if (targets.includes('js')) emit('package.json', packageJson(info, sources, loaded.objects.map((o) => o.descriptor)));
    emit('README.md', readme(info, sources.length, loaded.objects.map((o) => ({ descriptor: o.descriptor, names: names.get(o.descriptor)! }))));
  }

  const warnings: Partial<Record<DiagnosticCode, number>> = {};
  for (const d of diagnostics) if (d.severity === 'warning') warnings[d.code] = (warnings[d.code] ?? 0) + 1;
  return {
    files,
    objects: loaded.objects.map((o) => ({ descriptor: o.descriptor, names: names.get(o.descriptor)!, source: o.source.file })),
    diagnostics,
    stats: {
      files: read.sources.length,
      copies: loaded.copies,
      skipped: loaded.skipped,
      objects: loaded.objects.length,
      objectIds: new Set(loaded.objects.map((o) => o.descriptor.id)).size,
      resources: loaded.objects.reduce((n, o) => n + o.descriptor.resources.length, 0),
      warnings,
    },
  };
}

/** A relative runtime import is given from the output root; each module needs it from its own folder. */
function runtimeImportFrom(specifier: string, module: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const depth = module.split('/').length - 1;
  return depth === 0 ? specifier : `${'../'.repeat(depth)}${specifier.replace(/^\.\//, '')}`;
}
