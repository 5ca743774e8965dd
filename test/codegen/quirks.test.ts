/**
 * The registry's quirks (spec-notes.md), each asserted on what the generator makes of the
 * real file; test/golden/quirks/ pins the whole output of the same files.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate, type GenerateResult } from '../../codegen/generate.js';
import { quirkFiles } from '../helpers/quirk-files.js';



let result: GenerateResult | undefined;
async function quirks(): Promise<GenerateResult> {
  result ??= await generate({ inputs: quirkFiles, allVersions: true, targets: ['ts'], bare: true });
  return result;
}
const object = async (id: number) => (await quirks()).objects.find((o) => o.descriptor.id === id)!;
const warnings = async (code: string) => (await quirks()).diagnostics.filter((d) => d.code === code);

test('every quirk file generates, with warnings only', async () => {
  const r = await quirks();
  assert.equal(r.objects.length, quirkFiles.length);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
});

test('a BOM and a missing XML declaration are tolerated', async () => {
  const o = await object(10241);
  assert.equal(o.descriptor.name, 'HostDeviceInfo');
  assert.equal(o.descriptor.resources.length, 4);
});

test('commented-out resources do not exist', async () => {
  const o = await object(10337);
  assert.equal(o.descriptor.resources.length, 3);
  assert.ok(!o.descriptor.resources.some((r) => r.id === 5907));
});

test('duplicate names: the lowest ID keeps the identifier, the other gets its ID', async () => {
  const o = await object(3392);
  const enabled = o.descriptor.resources.filter((r) => r.name === 'Object Enabled');
  assert.equal(enabled.length, 2);
  assert.deepEqual(enabled.map((r) => r.identifier).sort(), ['objectEnabled', 'objectEnabled_934']);
  const [w] = await warnings('W_DUPLICATE_NAME');
  assert.match(w!.file, /3392\.xml$/);
  assert.equal(w!.field, 'Item[ID=934]/Name');
  assert.ok(w!.line! > 1);
});

test('names that only collide as identifiers are told apart', async () => {
  const ids = (await object(3421)).descriptor.resources.map((r) => r.identifier);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes('activeEnergyAACombinedTotal_28'));
  assert.equal((await warnings('W_IDENTIFIER_COLLISION')).length, 1);
});

test('leading digits and odd spaces give valid identifiers', async () => {
  const o = await object(10242);
  assert.equal(o.names.value, '_3PhasePowerMeter');
  assert.ok(o.descriptor.resources.every((r) => /^[A-Za-z_$][\w$]*$/.test(r.identifier)));
  const g = await object(3459);
  assert.ok(g.descriptor.resources.every((r) => /^[A-Za-z_$][\w$]*$/.test(r.identifier)));
});

test('an Execute resource with a Type loses the Type; a readable one without a Type is Opaque', async () => {
  const exec = (await object(10260)).descriptor.resources.find((r) => r.id === 3)!;
  assert.equal(exec.operations, 'E');
  assert.equal(exec.type, 'none');
  assert.equal((await warnings('W_EXECUTE_HAS_TYPE')).length, 1);
  const untyped = (await object(10482)).descriptor.resources.find((r) => r.id === 5)!;
  assert.equal(untyped.type, 'opaque');
  assert.equal((await warnings('W_TYPE_MISSING'))[0]!.field, 'Item[ID=5]/Type');
});

test('ranges that cannot be enforced are kept as text', async () => {
  const inverted = (await object(10309)).descriptor.resources.find((r) => r.id === 4)!;
  assert.deepEqual(inverted.range, { raw: '-30..-120' });
  const onBoolean = (await object(3387)).descriptor.resources.find((r) => r.id === 802)!;
  assert.equal(onBoolean.type, 'boolean');
  assert.equal(onBoolean.range?.parsed, undefined);
  assert.equal((await warnings('W_RANGE_MIN_GT_MAX')).length, 1);
  assert.equal((await warnings('W_RANGE_ON_BOOLEAN')).length, 1);
});

test('an empty <Operations/> is valid: the Security object\'s resources have none', async () => {
  const sec = await object(0);
  assert.ok(sec.descriptor.resources.every((r) => r.operations === ''));
  assert.equal((await warnings('W_OPERATIONS_MISSING')).length, 0);
});
