/**
 * All 751 files of the OMA registry (327 current, 424 in version_history/) in one package
 * with --all-versions: no error, unique identifiers, a golden identifier map, and the
 * output passes `tsc --strict --noEmit`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generate, type GenerateResult } from '../../codegen/generate.js';
import { writeOutput } from '../../codegen/write-output.js';
import { assertGoldenFile } from '../helpers/golden.js';
import { registryArg } from '../helpers/paths.js';
import { typecheck } from '../helpers/tsc.js';

let result: GenerateResult;
let dir: string;

before(async () => {
  // On the emission worker, as the CLI runs a folder (emitter.test.ts compares it with the main thread).
  result = await generate({ inputs: [registryArg], allVersions: true, targets: ['ts'], parallel: true });
  dir = join(mkdtempSync(join(tmpdir(), 'lwm2m-registry-')), 'pkg');
  await writeOutput(dir, result.files);
});
after(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

test('751 files, 424 object versions of 327 objects, no error', () => {
  assert.equal(result.stats.files, 754, '751 object files plus Common.xml, DDF.xml and the SenML units');
  assert.equal(result.stats.skipped, 3);
  assert.equal(result.stats.copies, 327, 'the current files are copies of version_history/ ones');
  assert.equal(result.stats.objectIds, 327);
  assert.equal(result.stats.objects, 424);
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  // Every warning names its file and, but for whole-file ones, its line.
  for (const d of result.diagnostics) {
    assert.ok(d.file.endsWith('.xml'), d.file);
    if (d.code !== 'W_NOT_OBJECT_FILE' && d.code !== 'W_IDENTIFIER_COLLISION') assert.ok(d.line !== undefined && d.line > 0, `${d.code} ${d.file} has a line`);
  }
});

test('identifiers are unique: exports across the package, resources within each object', () => {
  const exports = result.objects.flatMap((o) => [o.names.value, o.names.schema]);
  assert.equal(new Set(exports).size, exports.length);
  const modules = result.objects.map((o) => o.names.module);
  assert.equal(new Set(modules).size, modules.length);
  for (const o of result.objects) {
    const ids = o.descriptor.resources.map((r) => r.identifier);
    assert.equal(new Set(ids).size, ids.length, `${o.descriptor.id}@${o.descriptor.version}`);
    for (const id of [...ids, o.names.value]) assert.match(id, /^[A-Za-z_$][\w$]*$/);
  }
});

test('golden identifier map of the whole registry', () => {
  const map: Record<string, { export: string; resources: Record<number, string> }> = {};
  for (const o of result.objects) {
    map[`${o.descriptor.id}@${o.descriptor.version}`] = {
      export: o.names.value,
      resources: Object.fromEntries(o.descriptor.resources.map((r) => [r.id, r.identifier])),
    };
  }
  assertGoldenFile('test/golden/identifiers.json', `${JSON.stringify(map, null, 1)}\n`);
});

test('the generated package passes tsc --strict --noEmit, with a typed program using it', () => {
  writeFileSync(join(dir, 'use.ts'), [
    "import { Device, Device_v1_0, Temperature, registry, type DeviceSchema } from './index.js';",
    "import type { RemoteInstance } from 'lwm2m-sdk/genv1';",
    'declare const dev: RemoteInstance<DeviceSchema>;',
    'export async function use(): Promise<number> {',
    "  const d = new Device.Instance(0, { errorCode: new Map([[0, 0]]), supportedBindingAndModes: 'U', reboot: () => {} });",
    '  void [d, Device_v1_0, Temperature, registry.get(3303)];',
    '  return dev.batteryLevel.read();',
    '}',
  ].join('\n'));
  const r = typecheck(dir);
  assert.ok(r.ok, r.output.slice(0, 3000));
});
