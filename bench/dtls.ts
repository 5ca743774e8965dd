/**
 * DTLS benchmark over loopback UDP, all traffic on 127.0.0.1, bounded (about 35 s).
 *
 * 1. Full and resumed PSK handshakes (TLS_PSK_WITH_AES_128_CCM_8): our server in this process,
 *    the clients in a child process (8 at once, each one DtlsClient on its own socket that
 *    connects, closes with close_notify and connects again), measured after a warm-up of
 *    WARM_MS. Reported per second of wall time
 *    and per second of the server's own CPU time (the "one core" figure: the client load shares
 *    the machine's second core, and on a busy machine the wall rate is the load generator's).
 * 2. The same CoAP request/response load (GET, 2.05 with a 64-byte payload, IN_FLIGHT requests
 *    outstanding) through our CoAP endpoint over plain UDP and over DTLS, server in a child
 *    process either way, and a raw node:dgram echo as the ceiling. After a round that only
 *    warms up (the JIT of every process), cells are measured in interleaved rounds; the ratio
 *    is the median of each round's DTLS/plain pair (measured back to back, so that the load
 *    of a shared machine weighs on both alike); each cell's best rate is shown too.
 *
 * Last line: one JSON object. BENCH_SECONDS (2) sets the handshake window, BENCH_DTLS_MS (700)
 * the time per request-rate cell.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { ResponseCode } from '../runtime/coap/codes.js';
import { CoapEndpoint } from '../runtime/coap/endpoint.js';
import { DtlsClient } from '../runtime/dtls/dtls-client.js';
import { DtlsServer } from '../runtime/dtls/dtls-server.js';
import type { DatagramTransport, PeerAddress } from '../runtime/transport/datagram-transport.js';
import { UdpTransport } from '../runtime/transport/udp.js';
import { driveLoops } from './fixtures/drive.js';
import { rawUdpRequester } from './fixtures/raw-udp-requester.js';

const KEY = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CELL_MS = Number(process.env.BENCH_DTLS_MS ?? 700);
const WARM_MS = 500;
const ROUNDS = 7;
const CONCURRENCY = 8;
const IN_FLIGHT = 32;
const PAYLOAD = Buffer.alloc(64, 0x61);
const SOCKET_BUFFER = 4 << 20;
const self = fileURLToPath(import.meta.url);

type Cell = 'raw_udp' | 'coap_udp' | 'coap_dtls';

// ------------------------------------------------------------------ child roles

/**
 * The client side of the handshake load: CONCURRENCY loops, each on one socket and one
 * DtlsClient. A warm-up first (the JIT of both processes), announced with a "warm" line; then
 * SECONDS of measured load, announced with the count.
 */
async function handshakeLoad(port: number, mode: 'full' | 'resumed'): Promise<void> {
  const target = { address: '127.0.0.1', port };
  const warmUntil = Date.now() + WARM_MS;
  const deadline = warmUntil + SECONDS * 1000;
  let count = 0;
  const warm = setTimeout(() => { count = 0; process.stdout.write('warm\n'); }, WARM_MS);
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    const client = new DtlsClient(await UdpTransport.bind(), { psk: { identity: 'bench', key: KEY }, resumeSessions: mode === 'resumed' });
    while (Date.now() < deadline) {
      await client.connect(target);
      client.disconnect(target);
      count++;
    }
    await client.close();
  }));
  clearTimeout(warm);
  process.stdout.write(`${JSON.stringify({ count })}\n`);
}

/** A request/response server: our CoAP endpoint over UDP or DTLS, or a raw echo. */
async function serve(cell: Cell): Promise<void> {
  let port: number;
  if (cell === 'raw_udp') {
    const s = createSocket('udp4');
    s.on('message', (m, r) => s.send(m, r.port, r.address));
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.setRecvBufferSize(SOCKET_BUFFER);
    port = s.address().port;
  } else {
    const udp = await UdpTransport.bind({ recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER });
    const transport: DatagramTransport = cell === 'coap_dtls' ? new DtlsServer(udp, { pskStore: () => KEY }) : udp;
    const ep = new CoapEndpoint({ transport });
    ep.onRequest(() => ({ code: ResponseCode.Content, payload: PAYLOAD }));
    port = udp.address().port;
  }
  process.stdout.write(`${port}\n`);
  // The parent ends us; a stray child still ends by itself.
  setTimeout(() => process.exit(0), 120_000).unref();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

// ------------------------------------------------------------------ parent

function startChild(args: string[]): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', self, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`child ${args.join(' ')} exited ${code}`)));
    setTimeout(() => reject(new Error('child did not answer')), 60_000).unref();
  });
  return { child, line };
}

/** Handshakes per second of wall time and per second of this process's (the server's) CPU. */
async function handshakes(mode: 'full' | 'resumed'): Promise<{ perSecond: number; perServerCpuSecond: number; count: number }> {
  const server = new DtlsServer(await UdpTransport.bind({ recvBufferSize: SOCKET_BUFFER }), { pskStore: () => KEY, maxPeers: 100_000 });
  try {
    const { child, line } = startChild(['--load', String(server.address().port), mode]);
    // Counted from the end of the warm-up on: the child's start-up and first JIT are not in the window.
    const done = new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('count')) resolve(); }));
    if ((await line) !== 'warm') throw new Error('the load generator did not warm up');
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const before = server.stats();
    await done;
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const after = server.stats();
    child.stdin!.end();
    const count = mode === 'resumed' ? after.handshakesResumed - before.handshakesResumed : after.handshakesCompleted - before.handshakesCompleted;
    return { perSecond: count / elapsed, perServerCpuSecond: count / ((cpu.user + cpu.system) / 1e6), count };
  } finally {
    await server.close();
  }
}

