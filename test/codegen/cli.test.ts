/** `lwm2m-sdk generate` as a user drives it: exit codes, --check, --config, --strict, --objects. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cli } from '../helpers/cli.js';
import { registryArg } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'lwm2m-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('usage errors exit 2 with a message', () => {
  const noOut = cli(['generate', `${registryArg}/3.xml`]);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--out DIR/);
  const badObjects = cli(['generate', registryArg, '--objects', '3,x', '--out', join(work, 'x')]);
  assert.equal(badObjects.status, 2);
  assert.match(badObjects.stderr, /object IDs separated by commas/);
  const unknown = cli(['generate', registryArg, '--out', join(work, 'x'), '--frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option '--frobnicate'/);
  const badPackage = cli(['generate', registryArg, '--out', join(work, 'x'), '--package', 'Not A Name']);
  assert.equal(badPackage.status, 2);
  assert.match(badPackage.stderr, /not a valid npm package name/);
  assert.ok(!existsSync(join(work, 'x')));
});

test('--help documents every option and exits 0', () => {
  const r = cli(['generate', '--help']);
  assert.equal(r.status, 0);
  for (const flag of ['--out', '--package', '--objects', '--all-versions', '--strict', '--check', '--target', '--config']) assert.match(r.stdout, new RegExp(flag));
});

test('--objects picks objects; --check reports 0 when up to date, 3 when not', () => {
  const out = join(work, 'pkg');
  const r = cli(['generate', registryArg, '--objects', '3,3303', '--out', out, '--package', '@acme/objects']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 object versions of 2 objects/);
  const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg['name'], '@acme/objects');
  assert.deepEqual(pkg['peerDependencies'], { 'lwm2m-sdk': '^0.1.0' });
  assert.equal(pkg['sideEffects'], false);
  assert.ok(existsSync(join(out, 'objects/3303-temperature.js')));
  assert.ok(existsSync(join(out, 'objects/3-device.d.ts')));
  assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /\| 3303 \| Temperature \| 1\.1 \|/);
  assert.match(readFileSync(join(out, 'THIRD-PARTY-NOTICES.md'), 'utf8'), /Redistribution and use in source and binary forms/);

  const same = cli(['generate', registryArg, '--objects', '3,3303', '--out', out, '--package', '@acme/objects', '--check']);
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /up to date/);
  writeFileSync(join(out, 'objects/3-device.js'), '// edited by hand\n');
  const changed = cli(['generate', registryArg, '--objects', '3,3303', '--out', out, '--package', '@acme/objects', '--check']);
  assert.equal(changed.status, 3);
  assert.match(changed.stderr, /objects\/3-device\.js/);
  assert.equal(readFileSync(join(out, 'objects/3-device.js'), 'utf8'), '// edited by hand\n', '--check writes nothing');
});

test('--objects naming no object in the inputs is an error', () => {
  const r = cli(['generate', `${registryArg}/3.xml`, '--objects', '4', '--out', join(work, 'none')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /none of the objects 4 is defined/);
});

test('--config: options from a JSON file; a bad key is named with its path', () => {
  const good = join(work, 'lwm2m.config.json');
  writeFileSync(good, JSON.stringify({ inputs: [`${process.cwd()}/${registryArg}/3.xml`], out: 'from-config', target: ['ts'], bare: true }));
  const r = cli(['generate', '--config', good]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(work, 'from-config/objects/3-device.ts')));
  assert.ok(!existsSync(join(work, 'from-config/package.json')));

  const bad = join(work, 'bad.config.json');
  writeFileSync(bad, JSON.stringify({ inputs: ['x.xml'], out: 'o', objects: [3, 'x'], target: ['wasm'], colour: true }));
  const e = cli(['generate', '--config', bad]);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /bad\.config\.json: objects\.1: /);
  assert.match(e.stderr, /bad\.config\.json: target\.0: /);
  assert.match(e.stderr, /colour/);
});

test('--strict turns warnings into errors and checks the XML schema', () => {
  // Object 1 (LwM2M Server) fails the strict checks (spec-notes.md); 3303 has unparsed ranges.
  const r = cli(['generate', `${registryArg}/1.xml`, '--strict', '--out', join(work, 'strict')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /1\.xml:\d+: error W_/);
  assert.ok(!existsSync(join(work, 'strict')));
  const lenient = cli(['generate', `${registryArg}/1.xml`, '--out', join(work, 'lenient')]);
  assert.equal(lenient.status, 0, lenient.stderr);
});

test('--strict validates against the XSD the file names: 511.xml puts Description2 out of order', () => {
  const r = cli(['generate', `${registryArg}/511.xml`, `${registryArg}/3.xml`, '--strict', '--out', join(work, 'xsd')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /511\.xml:49: error W_SCHEMA: .*Element 'Description2': This element is not expected.*\(LWM2M-v1_1\.xsd\)/);
  assert.doesNotMatch(r.stderr, /3\.xml:\d+: error W_SCHEMA/);
});

test('--target ts emits sources only; ts with js or dts is a usage error', () => {
  const out = join(work, 'sources');
  const r = cli(['generate', `${registryArg}/3.xml`, '--target', 'ts', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(out, 'objects/3-device.ts')));
  assert.ok(existsSync(join(out, 'index.ts')));
  assert.ok(!existsSync(join(out, 'package.json')));
  const mixed = cli(['generate', `${registryArg}/3.xml`, '--target', 'ts,dts', '--out', join(work, 'mixed')]);
  assert.equal(mixed.status, 2);
  assert.match(mixed.stderr, /ts cannot be combined/);
});
