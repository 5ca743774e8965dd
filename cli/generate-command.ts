/** `lwm2m-sdk generate`: flags or a config file -> generate() -> an atomic write, or a check. */
import { statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CodegenError, formatDiagnostic, type Diagnostic } from '../codegen/diagnostics.js';
import type { Target } from '../codegen/emit-object.js';
import type { GenerateOptions } from '../codegen/generate.js';
import { diffOutput, OutputWriter } from '../codegen/write-output.js';
import { ConfigError, npmPackageName, readGenerateConfig } from './generate-config.js';
import { exitCodes, paint } from './terminal.js';

interface Flags {
  out?: string;
  package?: string;
  packageVersion?: string;
  objects?: number[];
  allVersions?: boolean;
  strict?: boolean;
  check?: boolean;
  target?: Target[];
  runtimeImport?: string;
  bare?: boolean;
  config?: string;
  verbose?: boolean;
  quiet?: boolean;
}

function objectList(value: string): number[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0 || ids.some((s) => !/^\d{1,5}$/.test(s) || Number(s) > 65535)) {
    throw new InvalidArgumentError('give object IDs separated by commas, each in 0..65535 (e.g. 3,3303)');
  }
  return ids.map(Number);
}

function targetList(value: string): Target[] {
  const ts = value.split(',').map((s) => s.trim());
  if (ts.some((t) => t !== 'ts' && t !== 'js' && t !== 'dts')) throw new InvalidArgumentError('targets are ts, js and dts, separated by commas');
  // index.ts beside index.d.ts would shadow it: sources and a built package are separate runs.
  if (ts.includes('ts') && ts.length > 1) throw new InvalidArgumentError('ts cannot be combined with js or dts');
  return ts as Target[];
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('Generate typed TypeScript object classes and an npm package from LwM2M object definition XML')
    .argument('[inputs...]', 'XML files and folders (searched recursively for *.xml)')
    .option('-o, --out <dir>', 'output folder (replaced as a whole, atomically)')
    .option('-p, --package <name>', 'npm package name of the output', 'lwm2m-objects')
    .option('--package-version <semver>', 'version of the output package', '0.1.0')
    .option('--objects <ids>', 'only these object IDs, e.g. 3,3303', objectList)
    .option('--all-versions', 'every version of each object, not only the newest')
    .option('--strict', 'check the XML schema and the specification rules; warnings become errors')
    .option('--check', 'write nothing; exit 3 when the output folder differs from what would be generated')
    .addOption(new Option('--target <list>', 'what to emit: js,dts (a package ready to publish) or ts (sources)').argParser(targetList))
    .option('--runtime-import <specifier>', 'module the generated code imports its runtime from', 'lwm2m-sdk/genv1')
    .option('--bare', 'only the modules and notices: no package.json or README')
    .option('-c, --config <file>', 'read these options from a JSON file (paths relative to it)')
    .option('-v, --verbose', 'list every warning')
    .option('-q, --quiet', 'print errors only')
    .action(async (inputs: string[], flags: Flags) => {
      process.exitCode = await runGenerate(inputs, flags);
    });
}

