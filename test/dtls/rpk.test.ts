import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import { spkiOf } from '../../runtime/dtls/rpk.js';
import { client, echoServer, nextDatagram } from './helpers/pair.js';

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const serverKeys = keyPair();
const clientKeys = keyPair();
const serverSpki = spkiOf(serverKeys.publicKey);
const clientSpki = spkiOf(clientKeys.publicKey);
const pem = (k: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer }): string => String(k.export({ type: 'pkcs8', format: 'pem' }));

function rpkServer(accept: (spki: Uint8Array) => boolean | Promise<boolean> = (spki) => Buffer.from(spki).equals(Buffer.from(clientSpki))) {
  return echoServer({ pskStore: undefined, rpk: { privateKey: serverKeys.privateKey, verifyClientKey: accept } });
}

test('ECDHE_ECDSA with raw public keys: mutual authentication, the client key handed up', async () => {
  const { server, addr, received } = await rpkServer();
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const c = await client({ psk: undefined, rpk: { privateKey: pem(clientKeys.privateKey), serverPublicKey: serverSpki } });
  try {
    const echo = nextDatagram(c);
    await c.send(new TextEncoder().encode('rpk'), addr);
    const d = await echo;
    assert.equal(new TextDecoder().decode(d.data), 'rpk');
    assert.deepEqual(d.identity, { type: 'rpk', publicKey: serverSpki });
    assert.deepEqual(received[0]?.identity, { type: 'rpk', publicKey: clientSpki });
    const est = events.find((e) => e.type === 'established');
    assert.ok(est?.type === 'established' && est.cipherSuite === 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8' && est.extendedMasterSecret);
  } finally {
    await c.close();
    await server.close();
  }
});

test('an unknown client key is refused with certificate_unknown', async () => {
  const { server, addr } = await rpkServer(async () => false);
  const c = await client({ psk: undefined, rpk: { privateKey: clientKeys.privateKey, serverPublicKey: serverSpki } });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_ALERT_RECEIVED' && e.alert === 46);
    assert.equal(server.stats().sessions, 0);
  } finally {
    await c.close();
    await server.close();
  }
});

test('a server showing another key than the trusted one is refused by the client', async () => {
  const { server, addr } = await rpkServer();
  const c = await client({ psk: undefined, rpk: { privateKey: clientKeys.privateKey, serverPublicKey: spkiOf(keyPair().publicKey) } });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_UNKNOWN_PEER_KEY');
  } finally {
    await c.close();
    await server.close();
  }
});

test('a client with both PSK and RPK credentials gets the suite the server can serve', async () => {
  const { server, addr, received } = await rpkServer();
  const c = await client({ rpk: { privateKey: clientKeys.privateKey, serverPublicKey: serverSpki } });
  try {
    const echo = nextDatagram(c);
    await c.send(Uint8Array.of(1), addr);
    await echo;
    assert.equal(received[0]?.identity?.type, 'rpk');
  } finally {
    await c.close();
    await server.close();
  }
});
