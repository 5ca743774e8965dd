#!/usr/bin/env node
// The main job in one command: an LwM2M server and a simulated device, each in its own
// process on 127.0.0.1 (in-memory store, nothing to install). The device registers; the
// server reads /3/0, writes the device's clock and UTC offset and reads them back; then
// the device de-registers and both stop. Bounded: 30 s at most.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The built CLI (npm ci builds it); tests run the sources instead.
const cli = process.env.LWM2M_DEMO_FROM_SOURCE === '1' ? ['--import', 'tsx', 'cli/main.ts'] : ['dist/cli/main.js'];
const children = [];

function run(role, args, onLine) {
  const child = spawn(process.execPath, [...cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line;
    try {
      line = JSON.parse(text);
    } catch {
      return console.log(`[${role}] ${text}`);
    }
    const { level, time, pid, hostname, name, msg, ...rest } = line;
    console.log(`[${role}] ${msg}${Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : ''}`);
    onLine(line);
  });
  return child;
}

const timeout = setTimeout(() => finish(1, 'the demo did not complete in 30 s'), 30_000);
let done = 0;
let client;
function finish(code, why) {
  clearTimeout(timeout);
  if (why) console.error(why);
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
}

run('server', ['server', '--port', '0', '--read', '/3/0', '--write', '/3/0/13=now', '/3/0/14=+02:00'], (line) => {
  if (line.msg === 'listening') {
    client = run('client', ['client', '--endpoint', 'demo-device', '--server', `coap://127.0.0.1:${line.port}`, '--lifetime', '60'], () => {});
  }
  if (line.msg === 'written and read back' || line.msg === 'write failed') done++;
  if (done === 2) client?.kill('SIGTERM');
  if (line.msg === 'deregistered') finish(0);
});
