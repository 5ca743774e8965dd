/**
 * bench:notify — notifications from many clients into one server process: the rate the
 * server takes them in when the clients change values as fast as they can, then the latency
 * from set() on a client to the server's callback (p50, p99) at half that rate. The clients
 * run in BENCH_PROCS processes (one per core by default) so that the clients' side is not one
 * core's worth; a notification counts once, when its value reaches the server's callback.
 * The raw limit runs in the same harness: bare UDP datagrams from as many sockets into one
 * socket, so what the harness and the machine can carry is printed beside what the SDK does.
 * Bounded: five runs of a few seconds. BENCH_CLIENTS, BENCH_SECONDS, BENCH_PROCS override;
 * BENCH_PROFILE=dir writes a --cpu-prof of every process there.
 * Last line JSON.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const root = resolve(import.meta.dirname, '..');
const clients = Number(process.env['BENCH_CLIENTS'] ?? 200);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
const procs = Math.max(1, Math.min(clients, Number(process.env['BENCH_PROCS'] ?? cpus().length)));

/**
 * Both sides run as JavaScript compiled by tsc, as a user runs the package, not through the tsx
 * loader (its transform, loader thread and source maps are no part of the SDK; under it the same
 * runs cost the clients about twice the CPU per notification). Into bench/out/notify-js (ignored
 * by git), never into dist/.
 */
const js = join(root, 'bench/out/notify-js');
const compiled = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--ignoreConfig', '--outDir', js, '--rootDir', root,
  '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--strict', '--skipLibCheck', '--types', 'node',
  '--declaration', 'false', '--sourceMap', 'false', 'bench/fixtures/notify-server.ts', 'bench/fixtures/notify-clients.ts'], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) throw new Error('compiling the bench fixtures failed');

