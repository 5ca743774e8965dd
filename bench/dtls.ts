/**
 * DTLS benchmark over loopback UDP, ours on both ends in one process (so each figure pays for
 * both sides' CPU): full PSK handshakes per second, and the request/response rate through
 * DTLS compared with plain UDP in the same run. Last line: one JSON object.
 */
import { UdpTransport } from '../runtime/transport/udp.js';
import type { DatagramTransport, PeerAddress } from '../runtime/transport/datagram-transport.js';
import { DtlsServer } from '../runtime/dtls/dtls-server.js';
import { DtlsClient } from '../runtime/dtls/dtls-client.js';

const KEY = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONCURRENCY = 8;
const WINDOW = 32;
const PAYLOAD = new Uint8Array(64).fill(0x61);

async function handshakes(): Promise<{ perSecond: number; count: number }> {
  const server = new DtlsServer(await UdpTransport.bind(), { pskStore: () => KEY, maxPeers: 100_000 });
  const addr = server.address();
  const deadline = Date.now() + SECONDS * 1000;
  let count = 0;
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    // One socket per worker, reused: socket set-up is not what we measure.
    const udp = await UdpTransport.bind();
    while (Date.now() < deadline) {
      const c = new DtlsClient(keepOpen(udp), { psk: { identity: 'bench', key: KEY } });
      await c.connect(addr);
      count++;
      await c.close();
    }
    await udp.close();
  }));
  const elapsed = (Date.now() - started) / 1000;
  await server.close();
  return { perSecond: count / elapsed, count };
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
  const hs = await handshakes();
  console.log(`full PSK handshakes: ${hs.count} in ${SECONDS}s, ${hs.perSecond.toFixed(0)}/s (both ends in one process, ${CONCURRENCY} at once)`);

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
    dtls_rps: Math.round(encrypted),
    plain_udp_rps: Math.round(plain),
    ratio_vs_plain: Number((encrypted / plain).toFixed(3)),
    seconds: SECONDS,
    node: process.version,
  }));
}

await main();
