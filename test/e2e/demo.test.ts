/**
 * README's main command, as CI can run it: `lwm2m-sdk server` and `lwm2m-sdk client` in
 * separate processes over UDP on 127.0.0.1: the device registers, is read and written, and
 * de-registers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('server and simulated device CLIs: register, read /3/0, write and read back, de-register', { timeout: 60_000 }, () => {
  const r = spawnSync(process.execPath, ['scripts/demo.mjs'], { encoding: 'utf8', env: { ...process.env, LWM2M_DEMO_FROM_SOURCE: '1' }, timeout: 50_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  assert.match(out, /\[server\] registered \{"endpoint":"demo-device".*"objects":\["\/1@1\.1","\/3@1\.2"\]/);
  assert.match(out, /\[client\] registered/);
  assert.match(out, /\[server\] read \{"endpoint":"demo-device","path":"\/3\/0","value":\{"0":"lwm2m-sdk".*"16":"U"\}/);
  assert.match(out, /\[server\] written and read back \{"endpoint":"demo-device","path":"\/3\/0\/13","value":"\d{4}-\d\d-\d\dT/);
  assert.match(out, /\[server\] written and read back \{"endpoint":"demo-device","path":"\/3\/0\/14","value":"\+02:00"\}/);
  assert.match(out, /\[server\] deregistered \{"endpoint":"demo-device"/);
});
