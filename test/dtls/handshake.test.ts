import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import { client, echoServer, nextDatagram } from './helpers/pair.js';

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
