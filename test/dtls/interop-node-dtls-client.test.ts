import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dtls } from 'node-dtls-client';
import type { PeerAddress } from '../../runtime/transport/datagram-transport.js';
import { echoServer, KEY } from './helpers/pair.js';

type Suite = NonNullable<dtls.Options['ciphers']>[number];

/** Connects node-dtls-client, sends one message, resolves with the echo (or the error). */
function roundTrip(addr: PeerAddress, identity: string, key: Buffer, ciphers: Suite[], message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.close(); reject(new Error('timeout')); }, 5000);
    const socket = dtls.createSocket({
      type: 'udp4', address: addr.address, port: addr.port,
      psk: { [identity]: key.toString('latin1') }, timeout: 4000, ciphers,
    });
    socket.on('connected', () => socket.send(Buffer.from(message)));
    socket.on('message', (msg: Buffer) => { clearTimeout(timer); socket.close(); resolve(msg.toString()); });
    // node-dtls-client has already torn its socket down when it reports an error.
    socket.on('error', (e: Error) => { clearTimeout(timer); reject(e); });
  });
}

for (const suite of ['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_PSK_WITH_AES_128_CBC_SHA256'] as const) {
  test(`node-dtls-client against our server: ${suite}`, async () => {
    const { server, addr, received } = await echoServer();
    try {
      const echo = await roundTrip(addr, 'dev1', KEY, [suite], 'ping');
      assert.equal(echo, 'ping');
      assert.deepEqual(received[0]?.identity, { type: 'psk', identity: 'dev1' });
      assert.equal(server.stats().internalErrors, 0);
    } finally {
      await server.close();
    }
  });
}

test('node-dtls-client with a wrong key fails cleanly; the server lives on', async () => {
  const { server, addr } = await echoServer();
  try {
    await assert.rejects(roundTrip(addr, 'dev1', Buffer.from('wrong-key-wrong!'), ['TLS_PSK_WITH_AES_128_CCM_8'], 'x'), /alert|20|bad_record_mac/i);
    assert.equal(server.stats().sessions, 0);
    assert.equal(server.stats().handshakesFailed, 1);
    assert.equal(await roundTrip(addr, 'dev1', KEY, ['TLS_PSK_WITH_AES_128_CCM_8'], 'after'), 'after');
  } finally {
    await server.close();
  }
});

test('node-dtls-client with an unknown identity fails cleanly', async () => {
  const { server, addr } = await echoServer();
  try {
    await assert.rejects(roundTrip(addr, 'nobody', KEY, ['TLS_PSK_WITH_AES_128_CCM_8'], 'x'), /alert|115|psk/i);
    assert.equal(server.stats().sessions, 0);
    assert.equal(server.stats().internalErrors, 0);
  } finally {
    await server.close();
  }
});
