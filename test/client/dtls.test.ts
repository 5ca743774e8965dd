/** coaps:// servers: PSK from the Security instance, registration and device management under DTLS, next to a plain server. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { codeText } from '../../runtime/coap/codes.js';
import { createDtlsServer } from '../../runtime/dtls/dtls-server.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { ClientError } from '../../runtime/client/index.js';
import { cleanup, client, device, FakeServer, parseQuery } from './helpers.js';

after(cleanup);

const key = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

test('registers with a coaps:// server using the PSK, and answers its requests; a plain server alongside', async () => {
  const identities: string[] = [];
  const dtls = createDtlsServer(await UdpTransport.bind(), { pskStore: (id) => { identities.push(id); return id === 'dev-psk' ? key : undefined; } });
  const secure = await FakeServer.start(dtls);
  const plain = await FakeServer.start();
  const c = client({
    endpoint: 'secure-dev', objects: [device()],
    servers: [{ uri: secure.secureUri, shortServerId: 1, psk: { identity: 'dev-psk', key } }, { uri: plain.uri, shortServerId: 2 }],
  });
  const seen = new Set<number>();
  const both = new Promise<void>((resolve) => c.on('registered', (r) => { seen.add(r.shortServerId); if (seen.size === 2) resolve(); }));
  await c.start();
  await both;
  assert.deepEqual(identities, ['dev-psk']);
  const reg = await secure.waitFor((r) => r.path === '/rd');
  assert.equal(parseQuery(reg.query).get('ep'), 'secure-dev');
  assert.doesNotMatch(reg.payload, /<\/0\//, 'Security stays hidden');

  // The secure server reaches the client over the DTLS session the client opened.
  const clientPeer = c.status().find((s) => s.shortServerId === 1);
  assert.equal(clientPeer?.state, 'registered');
  const r = await secure.endpoint.request(dtlsPeerOf(secure), { method: 'GET', path: '/3/0/0' });
  assert.equal(codeText(r.code), '2.05');
  assert.equal(new TextDecoder().decode(r.payload), 'Acme');
  assert.equal(codeText((await plain.endpoint.request(c.address(), { method: 'GET', path: '/3/0/0' })).code), '2.05');
  await c.stop();
  await secure.waitFor((x) => x.method === 'DELETE');
});

/** The client's DTLS address, as the secure server saw it in the Register. */
function dtlsPeerOf(server: FakeServer): { address: string; port: number } {
  const p = server.peers.at(0);
  assert.ok(p !== undefined);
  return p;
}

test('a wrong key fails the handshake: registrationFailed, retried', async () => {
  const dtls = createDtlsServer(await UdpTransport.bind(), { pskStore: () => new Uint8Array(16).fill(9), handshakeTimeoutMs: 500 });
  const secure = await FakeServer.start(dtls);
  const c = client({ endpoint: 'bad-key', objects: [device()], servers: [{ uri: secure.secureUri, shortServerId: 1, psk: { identity: 'x', key } }], requestTimeoutMs: 600 });
  await c.start();
  const f = await c.next('registrationFailed');
  assert.equal(f.error.code, 'E_CLIENT_UNREACHABLE');
  assert.ok(f.retryInMs !== undefined);
  assert.equal(secure.seen.length, 0);
});

test('coaps:// without a psk is a configuration error', () => {
  assert.throws(() => client({ endpoint: 'x', objects: [device()], servers: [{ uri: 'coaps://127.0.0.1:1', shortServerId: 1 }] }), (e: unknown) => e instanceof ClientError && /needs a psk/.test(e.message));
});
