import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import { client, echoServer, KEY, nextDatagram, sleep } from './helpers/pair.js';
import { Proxy } from './helpers/proxy.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function echoOnce(c: Awaited<ReturnType<typeof client>>, peer: { address: string; port: number }, s: string): Promise<string> {
  const got = nextDatagram(c);
  await c.send(text(s), peer);
  return new TextDecoder().decode((await got).data);
}

test('session resumption: the second connect is an abbreviated handshake with the same identity', async () => {
  const { server, addr, received } = await echoServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const c = await client();
  try {
    assert.equal(await echoOnce(c, addr, 'one'), 'one');
    c.disconnect(addr);
    await sleep(50);
    assert.equal(await echoOnce(c, addr, 'two'), 'two');
    const est = events.filter((e) => e.type === 'established');
    assert.deepEqual(est.map((e) => e.type === 'established' && e.resumed), [false, true]);
    assert.equal(server.stats().handshakesResumed, 1);
    assert.equal(c.stats().handshakesResumed, 1);
    assert.deepEqual(received[1]?.identity, { type: 'psk', identity: 'dev1' });
  } finally {
    await c.close();
    await server.close();
  }
});

test('a server that forgot the session answers with a full handshake', async () => {
  const { server, addr } = await echoServer({ sessionCacheSize: 0 });
  const c = await client();
  try {
    await c.connect(addr);
    c.disconnect(addr);
    await sleep(50);
    assert.equal(await echoOnce(c, addr, 'full'), 'full');
    assert.equal(server.stats().handshakesResumed, 0);
    assert.equal(server.stats().handshakesCompleted, 2);
  } finally {
    await c.close();
    await server.close();
  }
});

test('resumption survives the loss of the server\'s first flight and of the client\'s last', async () => {
  const { server, addr } = await echoServer({ retransmit: { initialMs: 50 } });
  const proxy = await Proxy.start(addr);
  const c = await client({ retransmit: { initialMs: 50 } });
  try {
    await c.connect(proxy.address);
    c.disconnect(proxy.address);
    await sleep(50);
    const start = proxy.seenToServer.length;
    let lostServer = 0;
    let lostClient = 0;
    // The resumed ServerHello+CCS+Finished datagram once, then the client's CCS+Finished once.
    proxy.toClient = (d) => (d[0] === 22 && d.includes(20) && lostServer++ === 0 ? null : d);
    proxy.toServer = (d, i) => (i > start && d[0] === 20 && lostClient++ === 0 ? null : d);
    assert.equal(await echoOnce(c, proxy.address, 'lossy'), 'lossy');
    assert.ok(lostServer >= 1 && lostClient >= 1, `${lostServer} ${lostClient}`);
    assert.equal(server.stats().handshakesResumed, 1);
  } finally {
    await c.close();
    await server.close();
    proxy.close();
  }
});

test('a resumed session is not offered under other credentials; a wrong key cannot resume', async () => {
  const { server, addr } = await echoServer();
  const c = await client({ psk: (peer) => (peer.port === addr.port ? { identity: 'dev1', key: KEY } : undefined) });
  try {
    await c.connect(addr);
    c.disconnect(addr);
    await sleep(50);
    await c.connect(addr);
    assert.equal(c.stats().handshakesResumed, 1);
  } finally {
    await c.close();
  }
  const other = await client({ psk: { identity: 'dev1', key: Buffer.from('wrong key, sorry') } });
  try {
    await assert.rejects(other.connect(addr), DtlsError);
  } finally {
    await other.close();
    await server.close();
  }
});
