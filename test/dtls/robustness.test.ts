import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSocket } from 'node:dgram';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import { encodeClientHello } from '../../runtime/dtls/handshake-hello.js';
import { encodeHandshakeMessage } from '../../runtime/dtls/handshake-fragment.js';
import { encodeRecord, DTLS_1_2 } from '../../runtime/dtls/record.js';
import { client, echoServer, KEY, nextDatagram, sleep } from './helpers/pair.js';
import { Proxy } from './helpers/proxy.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test('a wrong key: the server answers bad_record_mac, both sides end cleanly', async () => {
  const { server, addr } = await echoServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const c = await client({ psk: { identity: 'dev1', key: Buffer.from('the wrong key!!!') } });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_ALERT_RECEIVED' && e.alert === 20);
    const err = events.find((e) => e.type === 'error');
    assert.ok(err?.type === 'error' && err.error.code === 'E_DTLS_BAD_RECORD_MAC');
    assert.equal(server.stats().sessions, 0);
    assert.equal(server.stats().handshakesInProgress, 0);
    await assert.rejects(c.send(text('x'), addr), DtlsError);
  } finally {
    await c.close();
    await server.close();
  }
});

test('an unknown identity: unknown_psk_identity alert, no session', async () => {
  const { server, addr } = await echoServer();
  const c = await client({ psk: { identity: 'stranger', key: KEY } });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_ALERT_RECEIVED' && e.alert === 115);
    assert.equal(server.stats().sessions, 0);
    assert.equal(server.stats().handshakesFailed, 1);
  } finally {
    await c.close();
    await server.close();
  }
});

