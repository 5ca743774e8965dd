/**
 * DTLS benchmark over loopback UDP: full and resumed PSK handshakes per second (clients in a
 * child process; also per second of the server's own CPU, the "one core" figure), and the
 * request/response rate through DTLS against plain UDP in the same run (both ends in this
 * process, so both pay). Last line: one JSON object.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UdpTransport } from '../runtime/transport/udp.js';
import type { DatagramTransport, PeerAddress } from '../runtime/transport/datagram-transport.js';
import { DtlsServer } from '../runtime/dtls/dtls-server.js';
import { DtlsClient } from '../runtime/dtls/dtls-client.js';

const KEY = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = 8;
const WINDOW = 32;
const PAYLOAD = new Uint8Array(64).fill(0x61);

/** The client side of the handshake load, run in a child process so the server has its own. */
async function loadClients(port: number, mode: 'full' | 'resumed'): Promise<void> {
  const target = { address: '127.0.0.1', port };
  const deadline = Date.now() + SECONDS * 1000;
  let count = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    // One socket per worker, reused: socket set-up is not what we measure.
    const udp = await UdpTransport.bind();
    const resumer = new DtlsClient(keepOpen(udp), { psk: { identity: 'bench', key: KEY } });
    while (Date.now() < deadline) {
      if (mode === 'resumed') {
        await resumer.connect(target);
        resumer.disconnect(target);
      } else {
        const c = new DtlsClient(keepOpen(udp), { psk: { identity: 'bench', key: KEY }, resumeSessions: false });
        await c.connect(target);
        await c.close();
      }
      count++;
    }
    await resumer.close();
    await udp.close();
  }));
  console.log(JSON.stringify({ count }));
}

/** Handshakes per second of wall time, and per second of the server's own CPU time. */
async function handshakes(mode: 'full' | 'resumed'): Promise<{ perSecond: number; perServerCpuSecond: number; count: number }> {
  const server = new DtlsServer(await UdpTransport.bind(), { pskStore: () => KEY, maxPeers: 100_000 });
  const port = server.address().port;
  const cpu0 = process.cpuUsage();
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--load', String(port), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  const elapsed = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = server.stats();
  await server.close();
  const count = mode === 'resumed' ? stats.handshakesResumed : stats.handshakesCompleted;
  if (!out.includes('count')) throw new Error('load generator failed');
  // The child's start-up (tsx) is in the wall time: count from the server's side, over the load window.
  const window = Math.min(elapsed, SECONDS);
  return { perSecond: count / window, perServerCpuSecond: count / ((cpu.user + cpu.system) / 1e6), count };
}

/** The same transport, whose close() leaves the socket open for the next client. */
function keepOpen(t: DatagramTransport): DatagramTransport {
  return {
    send: (d, p) => t.send(d, p),
    onDatagram: (h) => t.onDatagram(h),
    address: () => t.address(),
    close: () => Promise.resolve(),
  };
}

/** Requests answered per second with WINDOW requests in flight, over any transport pair. */
async function requestRate(serverT: DatagramTransport, clientT: DatagramTransport, target: PeerAddress): Promise<number> {
  serverT.onDatagram((d) => { void serverT.send(d.data, d.peer).catch(() => undefined); });
  let answered = 0;
  let sent = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      if (Date.now() >= deadline) { resolve(); return; }
      sent++;
      clientT.send(PAYLOAD, target).catch(() => undefined);
    };
    clientT.onDatagram(() => { answered++; pump(); });
    for (let i = 0; i < WINDOW; i++) pump();
    // Losses on a busy loopback would starve the window: top it up.
    const topUp = setInterval(() => { if (sent - answered > WINDOW * 4) return; for (let i = 0; i < 4; i++) pump(); }, 50);
    setTimeout(() => { clearInterval(topUp); resolve(); }, SECONDS * 1000 + 100);
  });
  return answered / ((Date.now() - started) / 1000);
}

async function main(): Promise<void> {
  const hs = await handshakes('full');
  console.log(`full PSK handshakes: ${hs.count} in ${SECONDS}s: ${hs.perSecond.toFixed(0)}/s; ${hs.perServerCpuSecond.toFixed(0)} per second of server CPU (clients in another process, ${CONCURRENCY} at once)`);
  const rs = await handshakes('resumed');
  console.log(`resumed PSK handshakes: ${rs.count} in ${SECONDS}s: ${rs.perSecond.toFixed(0)}/s; ${rs.perServerCpuSecond.toFixed(0)} per second of server CPU`);

  const plainServer = await UdpTransport.bind();
  const plainClient = await UdpTransport.bind();
  const plain = await requestRate(plainServer, plainClient, plainServer.address());
  await plainClient.close();
  await plainServer.close();
  console.log(`plain UDP: ${plain.toFixed(0)} requests/s`);

  const dtlsServer = new DtlsServer(await UdpTransport.bind(), { pskStore: () => KEY });
  const dtlsClient = new DtlsClient(await UdpTransport.bind(), { psk: { identity: 'bench', key: KEY } });
  await dtlsClient.connect(dtlsServer.address());
  const encrypted = await requestRate(dtlsServer, dtlsClient, dtlsServer.address());
  await dtlsClient.close();
  await dtlsServer.close();
  console.log(`DTLS (TLS_PSK_WITH_AES_128_CCM_8): ${encrypted.toFixed(0)} requests/s`);

  console.log(JSON.stringify({
    bench: 'dtls',
    psk_handshakes_per_s: Math.round(hs.perSecond),
    psk_handshakes_per_server_cpu_s: Math.round(hs.perServerCpuSecond),
    resumed_handshakes_per_s: Math.round(rs.perSecond),
    resumed_handshakes_per_server_cpu_s: Math.round(rs.perServerCpuSecond),
    dtls_rps: Math.round(encrypted),
    plain_udp_rps: Math.round(plain),
    ratio_vs_plain: Number((encrypted / plain).toFixed(3)),
    seconds: SECONDS,
    node: process.version,
  }));
}

if (process.argv[2] === '--load') await loadClients(Number(process.argv[3]), process.argv[4] === 'resumed' ? 'resumed' : 'full');
else await main();
