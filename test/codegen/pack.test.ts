/**
 * The round trip a user makes: lwm2m-sdk packed, a package generated and packed, both
 * installed into a scratch project, and a typed program against them compiled and run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { cli } from '../helpers/cli.js';
import { registryArg } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'lwm2m-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('npm pack both, install into a scratch project, compile and run a typed program', { timeout: 240_000 }, () => {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  run('npm', ['pack', '--pack-destination', tarballs, '--silent'], resolve('.'));
  const gen = cli(['generate', registryArg, '--objects', '3,3303', '--all-versions', '--package', '@acme/lwm2m-objects', '--package-version', '1.2.3', '--out', join(work, 'objects')]);
  assert.equal(gen.status, 0, gen.stderr);
  run('npm', ['pack', '--pack-destination', tarballs, '--silent'], join(work, 'objects'));
  const packed = readdirSync(tarballs).sort();
  assert.deepEqual(packed, ['acme-lwm2m-objects-1.2.3.tgz', 'lwm2m-sdk-0.1.0.tgz']);

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // Offline: every dependency is in the npm cache that `npm ci` filled.
  run('npm', ['install', '--offline', '--no-save', '--ignore-scripts', ...packed.map((t) => join(tarballs, t))], app);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: false, types: [] },
    files: ['main.ts'],
  }));
  writeFileSync(join(app, 'main.ts'), `
import { Device, Device_v1_0, Temperature, registry, type DeviceSchema } from '@acme/lwm2m-objects';
import type { RemoteInstance } from 'lwm2m-sdk/genv1';
import { createRegistry } from 'lwm2m-sdk/registry';

export async function batteryOf(dev: RemoteInstance<DeviceSchema>): Promise<number> {
  return dev.batteryLevel.read();
}
const device = new Device.Instance(0, { errorCode: new Map([[0, 0]]), supportedBindingAndModes: 'U', reboot: () => {}, batteryLevel: 42 });
let refused = '';
try {
  device.batteryLevel.set(250);
} catch (e) {
  refused = (e as Error).message;
}
const all = createRegistry(registry);
console.log(JSON.stringify({
  battery: await device.batteryLevel.get(),
  refused,
  versions: all.versions(3),
  temperature: Temperature.descriptor.name,
  old: Device_v1_0.descriptor.version,
}));
`);
  run(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  const out = JSON.parse(run(process.execPath, ['out/main.js'], app)) as Record<string, unknown>;
  assert.equal(out['battery'], 42);
  assert.match(String(out['refused']), /Battery Level\): value 250 is outside the range 0\.\.100/);
  assert.deepEqual(out['versions'], ['1.0', '1.1', '1.2']);
  assert.equal(out['temperature'], 'Temperature');
  assert.equal(out['old'], '1.0');
});
