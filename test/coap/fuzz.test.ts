import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { encodeBlock } from '../../runtime/coap/block-option.js';
import { decode, encode } from '../../runtime/coap/codec.js';
import { ResponseCode } from '../../runtime/coap/codes.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import type { CoapMessage, CoapOption } from '../../runtime/coap/message.js';
import { OptionNumber as O, encodeUint } from '../../runtime/coap/options.js';
import { ManualClock, MemoryTransport, closeAll, udpEndpoint, until } from './helpers.js';
import { mulberry32 as prng } from '../helpers/seeded-random.js';

after(closeAll);


const SEED = Number(process.env.COAP_FUZZ_SEED ?? 20261125);
const COUNT = 100_000;

test(`fuzz: ${COUNT} random and mutated datagrams, no crash, no internal error (seed ${SEED})`, async () => {
  const rnd = prng(SEED);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pool = Uint8Array.from({ length: 1 << 16 }, () => int(256));
  const bytes = (n: number): Uint8Array => {
    const at = int(pool.length - n);
    return pool.slice(at, at + n);
  };
  const clock = new ManualClock();
  const t = new MemoryTransport();
  const ep = new CoapEndpoint({ transport: t, clock, random: rnd, maxPeers: 64, maxDedupEntries: 2000, maxBlockTransfers: 16, maxBodySize: 8192 });
  ep.onRequest(async (r) => {
    if (r.observeRequested && int(2) === 0) r.acceptObserve();
    if (int(8) === 0) await Promise.resolve();
    if (int(50) === 0) throw new Error('handler failure');
    return { code: ResponseCode.Content, payload: r.payload.length > 0 ? r.payload : bytes(int(3000)), contentFormat: int(2) === 0 ? 0 : undefined };
  });
  const peers = Array.from({ length: 8 }, (_, i) => ({ address: `127.0.0.${1 + i}`, port: 5683 + i }));
  const optionNumbers = [O.UriPath, O.UriQuery, O.ContentFormat, O.Accept, O.Observe, O.Block1, O.Block2, O.Size1, O.Size2, O.ETag, O.IfMatch, 9, 2, 258, 65535];
  const valid = (): CoapMessage => {
    const options: CoapOption[] = [];
    for (let i = int(6); i > 0; i--) {
      const n = optionNumbers[int(optionNumbers.length)]!;
      const value = n === O.Block1 || n === O.Block2 ? encodeBlock({ num: int(8), more: int(2) === 0, szx: int(7) }) : n === O.Observe ? encodeUint(int(2)) : bytes(int(6));
      options.push({ number: n, value });
    }
    return { type: int(4) as 0 | 1 | 2 | 3, code: [0, 1, 2, 3, 4, 5, 6, 7, 9, 0x45, 0x44, 0x5f, 0x84, 0xe0][int(14)]!, messageId: int(2) === 0 ? int(64) : int(65536), token: bytes(int(9)), options, payload: bytes(int(2) === 0 ? 0 : int(1500)) };
  };
  // Outgoing traffic (requests, observations) so responses and notifications have something to match.
  const sent: Uint8Array[] = [];
  const inner = t.send.bind(t);
  t.send = (data: Uint8Array) => {
    if (sent.length < 256) sent.push(data);
    else sent[int(256)] = data;
    return inner(data);
  };
  const start = Date.now();
  for (let i = 0; i < COUNT; i++) {
    const peer = peers[int(peers.length)]!;
    if (i % 500 === 0) {
      ep.request(peer, { method: 'GET', path: '/3/0', payload: int(2) === 0 ? bytes(3000) : undefined }).catch(() => {});
      ep.observe(peer, { method: 'GET', path: '/3/0/9' }, () => {}).catch(() => {});
      ep.ping(peer).catch(() => {});
      clock.advance(int(5000));
    }
    let data: Uint8Array;
    const kind = int(4);
    if (kind === 0) data = bytes(int(64));
    else {
      const base = kind === 1 && sent.length > 0 ? Uint8Array.from(sent[int(sent.length)]!) : Uint8Array.from(encode(valid()));
      data = base;
      // Mutate: flip bytes, truncate, or splice in random bytes.
      for (let k = int(4); k > 0; k--) {
        const op = int(3);
        if (op === 0 && data.length > 0) data[int(data.length)] = int(256);
        else if (op === 1) data = data.subarray(0, int(data.length + 1));
        else {
          const at = int(data.length + 1);
          const ins = bytes(int(4));
          const out = new Uint8Array(data.length + ins.length);
          out.set(data.subarray(0, at));
          out.set(ins, at);
          out.set(data.subarray(at), at + ins.length);
          data = out;
        }
      }
      // Reply-like mutation: turn one of our own messages into an ACK/RST/response.
      if (kind === 1 && data.length >= 4 && int(2) === 0) data[0] = (data[0]! & 0xcf) | (int(4) << 4);
    }
    t.inject(data, peer);
    if (i % 97 === 0) await Promise.resolve();
  }
  clock.advance(300_000);
  const ms = Date.now() - start;
  assert.equal(ep.stats.internalErrors, 0, 'no failure inside the layer');
  assert.equal(ep.stats.received, COUNT);
  assert.ok(ep.stats.malformed > 1000, `malformed counted: ${ep.stats.malformed}`);
  const s = ep.stateSize;
  assert.ok(s.peers <= 64 && s.dedup <= 2000, JSON.stringify(s));
  assert.ok(ms < 20_000, `took ${ms} ms`);
  if (process.env.COAP_FUZZ_VERBOSE) console.log(ms, ep.stats, s);
  // Every decoded message re-encodes to bytes that decode the same (codec consistency on fuzz input).
  for (let i = 0; i < 2000; i++) {
    const r = decode(bytes(int(40)));
    if (r.ok) assert.ok(decode(encode(r.message)).ok);
  }
  await ep.close();
});

test('after the fuzz load an endpoint on a real socket still answers', async () => {
  const server = await udpEndpoint();
  server.onRequest(() => ({ code: ResponseCode.Content, payload: 'alive' }));
  const { createSocket } = await import('node:dgram');
  const s = createSocket('udp4');
  const rnd = prng(SEED + 1);
  // Fewer than fill the default receive buffer, so the real request below is not dropped by the kernel.
  for (let i = 0; i < 150; i++) s.send(Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)), server.address().port, '127.0.0.1');
  await until(() => server.stats.received === 150);
  const client = await udpEndpoint();
  const t0 = Date.now();
  const res = await client.request(server.address(), { method: 'GET' });
  if (process.env.COAP_FUZZ_VERBOSE) console.log('request took', Date.now() - t0);
  assert.equal(Buffer.from(res.payload).toString(), 'alive');
  assert.equal(server.stats.internalErrors, 0);
  s.close();
});
