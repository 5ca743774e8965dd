/**
 * bench:codegen — generating the whole OMA registry (751 files, --all-versions) with the
 * built CLI, as a user runs it; side by side in one run with Nordic's lwm2m-types-js
 * (types only, the registry's current files it accepts) and with the raw floor: reading the
 * same XML and writing the same files with nothing in between. Then the time to type-check
 * our output. Machines are noisy: compare the ratios. Last line: one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const registry = resolve(root, '../shared/lwm2m-registry');
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'bench-codegen-'));

/** Runs a node script, returning wall seconds and the child's peak RSS (MiB). */
function timed(args: readonly string[], cwd = root): { seconds: number; rssMb: number; stdout: string } {
  // A preloaded one-liner reports the child's own peak RSS as it exits.
  const report = join(work, 'report-rss.cjs');
  writeFileSync(report, "process.on('exit', () => require('fs').writeSync(2, `\\nRSS_KB=${process.resourceUsage().maxRSS}\\n`));");
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', report, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  const rss = Number(/RSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { seconds, rssMb: rss / 1024, stdout: r.stdout };
}

const best = <T extends { seconds: number }>(xs: T[]): T => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

// Ours: the built CLI, the whole registry, every version.
if (!existsSync(join(root, 'dist/cli/main.js'))) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const ourOut = join(work, 'ours');
const ours = best(Array.from({ length: runs }, () => timed(['dist/cli/main.js', 'generate', registry, '--all-versions', '--out', ourOut, '-q'])));
const ourFiles = listFiles(ourOut);
const summary = JSON.parse(JSON.stringify({ objects: ourFiles.filter((f) => f.endsWith('.js') && f.includes('/objects/')).length }));

// The floor: read the same 751 XML files, write the same files with the same bytes.
const contents = ourFiles.map((f) => [f.slice(ourOut.length + 1), readFileSync(f, 'utf8')] as const);
const xmlFiles = listFiles(registry).filter((f) => f.endsWith('.xml'));
const raw = best(Array.from({ length: runs }, () => {
  const dir = join(work, 'raw');
  rmSync(dir, { recursive: true, force: true });
  const t = process.hrtime.bigint();
  let bytes = 0;
  for (const f of xmlFiles) bytes += readFileSync(f).length;
  for (const [path, text] of contents) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, bytes };
}));

// Nordic's generator, with its own dependencies under bench/peers.
const peers = join(root, 'bench/peers');
if (!existsSync(join(peers, 'node_modules/@nordicsemiconductor/lwm2m-types'))) {
  spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: peers, stdio: 'inherit' });
}
const nordicOut = join(work, 'nordic');
const nordic = best(Array.from({ length: runs }, () => timed([join(peers, 'nordic-generate.mjs'), registry, nordicOut], peers)));
const nordicObjects = (JSON.parse(nordic.stdout.trim().split('\n').at(-1)!) as { objects: number }).objects;

// Type-checking our output (TypeScript 7), as a consumer's build would.
writeFileSync(join(ourOut, 'tsconfig.json'), JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [],
    paths: { 'lwm2m-sdk/genv1': [join(root, 'runtime/genv1/index.ts')] } },
  include: ['**/*.d.ts'],
}));
const tc = best(Array.from({ length: runs }, () => timed([join(root, 'node_modules/typescript/bin/tsc'), '-p', join(ourOut, 'tsconfig.json')])));

const bytes = contents.reduce((n, [, t]) => n + Buffer.byteLength(t), 0);
const perObjectOurs = ours.seconds / summary.objects;
const perObjectNordic = nordic.seconds / nordicObjects;
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; best of ${runs}`);
console.log(`ours:   ${summary.objects} object versions from 751 files -> ${ourFiles.length} files (${(bytes / 1048576).toFixed(1)} MiB) in ${ours.seconds.toFixed(2)} s, peak RSS ${ours.rssMb.toFixed(0)} MiB`);
console.log(`nordic: ${nordicObjects} objects (types only) in ${nordic.seconds.toFixed(2)} s, peak RSS ${nordic.rssMb.toFixed(0)} MiB`);
console.log(`floor:  read ${xmlFiles.length} XML files and write ${contents.length} files in ${raw.seconds.toFixed(2)} s`);
console.log(`tsc:    type-check of our output in ${tc.seconds.toFixed(2)} s`);
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify({
  bench: 'codegen',
  files: 751,
  object_versions: summary.objects,
  generate_s: round(ours.seconds),
  typecheck_s: round(tc.seconds),
  peak_rss_mb: Math.round(ours.rssMb),
  nordic_objects: nordicObjects,
  nordic_s: round(nordic.seconds),
  nordic_peak_rss_mb: Math.round(nordic.rssMb),
  raw_io_s: round(raw.seconds),
  per_object_ratio_vs_nordic: round(perObjectNordic / perObjectOurs),
  ratio_vs_raw_io: round(ours.seconds / raw.seconds),
}));

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

