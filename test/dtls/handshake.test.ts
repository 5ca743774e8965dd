import assert from 'node:assert/strict';
import { test } from 'node:test';
import { client, echoServer, KEY, nextDatagram } from './helpers/pair.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { DtlsServer } from '../../runtime/dtls/dtls-server.js';
import { DtlsClient } from '../../runtime/dtls/dtls-client.js';

test('our client and our server: PSK handshake, identity handed up, echo both ways', async () => {
  const { server, addr, received } = await echoServer();
  const c = await client();
  try {
    await c.connect(addr);
    const got = nextDatagram(c);
    await c.send(new TextEncoder().encode('hello'), addr);
    const d = await got;
    assert.equal(new TextDecoder().decode(d.data), 'hello');
    assert.deepEqual(d.identity, { type: 'psk', identity: 'dev1' });
    assert.deepEqual(received[0]?.identity, { type: 'psk', identity: 'dev1' });
    assert.equal(server.stats().sessions, 1);
    assert.equal(server.stats().helloVerifyRequestsSent, 1);
    assert.equal(server.stats().internalErrors, 0);
  } finally {
    await c.close();
    await server.close();
  }
});

test('over IPv6 loopback ([::1]) too', async (t) => {
  let udp: UdpTransport;
  try {
    udp = await UdpTransport.bind({ address: '::1', port: 0 });
  } catch {
    t.skip('no IPv6 loopback');
    return;
  }
  const server = new DtlsServer(udp, { pskStore: (id) => (id === 'dev1' ? KEY : undefined) });
  server.onDatagram((d) => { void server.send(d.data, d.peer).catch(() => undefined); });
  const c = new DtlsClient(await UdpTransport.bind({ address: '::1', port: 0 }), { psk: { identity: 'dev1', key: KEY }, connectionId: true });
  try {
    const echo = nextDatagram(c);
    await c.send(new TextEncoder().encode('v6'), server.address());
    const d = await echo;
    assert.equal(new TextDecoder().decode(d.data), 'v6');
    assert.equal(d.peer.address, '::1');
    assert.equal(c.identityOf(server.address())?.type, 'psk');
  } finally {
    await c.close();
    await server.close();
  }
});