type Json = Record<string, unknown>;
function start(script: string, args: string[]): { child: ChildProcessByStdio<Writable, Readable, null>; next: () => Promise<Json> } {
  const file = join(js, script.replace(/\.ts$/, '.js'));
  const child = spawn(process.execPath, [...(process.env['BENCH_PROFILE'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`]), file, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const queue: Json[] = [];
  const waiting: ((j: Json) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    const j = JSON.parse(l) as Json;
    const w = waiting.shift();
    if (w) w(j);
    else queue.push(j);
  });
  const next = (): Promise<Json> => {
    const j = queue.shift();
    if (j) return Promise.resolve(j);
    return new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`${script} did not answer`)), 120_000);
      waiting.push((x) => { clearTimeout(t); ok(x); });
    });
  };
  return { child, next };
}

const server = start('bench/fixtures/notify-server.ts', [String(clients)]);
const { port, rawPort } = (await server.next()) as { port: number; rawPort: number };
const shares = Array.from({ length: procs }, (_, k) => Math.floor(clients / procs) + (k < clients % procs ? 1 : 0));
const devices = shares.map((n, k) => start('bench/fixtures/notify-clients.ts', [String(port), String(n), String(shares.slice(0, k).reduce((a, b) => a + b, 0)), String(rawPort)]));
await Promise.all(devices.map((d) => d.next())); // registered
await server.next(); // observing every client

type Gc = { gcLongestMs: number; gcTotalMs: number };
interface Run { sent: number; received: number; perSecond: number; latencies: number[]; clientCpuUs: number; serverCpuUs: number; clientGcLongestMs: number; serverGcLongestMs: number }
async function run(rate: number, raw = false): Promise<Run> {
  for (const [k, d] of devices.entries()) d.child.stdin.write(`${JSON.stringify({ rate: (rate * shares[k]!) / clients, seconds, raw })}\n`);
  const outs = await Promise.all(devices.map((d) => d.next() as Promise<{ sent: [string, number][]; cpuMs: number } & Gc>));
  const sent = outs.flatMap((x) => x.sent);
  const clientCpuMs = outs.reduce((a, x) => a + x.cpuMs, 0);
  await new Promise((r) => setTimeout(r, 1000)); // stragglers
  server.child.stdin.write(`${JSON.stringify({ op: 'arrivals' })}\n`);
  const { arrivals, cpuMs: serverCpuMs, gcLongestMs: serverGcLongestMs } = (await server.next()) as { arrivals: [string, number][]; cpuMs: number } & Gc;
  const sentAt = new Map(sent);
  const latencies: number[] = [];
  let first = Infinity;
  let last = 0;
  for (const [key, t] of arrivals) {
    const s = sentAt.get(key);
    if (s === undefined) continue;
    sentAt.delete(key); // a value that arrives twice counts once
    latencies.push(t - s);
    first = Math.min(first, s);
    last = Math.max(last, t);
  }
  latencies.sort((a, b) => a - b);
  const n = Math.max(1, latencies.length);
  return {
    sent: sent.length, received: latencies.length, perSecond: latencies.length / Math.max(0.001, (last - first) / 1000), latencies,
    // CPU per notification on each side: steadier than rates on a shared machine.
    clientCpuUs: (clientCpuMs * 1000) / n, serverCpuUs: (serverCpuMs * 1000) / n,
    // A pause of either side holds up every value due meanwhile: at this rate, one long pause is the p99.
    clientGcLongestMs: Math.max(...outs.map((x) => x.gcLongestMs)), serverGcLongestMs,
  };
}

const q = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const flat = await run(40_000);
// The raw limit in the same setting: bare datagrams from as many sockets, same harness, same rate asked.
const rawRun = await run(40_000, true);
const half = await run(Math.max(100, Math.floor(flat.perSecond / 2)));
// The target reads 'p99 under 20 ms at half of 20,000/s': that load too, asked as such.
const targetHalf = await run(10_000);
// The same load as bare datagrams: the latency the machine and the harness alone give.
const rawTargetHalf = await run(10_000, true);
for (const d of devices) d.child.stdin.end();
server.child.stdin.end();

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${clients} clients in ${procs} processes, runs of ${seconds} s`);
console.log(`as fast as the clients go: ${flat.received}/${flat.sent} notifications arrived, ${flat.perSecond.toFixed(0)}/s`);
console.log(`raw limit (bare UDP, same harness): ${rawRun.received}/${rawRun.sent} datagrams arrived, ${rawRun.perSecond.toFixed(0)}/s`);
console.log(`CPU per notification at full speed: clients ${flat.clientCpuUs.toFixed(1)} µs, server ${flat.serverCpuUs.toFixed(1)} µs (each side's whole process)`);
console.log(`at half that rate: ${half.received}/${half.sent} arrived, latency p50 ${q(half.latencies, 0.5).toFixed(2)} ms, p99 ${q(half.latencies, 0.99).toFixed(2)} ms`);
console.log(`at 10,000/s (half the target rate): ${targetHalf.received}/${targetHalf.sent} arrived, latency p50 ${q(targetHalf.latencies, 0.5).toFixed(2)} ms, p99 ${q(targetHalf.latencies, 0.99).toFixed(2)} ms`);
console.log(JSON.stringify({
  bench: 'notify',
  clients,
  client_processes: procs,
  notifications_per_s: Math.round(flat.perSecond),
  raw_udp_per_s: Math.round(rawRun.perSecond),
  ratio_vs_raw_udp: Math.round((flat.perSecond / Math.max(1, rawRun.perSecond)) * 1000) / 1000,
  delivered_fraction: Math.round((flat.received / Math.max(1, flat.sent)) * 1000) / 1000,
  half_load_per_s: Math.round(half.perSecond),
  p50_ms: Math.round(q(half.latencies, 0.5) * 100) / 100,
  p99_ms: Math.round(q(half.latencies, 0.99) * 100) / 100,
  p90_ms: Math.round(q(half.latencies, 0.9) * 100) / 100,
  max_ms: Math.round((half.latencies.at(-1) ?? NaN) * 100) / 100,
  half_load_gc_longest_ms: { clients: half.clientGcLongestMs, server: half.serverGcLongestMs },
  at_10k_per_s: Math.round(targetHalf.perSecond),
  p50_ms_at_10k: Math.round(q(targetHalf.latencies, 0.5) * 100) / 100,
  p99_ms_at_10k: Math.round(q(targetHalf.latencies, 0.99) * 100) / 100,
  raw_udp_p99_ms_at_10k: Math.round(q(rawTargetHalf.latencies, 0.99) * 100) / 100,
  client_cpu_us_per_notification: Math.round(flat.clientCpuUs * 10) / 10,
  server_cpu_us_per_notification: Math.round(flat.serverCpuUs * 10) / 10,
}));
process.exit(0);