test('a replayed record is dropped, delivered once', async () => {
  const { server, addr, received } = await echoServer();
  const proxy = await Proxy.start(addr);
  const c = await client();
  try {
    await c.connect(proxy.address);
    const echo = nextDatagram(c);
    await c.send(text('once'), proxy.address);
    await echo;
    const appData = proxy.seenToServer.at(-1)!;
    assert.equal(appData[0], 23);
    proxy.inject(appData);
    proxy.inject(appData);
    await sleep(100);
    assert.equal(received.length, 1);
    assert.equal(server.stats().drops.E_DTLS_REPLAY, 2);
    assert.equal(server.stats().sessions, 1, 'the session survives');
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('a tampered record is dropped; the session goes on', async () => {
  const { server, addr, received } = await echoServer();
  const proxy = await Proxy.start(addr);
  const c = await client();
  try {
    await c.connect(proxy.address);
    proxy.toServer = (d) => { if (d[0] !== 23) return d; const t = Buffer.from(d); t[t.length - 3]! ^= 0x40; proxy.toServer = (x) => x; return t; };
    await c.send(text('tampered'), proxy.address);
    await sleep(100);
    assert.equal(received.length, 0);
    assert.equal(server.stats().drops.E_DTLS_BAD_RECORD_MAC, 1);
    const echo = nextDatagram(c);
    await c.send(text('clean'), proxy.address);
    assert.equal(new TextDecoder().decode((await echo).data), 'clean');
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('lost flights are retransmitted with back-off until the handshake completes', async () => {
  const { server, addr } = await echoServer({ retransmit: { initialMs: 50 } });
  const proxy = await Proxy.start(addr);
  // Lose the first two datagrams each way: the first ClientHello and the first HVR, and so on.
  proxy.toServer = (d, i) => (i < 2 ? null : d);
  proxy.toClient = (d, i) => (i < 2 ? null : d);
  const c = await client({ retransmit: { initialMs: 50 } });
  try {
    await c.connect(proxy.address);
    assert.equal(server.stats().sessions, 1);
    const echo = nextDatagram(c);
    await c.send(text('after loss'), proxy.address);
    assert.equal(new TextDecoder().decode((await echo).data), 'after loss');
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('a lost final server flight: the client resends its flight, the server resends its Finished', async () => {
  const { server, addr } = await echoServer();
  const proxy = await Proxy.start(addr);
  let dropped = 0;
  // The server's CCS+Finished datagram starts with a ChangeCipherSpec record (type 20).
  proxy.toClient = (d) => (d[0] === 20 && dropped++ === 0 ? null : d);
  const c = await client({ retransmit: { initialMs: 50 } });
  try {
    await c.connect(proxy.address);
    assert.equal(dropped, 2);
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('a long PSK identity with a small MTU: handshake messages are fragmented and reassembled', async () => {
  const longId = 'x'.repeat(700);
  const { server, addr } = await echoServer({ pskStore: (id) => (id === longId ? KEY : undefined), mtu: 256 });
  const proxy = await Proxy.start(addr);
  const c = await client({ psk: { identity: longId, key: KEY }, mtu: 256 });
  try {
    await c.connect(proxy.address);
    assert.ok(proxy.seenToServer.every((d) => d.length <= 256), 'no datagram above the MTU');
    const echo = nextDatagram(c);
    await c.send(text('frag'), proxy.address);
    assert.deepEqual((await echo).identity, { type: 'psk', identity: longId });
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('no per-peer state before the cookie: a ClientHello flood only gets HelloVerifyRequests', async () => {
  const { server, addr } = await echoServer();
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    const hello = (cookie: Uint8Array, i: number): Uint8Array => encodeRecord(22, DTLS_1_2, 0, i, encodeHandshakeMessage({
      type: 1, messageSeq: 0, body: encodeClientHello({
        version: DTLS_1_2, random: new Uint8Array(32).fill(i & 0xff), sessionId: new Uint8Array(0), cookie,
        cipherSuites: [0xc0a8], compressionMethods: Uint8Array.of(0), extensions: [],
      }),
    }));
    let answers = 0;
    sock.on('message', () => { answers++; });
    // Paced so that loopback socket buffers do not drop the flood before the server sees it.
    for (let i = 0; i < 1000; i++) {
      const cookie = i < 500 ? new Uint8Array(0) : new Uint8Array(16).fill(1);
      await new Promise<void>((r) => sock.send(hello(cookie, i), addr.port, addr.address, () => r()));
      if (i % 50 === 49) await sleep(5);
    }
    await sleep(200);
    const s = server.stats();
    assert.equal(s.sessions + s.handshakesInProgress, 0);
    assert.ok(s.helloVerifyRequestsSent >= 500, `HVRs: ${s.helloVerifyRequestsSent}`); // loopback may still drop a few
    assert.ok((s.drops.E_DTLS_BAD_COOKIE ?? 0) >= 200);
    assert.ok(answers >= 500);
  } finally {
    sock.close();
    await server.close();
  }
});

test('bounded state: beyond maxPeers a new peer gets no handshake', async () => {
  const { server, addr } = await echoServer({ maxPeers: 1 });
  const a = await client();
  const b = await client({ retransmit: { initialMs: 30, maxAttempts: 2 } });
  try {
    await a.connect(addr);
    await assert.rejects(b.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_TIMEOUT');
    assert.ok((server.stats().drops.E_DTLS_LIMIT ?? 0) >= 1);
    assert.equal(server.stats().sessions, 1);
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
});

test('at maxPeers, a new peer replaces the session idle the longest (if idle long enough)', async () => {
  const { server, addr } = await echoServer({ maxPeers: 2, evictIdleAfterMs: 100 });
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const a = await client();
  const b = await client();
  const c = await client({ retransmit: { initialMs: 50, maxAttempts: 3 } });
  try {
    await a.connect(addr);
    await b.connect(addr);
    await sleep(150);
    await b.send(text('keep me'), addr);
    await c.connect(addr);
    assert.equal(server.stats().sessions, 2);
    const closed = events.filter((e) => e.type === 'closed');
    assert.equal(closed.length, 1);
    assert.equal(closed[0]?.peer.port, a.address().port, 'the idle one went');
  } finally {
    await a.close();
    await b.close();
    await c.close();
    await server.close();
  }
});

test('bounded handshakes: beyond maxHandshakes in progress, new ClientHellos are dropped', async () => {
  // A PSK store that never answers keeps the first handshake in progress.
  const { server, addr } = await echoServer({ maxHandshakes: 1, pskStore: () => new Promise<undefined>(() => undefined) });
  const a = await client({ retransmit: { initialMs: 30, maxAttempts: 2 } });
  const b = await client({ retransmit: { initialMs: 30, maxAttempts: 2 } });
  try {
    const first = a.connect(addr).catch((e: unknown) => e);
    await sleep(50);
    assert.equal(server.stats().handshakesInProgress, 1);
    await assert.rejects(b.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_TIMEOUT');
    assert.ok((server.stats().drops.E_DTLS_LIMIT ?? 0) >= 1);
    assert.ok((await first) instanceof DtlsError);
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
});

test('close_notify ends the session on both sides', async () => {
  const { server, addr } = await echoServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const c = await client();
  try {
    await c.connect(addr);
    c.disconnect(addr);
    await sleep(100);
    assert.ok(events.some((e) => e.type === 'closed'));
    assert.equal(server.stats().sessions, 0);
    assert.equal(c.stats().sessions, 0);
    // A new handshake afterwards works (a resumption: the client's Finished is the last word,
    // so the server counts the session a moment after the client does).
    await c.connect(addr);
    await sleep(50);
    assert.equal(server.stats().sessions, 1);
  } finally {
    await c.close();
    await server.close();
  }
});

test('closing the transport sends close_notify to every peer before the socket goes', async () => {
  const { server, addr } = await echoServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const c = await client();
  try {
    await c.connect(addr);
    await c.close();
    await sleep(100);
    assert.ok(events.some((e) => e.type === 'closed'));
    assert.equal(server.stats().sessions, 0);
  } finally {
    await server.close();
  }
});

test('a restarted client (new handshake from the same address) replaces its old session', async () => {
  const { server, addr } = await echoServer();
  const proxy = await Proxy.start(addr);
  const first = await client();
  const second = await client({ psk: { identity: 'dev2', key: Buffer.from('secret-key-two') } });
  try {
    await first.connect(proxy.address);
    await second.connect(proxy.address);
    assert.equal(server.stats().sessions, 1);
    const echo = nextDatagram(second);
    await second.send(text('again'), proxy.address);
    assert.deepEqual((await echo).identity, { type: 'psk', identity: 'dev2' });
  } finally {
    await first.close();
    await second.close();
    await server.close();
    proxy.close();
  }
});

test('an asynchronous PSK store; requireExtendedMasterSecret between our own peers', async () => {
  const { server, addr, received } = await echoServer({
    requireExtendedMasterSecret: true,
    pskStore: async (id) => { await sleep(20); return id === 'dev1' ? KEY : undefined; },
  });
  const c = await client({ requireExtendedMasterSecret: true });
  try {
    await c.connect(addr);
    const echo = nextDatagram(c);
    await c.send(text('async'), addr);
    await echo;
    assert.deepEqual(received[0]?.identity, { type: 'psk', identity: 'dev1' });
  } finally {
    await c.close();
    await server.close();
  }
});

test('each suite can be chosen; a suite mismatch fails with handshake_failure', async () => {
  for (const suite of ['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_PSK_WITH_AES_128_CBC_SHA256'] as const) {
    const { server, addr } = await echoServer();
    const events: DtlsEvent[] = [];
    server.onEvent((e) => events.push(e));
    const c = await client({ cipherSuites: [suite] });
    try {
      await c.connect(addr);
      const est = events.find((e) => e.type === 'established');
      assert.ok(est?.type === 'established' && est.cipherSuite === suite && est.extendedMasterSecret);
      assert.equal(est.encryptThenMac, suite.includes('CBC'), 'encrypt-then-MAC on CBC only');
    } finally {
      await c.close();
      await server.close();
    }
  }
  const { server, addr } = await echoServer({ cipherSuites: ['TLS_PSK_WITH_AES_128_GCM_SHA256'] });
  const c = await client({ cipherSuites: ['TLS_PSK_WITH_AES_128_CCM_8'] });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.alert === 40);
  } finally {
    await c.close();
    await server.close();
  }
});

test('user callbacks that throw do not crash the transport', async () => {
  const { server, addr } = await echoServer({ pskStore: (id) => { if (id === 'boom') throw new Error('store down'); return id === 'dev1' ? KEY : undefined; } });
  server.onEvent(() => { throw new Error('event handler bug'); });
  server.onDatagram(() => { throw new Error('datagram handler bug'); });
  const bad = await client({ psk: { identity: 'boom', key: KEY } });
  const good = await client();
  try {
    // A throwing PSK store ends that handshake with internal_error (80).
    await assert.rejects(bad.connect(addr), (e) => e instanceof DtlsError && e.alert === 80);
    await good.connect(addr);
    await good.send(text('ignored by a broken handler'), addr);
    await sleep(50);
    assert.equal(server.stats().sessions, 1);
    assert.ok(server.stats().internalErrors >= 2, 'counted, not thrown');
  } finally {
    await bad.close();
    await good.close();
    await server.close();
  }
});
