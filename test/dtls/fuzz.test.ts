import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { spkiOf } from '../../runtime/dtls/rpk.js';
import { test } from 'node:test';
import { DtlsServer } from '../../runtime/dtls/dtls-server.js';
import { DtlsClient } from '../../runtime/dtls/dtls-client.js';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import { parseRecords } from '../../runtime/dtls/record.js';
import { parseHandshakeFragments } from '../../runtime/dtls/handshake-fragment.js';
import { parseClientHello, parseHelloVerifyRequest, parseServerHello } from '../../runtime/dtls/handshake-hello.js';
import { parseClientKeyExchangePsk } from '../../runtime/dtls/handshake-psk.js';
import { parseCertificateList, verifyChain } from '../../runtime/dtls/x509.js';
import { parseCertificateRequest, parseCertificateVerify, parseRpkCertificate, parseServerKeyExchangeEcdhe } from '../../runtime/dtls/handshake-ecdhe.js';
import { parseAlert } from '../../runtime/dtls/alert.js';
import { MemoryHub } from './helpers/memory-link.js';
import { KEY, KEYS } from './helpers/pair.js';
import { xorshift32 as rng } from '../helpers/seeded-random.js';

const SEED = Number(process.env.DTLS_FUZZ_SEED ?? 0x5eed1234);
const ENDPOINT_INPUTS = 100_000;
const PARSER_INPUTS = 50_000;
// An upper bound for a loaded CI machine; about 3 s when the machine is idle.
const BUDGET_MS = 25_000;


function mutate(next: () => number, d: Uint8Array, corpus: readonly Uint8Array[]): Uint8Array {
  const r = (n: number): number => next() % Math.max(1, n);
  const out = Uint8Array.from(d);
  switch (r(9)) {
    case 0: { for (let k = 1 + r(4); k > 0 && out.length > 0; k--) out[r(out.length)]! ^= 1 << r(8); return out; }
    case 1: { if (out.length > 0) out[r(out.length)] = [0, 0xff, 0x7f, 0x80, 1][r(5)]!; return out; }
    case 2: return out.subarray(0, r(out.length + 1));
    case 3: { const extra = new Uint8Array(r(64)); for (let i = 0; i < extra.length; i++) extra[i] = r(256); return Buffer.concat([out, extra]); }
    case 4: return Buffer.concat([out, corpus[r(corpus.length)] ?? out]);
    // Length fields: record length (11-12), handshake length (14-16), fragment offset/length (19-24).
    case 5: { const i = [11, 12, 14, 15, 16, 19, 20, 21, 22, 23, 24][r(11)]!; if (i < out.length) out[i] = r(256); return out; }
    // Epoch (3-4) and sequence number (5-10).
    case 6: { const i = 3 + r(8); if (i < out.length) out[i] = r(256); return out; }
    case 7: { if (out.length > 0) out[0] = 18 + r(8); if (out.length > 13) out[13] = r(24); return out; }
    default: { const junk = new Uint8Array(r(300)); for (let i = 0; i < junk.length; i++) junk[i] = r(256); return junk; }
  }
}

