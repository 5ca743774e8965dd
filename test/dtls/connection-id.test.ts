import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import { client, echoServer, nextDatagram, sleep } from './helpers/pair.js';
import { Proxy } from './helpers/proxy.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test('Connection ID (RFC 9146): the session follows the client through a NAT rebinding', async () => {
  const { server, addr, received } = await echoServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const proxy = await Proxy.start(addr);
  const c = await client({ connectionId: true });
  try {
    await c.connect(proxy.address);
    let echo = nextDatagram(c);
    await c.send(text('before'), proxy.address);
    assert.equal(new TextDecoder().decode((await echo).data), 'before');
    // Protected records from the client now carry the server's CID: type 25.
    assert.equal(proxy.seenToServer.at(-1)![0], 25);
    const before = proxy.upstreamPort;
    await proxy.rebind();
    assert.notEqual(proxy.upstreamPort, before);
    echo = nextDatagram(c);
    await c.send(text('after'), proxy.address);
    const d = await echo;
    assert.equal(new TextDecoder().decode(d.data), 'after');
    assert.deepEqual(received.at(-1)?.identity, { type: 'psk', identity: 'dev1' });
    assert.equal(received.at(-1)?.peer.port, proxy.upstreamPort, 'the server answers at the new address');
    const moved = events.find((e) => e.type === 'peer-moved');
    assert.ok(moved?.type === 'peer-moved' && moved.from.port === before && moved.peer.port === proxy.upstreamPort);
    assert.equal(server.stats().sessions, 1);
    assert.equal(server.stats().handshakesCompleted, 1, 'no new handshake');
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('without Connection ID a rebinding client is a stranger to the server', async () => {
  const { server, addr, received } = await echoServer();
  const proxy = await Proxy.start(addr);
  const c = await client();
  try {
    await c.connect(proxy.address);
    assert.ok(proxy.seenToServer.every((d) => d[0] !== 25), 'no CID records');
    await proxy.rebind();
    await c.send(text('lost'), proxy.address);
    await sleep(100);
    assert.equal(received.length, 0);
    assert.equal(server.stats().drops.E_DTLS_NO_SESSION, 1);
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('a forged CID record from another address moves nothing', async () => {
  const { server, addr, received } = await echoServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const proxy = await Proxy.start(addr);
  const c = await client({ connectionId: true });
  try {
    await c.connect(proxy.address);
    const echo = nextDatagram(c);
    await c.send(text('x'), proxy.address);
    await echo;
    const rec = Buffer.from(proxy.seenToServer.at(-1)!);
    // The same record replayed from elsewhere: replay window; tampered: MAC. Neither moves the session.
    await proxy.rebind();
    proxy.inject(rec);
    const tampered = Buffer.from(rec); tampered[tampered.length - 1]! ^= 1; tampered[10]! ^= 0x10;
    proxy.inject(tampered);
    await sleep(100);
    assert.equal(received.length, 1);
    assert.equal(events.filter((e) => e.type === 'peer-moved').length, 0);
    assert.ok((server.stats().drops.E_DTLS_REPLAY ?? 0) + (server.stats().drops.E_DTLS_BAD_RECORD_MAC ?? 0) >= 2);
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('a resumed session negotiates a fresh connection ID and still follows a rebinding', async () => {
  const { server, addr } = await echoServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const proxy = await Proxy.start(addr);
  const c = await client({ connectionId: true });
  try {
    await c.connect(proxy.address);
    c.disconnect(proxy.address);
    await sleep(50);
    let echo = nextDatagram(c);
    await c.send(text('resumed'), proxy.address);
    await echo;
    assert.equal(server.stats().handshakesResumed, 1);
    await proxy.rebind();
    echo = nextDatagram(c);
    await c.send(text('moved'), proxy.address);
    assert.equal(new TextDecoder().decode((await echo).data), 'moved');
    assert.equal(events.filter((e) => e.type === 'peer-moved').length, 1);
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});