async function runGenerate(inputs: string[], flags: Flags): Promise<number> {
  let options: GenerateOptions;
  let out: string;
  try {
    ({ options, out } = resolveOptions(inputs, flags));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) {
      console.error(paint.red(`error: ${e.message}`));
      return exitCodes.usage;
    }
    throw e;
  }
  const started = performance.now();
  // The generator loads ts-morph and the TypeScript compiler: only for this command, not for the whole CLI.
  const { generate } = await import('../codegen/generate.js');
  const bar = process.stderr.isTTY && !flags.quiet ? new cliProgress.SingleBar({ stream: process.stderr, clearOnComplete: true, hideCursor: true, format: 'generating {bar} {value}/{total} objects' }, cliProgress.Presets.shades_classic) : undefined;
  let barStarted = false;
  let writer: OutputWriter | undefined;
  try {
    writer = flags.check ? undefined : OutputWriter.open(out);
    const result = await generate({
      ...options,
      ...(writer ? { onFile: (path: string, content: string) => writer!.add(path, content) } : {}),
      onProgress: (done, total) => {
        if (!bar || total < 50) return;
        if (!barStarted) {
          bar.start(total, 0);
          barStarted = true;
        }
        bar.update(done);
      },
    });
    bar?.stop();
    printDiagnostics(result.diagnostics, flags);
    if (flags.check) {
      const differs = diffOutput(out, result.files);
      if (differs.length > 0) {
        console.error(paint.red(`${out} differs from what would be generated (${differs.length} file(s)):`));
        for (const f of differs.slice(0, 20)) console.error(`  ${f}`);
        if (differs.length > 20) console.error(`  ... and ${differs.length - 20} more`);
        return exitCodes.checkDiffers;
      }
      if (!flags.quiet) console.log(`${out} is up to date (${result.files.size} files)`);
      return exitCodes.ok;
    }
    await writer!.commit();
    if (!flags.quiet) {
      const s = result.stats;
      const warnings = Object.entries(s.warnings).sort((a, b) => b[1]! - a[1]!).map(([code, n]) => `${code} ${n}`).join(', ');
      console.log(
        `${paint.green('generated')} ${out}: ${s.objects} object versions of ${s.objectIds} objects, ${s.resources} resources, ${result.files.size} files ` +
          `from ${s.files} XML files (${s.copies} identical copies, ${s.skipped} not object definitions) in ${((performance.now() - started) / 1000).toFixed(2)} s`,
      );
      console.log(`warnings: ${warnings === '' ? 'none' : warnings}${warnings !== '' && !flags.verbose ? ' (--verbose lists them)' : ''}`);
    }
    return exitCodes.ok;
  } catch (e) {
    bar?.stop();
    await writer?.abort();
    if (e instanceof CodegenError) {
      printDiagnostics(e.diagnostics, { ...flags, quiet: true });
      console.error(paint.red(`error ${e.code}: ${e.message}`));
      return exitCodes.invalidInput;
    }
    throw e;
  }
}

class UsageError extends Error {}

function resolveOptions(inputs: string[], flags: Flags): { options: GenerateOptions; out: string } {
  if (flags.config) {
    if (inputs.length > 0 || flags.out) throw new UsageError('give either --config or inputs and --out, not both');
    // The config file carries the same options as the flags; from here on they are one path.
    const { inputs: configInputs, target, ...rest } = readGenerateConfig(flags.config);
    return resolveOptions(configInputs, { ...flags, ...rest, ...(target ? { target } : {}), config: undefined });
  }
  if (inputs.length === 0) throw new UsageError('give XML files or folders to generate from (or --config FILE)');
  if (!flags.out) throw new UsageError('give the output folder with --out DIR');
  if (flags.package !== undefined && !npmPackageName.test(flags.package)) {
    throw new UsageError(`--package ${flags.package}: not a valid npm package name`);
  }
  return {
    out: flags.out,
    options: {
      inputs,
      // A worker thread prints the modules when there is much to print: a folder, or many files.
      parallel: inputs.length >= 16 || inputs.some((i) => { try { return statSync(i).isDirectory(); } catch { return false; } }),
      ...(flags.package ? { packageName: flags.package } : {}),
      ...(flags.packageVersion ? { packageVersion: flags.packageVersion } : {}),
      ...(flags.objects ? { objects: flags.objects } : {}),
      allVersions: flags.allVersions ?? false,
      strict: flags.strict ?? false,
      ...(flags.target ? { targets: flags.target } : {}),
      ...(flags.runtimeImport ? { runtimeImport: flags.runtimeImport } : {}),
      bare: flags.bare ?? false,
    },
  };
}

function printDiagnostics(diagnostics: readonly Diagnostic[], flags: Flags): void {
  for (const d of diagnostics) {
    if (d.severity === 'error') console.error(paint.red(formatDiagnostic(d)));
    else if (flags.verbose && !flags.quiet) console.error(paint.yellow(formatDiagnostic(d)));
  }
}