test(`fuzz: ${ENDPOINT_INPUTS} mutated datagrams into live client/server handshakes, zero crashes`, async () => {
  const next = rng(SEED);
  const hub = new MemoryHub({ address: '127.0.0.1', port: 5684 });
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const clientKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = new DtlsServer(hub.server, {
    pskStore: (id) => KEYS.get(id), retransmit: { initialMs: 5, maxAttempts: 2 }, maxPeers: 64,
    rpk: { privateKey: serverKey.privateKey, verifyClientKey: () => true },
  });
  server.onDatagram((d) => { void server.send(d.data, d.peer).catch(() => undefined); });
  const corpus: Uint8Array[] = [];
  let inputs = 0;
  let fuzzing = true;
  // Fewer mutants during handshakes (unauthenticated, so most mutants there end the handshake
  // with an alert), many once records are protected: both paths get their share.
  let phase: 'handshake' | 'data' = 'handshake';
  // Every real datagram goes through, mostly followed (sometimes preceded) by a few mutants of
  // itself and of earlier ones. Mutants first kill most handshakes (the handshake is only
  // authenticated at Finished), so that order is kept rare to reach the later states too.
  hub.tap = (d) => {
    if (corpus.length < 256) corpus.push(d);
    else corpus[next() % corpus.length] = d;
    if (!fuzzing) return [d];
    const out: Uint8Array[] = [];
    for (let k = next() % (phase === 'handshake' ? 3 : 48); k > 0; k--) out.push(mutate(next, next() % 3 === 0 ? corpus[next() % corpus.length]! : d, corpus));
    inputs += out.length;
    if (next() % 8 === 0) out.push(d);
    else out.unshift(d);
    return out;
  };
  // The stack's timers are unref'd and the memory hub holds no socket: keep the loop alive.
  const keepAlive = setInterval(() => undefined, 1000);
  const started = Date.now();
  let hangs = 0;
  const failures = new Map<string, number>();
  let sessions = 0;
  let established = 0;
  let clientInternal = 0;
  for (let port = 10_000; inputs < ENDPOINT_INPUTS && Date.now() - started < BUDGET_MS; port++) {
    sessions++;
    // Half the sessions use RFC 9146 connection IDs, so CID records get their share of mutants.
    // One session in six uses raw public keys (ECDHE_ECDSA: costlier), the others PSK.
    const creds = port % 6 === 0
      ? { rpk: { privateKey: clientKey.privateKey, serverPublicKey: spkiOf(serverKey.publicKey) } }
      : { psk: { identity: 'dev1', key: KEY } };
    const c = new DtlsClient(hub.clientTransport(port), { ...creds, retransmit: { initialMs: 5, maxAttempts: 2 }, connectionId: port % 2 === 0 });
    c.onDatagram(() => undefined);
    c.onEvent((e) => { if (e.type === 'error') failures.set(e.error.code, (failures.get(e.error.code) ?? 0) + 1); });
    try {
      // Every handshake must settle by itself (retransmission gives up after 5 + 10 ms).
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settled = await Promise.race([
        c.connect({ address: '127.0.0.1', port: 5684 }).then(() => true),
        new Promise<false>((r) => { timer = setTimeout(() => r(false), 2000); }),
      ]).finally(() => clearTimeout(timer));
      if (!settled) { hangs++; await c.close(); continue; }
      established++;
      phase = 'data';
      for (let i = 0; i < 24; i++) await c.send(Uint8Array.of(i, 1, 2, 3), { address: '127.0.0.1', port: 5684 }).catch(() => undefined);
      await new Promise((r) => setImmediate(r));
    } catch (e) {
      assert.ok(e instanceof DtlsError, `client failed with a non-DtlsError: ${String(e)}`);
    }
    phase = 'handshake';
    clientInternal += c.stats().internalErrors;
    await c.close();
  }
  clearInterval(keepAlive);
  fuzzing = false;
  // Raw garbage straight at the server from strangers, too.
  for (let i = 0; i < 2000; i++) hub.inject(mutate(next, corpus[next() % corpus.length]!, corpus), { address: '127.0.0.1', port: 60_000 + (i % 100) });
  inputs += 2000;
  const s = server.stats();
  await server.close();
  const ms = Date.now() - started;
  console.log(`# fuzz seed=0x${SEED.toString(16)} inputs=${inputs} sessions=${sessions} hangs=${hangs} established=${established} ms=${ms} dropped=${s.recordsDropped} client_failures=${JSON.stringify(Object.fromEntries(failures))}`);
  assert.equal(s.internalErrors, 0, 'server internal errors');
  assert.equal(clientInternal, 0, 'client internal errors');
  assert.equal(hangs, 0, 'handshakes that never settled');
  assert.ok(inputs >= ENDPOINT_INPUTS, `only ${inputs} inputs within the time budget`);
  assert.ok(established * 2 > sessions, `handshakes that survived the noise: ${established} of ${sessions}`);
  assert.ok(s.sessions + s.handshakesInProgress <= 64, 'state stays bounded');
});

// Keyed by handshake type; 111 stands for the X.509 form of Certificate (11 is its raw-key form).
const PARSERS = new Map<number, (b: Uint8Array) => unknown>([
  [1, parseClientHello], [2, parseServerHello], [3, parseHelloVerifyRequest], [11, parseRpkCertificate], [111, parseCertificateList],
  [12, parseServerKeyExchangeEcdhe], [13, parseCertificateRequest], [15, parseCertificateVerify], [16, parseClientKeyExchangePsk],
]);

test(`fuzz: ${PARSER_INPUTS} inputs into the record and handshake parsers throw only DtlsError`, () => {
  const next = rng(SEED ^ 0xa5a5a5a5);
  // Seeds: a ClientHello, a ServerHello, an HVR, a ClientKeyExchange, as their records.
  const hex = (s: string): Uint8Array => Buffer.from(s, 'hex');
  const corpus = [
    hex('16fefd0000000000000001003c010000300001000000003000fefd' + '11'.repeat(32) + '0000' + '0004c0a800ff0100' + '0004' + '00170000'),
    hex('16fefd0000000000000002003a0200002e000100000000002efefd' + '22'.repeat(32) + '00c0a800' + '0008ff0100010000170000'),
    hex('16fefe000000000000000000230300001700000000000017feff10' + '33'.repeat(16)),
    hex('16fefd00000000000000030012100000060002000000000600046465763115'),
  ];
  let crashes = 0;
  const check = (f: () => unknown): void => {
    try { f(); } catch (e) { if (!(e instanceof DtlsError)) { crashes++; throw e; } }
  };
  for (let i = 0; i < PARSER_INPUTS; i++) {
    const input = mutate(next, corpus[i % corpus.length]!, corpus);
    const { records } = parseRecords(input, i % 2 === 0 ? 6 : 0);
    for (const rec of records) {
      check(() => parseAlert(rec.fragment));
      check(() => {
        for (const f of parseHandshakeFragments(rec.fragment, 4096)) {
          // Each body goes to the parser of its type, and now and then to another one.
          const type = next() % 4 === 0 ? [1, 2, 3, 11, 111, 12, 13, 15, 16][next() % 9]! : f.type;
          const parser = PARSERS.get(type);
          if (parser !== undefined) check(() => parser(f.body));
        }
      });
    }
    // Certificate chains of garbage: verifyChain must refuse them with a DtlsError.
    if (i % 16 === 0) check(() => verifyChain([input], []));
    // The bodies alone, past the record header, too.
    const body = input.subarray(25);
    check(() => parseClientHello(body));
    check(() => parseServerHello(body));
  }
  assert.equal(crashes, 0);
});
