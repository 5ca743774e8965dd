/**
 * bench:server — 10,000 simulated devices (one process, a socket each) register with a
 * server in another process; then the server reads from them in a loop, 100 Reads in
 * flight. Ours and lwm2m-node-lib's server, same devices, same run. Reports registrations/s,
 * reads/s and memory per registration. Bounded: each phase stops by itself.
 * BENCH_DEVICES, BENCH_READ_SECONDS override the defaults; BENCH_PEER=0 skips lwm2m-node-lib,
 * BENCH_PROFILE=DIR writes CPU profiles. Last line: one JSON object.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const root = resolve(import.meta.dirname, '..');
const devices = Number(process.env['BENCH_DEVICES'] ?? 10_000);
const readSeconds = Number(process.env['BENCH_READ_SECONDS'] ?? 5);
const inflight = 100;
/** BENCH_PROFILE=DIR writes a V8 CPU profile of each server and swarm process into DIR. */
const profile = process.env['BENCH_PROFILE'];
const profileArgs = (tag: string): string[] => (profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${tag}-${Date.now()}.cpuprofile`] : []);

type Json = Record<string, number>;

class Proc {
  private readonly lines: Json[] = [];
  private waiting: ((l: Json) => void) | undefined;
  constructor(readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (l) => {
      const j = JSON.parse(l) as Json;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(j);
      } else this.lines.push(j);
    });
  }
  next(timeoutMs = 120_000): Promise<Json> {
    const l = this.lines.shift();
    if (l) return Promise.resolve(l);
    return new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error('bench process did not answer in time')), timeoutMs);
      this.waiting = (j) => { clearTimeout(t); ok(j); };
    });
  }
  async ask(command: object): Promise<Json> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return this.next();
  }
  stop(): void {
    this.child.stdin.end();
    setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
  }
}

function start(args: string[], cwd = root): Proc {
  return new Proc(spawn(process.execPath, args, { cwd, stdio: ['pipe', 'pipe', 'inherit'] }));
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', ok));
  const port = s.address().port;
  s.close();
  return port;
}

/**
 * Both sides run as JavaScript compiled by tsc, as a user runs the package (dist/) and as the
 * peer runs, not through the tsx loader (its transform, source maps and loader thread are
 * no part of the server). Compiled into bench/out/js (ignored by git), never into dist/,
 * which other work may be using at the same time.
 */
const js = join(root, 'bench/out/js');
function compileFixtures(): void {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '--ignoreConfig', '--outDir', js, '--rootDir', root, '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--strict', '--skipLibCheck', '--types', 'node', '--declaration', 'false', '--sourceMap', 'false', 'bench/fixtures/server-ours.ts', 'bench/fixtures/device-swarm.ts'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('compiling the bench fixtures failed');
}
compileFixtures();
const fixture = (name: string): string => join(js, 'bench/fixtures', `${name}.js`);

interface RunResult {
  register_s: number;
  registered: number;
  reads_per_s: number;
  read_errors: number;
  kib_per_registration: number;
  /** CPU time of the server process per Read (µs): less at the mercy of other load on the machine than the rate. */
  server_cpu_us_per_read: number | undefined;
}

/** CPU share of one process over a wall-clock span: 1.0 is one core busy all along. */
const share = (cpuMs: number | undefined, seconds: number): string => (cpuMs === undefined ? '?' : `${Math.round((cpuMs / 1000 / seconds) * 100)}%`);

async function run(name: string, server: Proc, path: string): Promise<RunResult> {
  const { port } = await server.next();
  const before = await server.ask({ op: 'stats' });
  const swarm = start([...profileArgs('swarm'), fixture('device-swarm'), String(port), String(devices), '200']);
  const reg = await swarm.next(300_000);
  const after = await server.ask({ op: 'stats' });
  const swarmBefore = await swarm.ask({ op: 'cpu' });
  const reads = await server.ask({ op: 'reads', seconds: readSeconds, inflight, path });
  const swarmAfter = await swarm.ask({ op: 'cpu' });
  swarm.stop();
  server.stop();
  const result = {
    register_s: reg['seconds']!,
    registered: after['registrations']!,
    reads_per_s: reads['reads']! / reads['seconds']!,
    read_errors: reads['errors']!,
    kib_per_registration: (after['rss']! - before['rss']!) / 1024 / Math.max(1, after['registrations']!),
    server_cpu_us_per_read: reads['cpu_ms'] === undefined ? undefined : (reads['cpu_ms'] * 1000) / Math.max(1, reads['reads']!),
  };
  const serverRegCpu = after['cpu_ms'] === undefined ? undefined : after['cpu_ms'] - before['cpu_ms']!;
  console.log(`${name}: ${result.registered}/${devices} registered in ${result.register_s.toFixed(2)} s, ${result.reads_per_s.toFixed(0)} reads/s of ${path} (${result.read_errors} errors), ${result.kib_per_registration.toFixed(2)} KiB RSS per registration`);
  // Which side was busy: a swarm near 100% of a core would mean the devices, not the server, set the pace.
  console.log(`  Registers sent again by the swarm: ${reg['retransmitted'] ?? '?'}`);
  console.log(`  cpu while registering: server ${share(serverRegCpu, result.register_s)}, swarm ${share(reg['cpu_ms'], result.register_s)}; while reading: server ${share(reads['cpu_ms'], reads['seconds']!)}, swarm ${share(swarmAfter['cpu_ms']! - swarmBefore['cpu_ms']!, reads['seconds']!)}`);
  return result;
}

// The measure is Reads of the whole Device instance /3/0. lwm2m-node-lib's read() always
// names a resource (/o/i/r), so it reads /3/0/9; ours reads that too in a second run, for the
// same-path ratio.
const ours = await run('ours', start([...profileArgs('ours'), '--expose-gc', fixture('server-ours')]), '/3/0');
const oursResource = await run('ours (/3/0/9)', start([...profileArgs('ours'), '--expose-gc', fixture('server-ours')]), '/3/0/9');

let nodeLib: RunResult | undefined;
if (process.env['BENCH_PEER'] !== '0') {
  const peers = join(root, 'bench/peers');
  if (!existsSync(join(peers, 'node_modules/lwm2m-node-lib'))) spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: peers, stdio: 'inherit' });
  const peerPort = await freePort();
  const peer = start(['--expose-gc', join(peers, 'server-node-lib.cjs'), String(peerPort)], peers);
  nodeLib = await run('lwm2m-node-lib', peer, '/3/0/9');
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ${devices} devices, ${inflight} reads in flight for ${readSeconds} s`);
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
console.log(JSON.stringify({
  bench: 'server',
  clients: devices,
  register_s: round(ours.register_s),
  register_s_second_run: round(oursResource.register_s),
  reads_path: '/3/0',
  reads_per_s: Math.round(ours.reads_per_s),
  server_cpu_us_per_read: round(ours.server_cpu_us_per_read ?? NaN, 1),
  resource_reads_per_s: Math.round(oursResource.reads_per_s),
  read_errors: ours.read_errors + oursResource.read_errors,
  kib_per_registration: round(ours.kib_per_registration),
  ...(nodeLib === undefined ? {} : {
    lwm2m_node_lib_register_s: round(nodeLib.register_s),
    lwm2m_node_lib_reads_per_s: Math.round(nodeLib.reads_per_s),
    lwm2m_node_lib_kib_per_registration: round(nodeLib.kib_per_registration),
    // Ours reading the whole instance against it reading one resource: the conservative ratio.
    ratio_reads_vs_lwm2m_node_lib: round(ours.reads_per_s / nodeLib.reads_per_s),
    ratio_same_path_reads_vs_lwm2m_node_lib: round(oursResource.reads_per_s / nodeLib.reads_per_s),
    ratio_register_vs_lwm2m_node_lib: round(nodeLib.register_s / ours.register_s),
  }),
}));
process.exit(0);