let failures = 0;

/** One cell: a fresh client (a new socket, so a new peer and for DTLS a new session), warmed up, then driven for `ms`. */
async function measure(cell: Cell, port: number, ms = CELL_MS): Promise<number> {
  const peer: PeerAddress = { address: '127.0.0.1', port };
  if (cell === 'raw_udp') {
    const { one, socket: s } = await rawUdpRequester(port, PAYLOAD, SOCKET_BUFFER);
    await driveLoops(Math.min(IN_FLIGHT, 10), one, 200);
    const r = await driveLoops(IN_FLIGHT, one, ms);
    s.close();
    failures += r.failed;
    return r.rps;
  }
  const udp = await UdpTransport.bind({ recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER });
  let transport: DatagramTransport = udp;
  if (cell === 'coap_dtls') {
    const dtls = new DtlsClient(udp, { psk: { identity: 'bench', key: KEY } });
    await dtls.connect(peer);
    transport = dtls;
  }
  // Per-peer NSTART is 1 by default; the benchmark allows as many as it keeps in flight.
  const ep = new CoapEndpoint({ transport, parameters: { nstart: IN_FLIGHT } });
  const one = async (): Promise<void> => { await ep.request(peer, { method: 'GET', path: '/bench' }); };
  await driveLoops(Math.min(IN_FLIGHT, 10), one, 200);
  const r = await driveLoops(IN_FLIGHT, one, ms);
  await ep.close();
  failures += r.failed;
  return r.rps;
}

async function main(): Promise<void> {
  const hs = await handshakes('full');
  console.log(`full PSK handshakes: ${hs.count}: ${hs.perSecond.toFixed(0)}/s; ${hs.perServerCpuSecond.toFixed(0)} per second of server CPU (clients in another process, ${CONCURRENCY} at once)`);
  const rs = await handshakes('resumed');
  console.log(`resumed PSK handshakes: ${rs.count}: ${rs.perSecond.toFixed(0)}/s; ${rs.perServerCpuSecond.toFixed(0)} per second of server CPU`);

  const cells: Cell[] = ['raw_udp', 'coap_udp', 'coap_dtls'];
  const servers = cells.map((c) => startChild(['--serve', c]));
  const ports = await Promise.all(servers.map((s) => s.line.then(Number)));
  const best: Record<Cell, number> = { raw_udp: 0, coap_udp: 0, coap_dtls: 0 };
  const ratios: number[] = [];
  try {
    for (let i = 0; i < cells.length; i++) await measure(cells[i]!, ports[i]!, WARM_MS);
    for (let round = 0; round < ROUNDS; round++) {
      const rates: Partial<Record<Cell, number>> = {};
      for (let k = 0; k < cells.length; k++) {
        const i = (k + round) % cells.length;
        rates[cells[i]!] = await measure(cells[i]!, ports[i]!);
        best[cells[i]!] = Math.max(best[cells[i]!], rates[cells[i]!]!);
      }
      ratios.push(rates.coap_dtls! / rates.coap_udp!);
    }
  } finally {
    for (const s of servers) { s.child.stdin!.end(); s.child.kill(); }
  }
  ratios.sort((a, b) => a - b);
  const median = ratios[ratios.length >> 1]!;
  console.log(`request/response, ${IN_FLIGHT} in flight, best of ${ROUNDS}: raw UDP echo ${best.raw_udp.toFixed(0)}/s, CoAP over UDP ${best.coap_udp.toFixed(0)}/s, CoAP over DTLS (TLS_PSK_WITH_AES_128_CCM_8) ${best.coap_dtls.toFixed(0)}/s`);
  console.log(`DTLS/plain per round: ${ratios.map((r) => r.toFixed(2)).join(' ')} (sorted); median ${median.toFixed(3)}`);
  if (failures > 0) console.log(`failed requests: ${failures}`);
  const r3 = (x: number): number => Number(x.toFixed(3));
  console.log(JSON.stringify({
    bench: 'dtls',
    psk_handshakes_per_s: Math.round(hs.perSecond),
    psk_handshakes_per_server_cpu_s: Math.round(hs.perServerCpuSecond),
    resumed_handshakes_per_s: Math.round(rs.perSecond),
    resumed_handshakes_per_server_cpu_s: Math.round(rs.perServerCpuSecond),
    dtls_rps: Math.round(best.coap_dtls),
    plain_udp_rps: Math.round(best.coap_udp),
    raw_udp_rps: Math.round(best.raw_udp),
    ratio_vs_plain: r3(median),
    ratio_best_vs_best: r3(best.coap_dtls / best.coap_udp),
    ratio_vs_raw_udp: r3(best.coap_dtls / best.raw_udp),
    in_flight: IN_FLIGHT,
    failed_requests: failures,
    seconds: SECONDS,
    node: process.version,
  }));
  process.exit(0);
}

if (process.argv[2] === '--load') await handshakeLoad(Number(process.argv[3]), process.argv[4] === 'resumed' ? 'resumed' : 'full');
else if (process.argv[2] === '--serve') await serve(process.argv[3] as Cell);
else await main();
