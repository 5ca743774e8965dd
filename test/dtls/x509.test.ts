import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import { verifyChain } from '../../runtime/dtls/x509.js';
import { client, echoServer, nextDatagram } from './helpers/pair.js';
import { haveCommand } from './helpers/processes.js';
import { makePki } from './helpers/certs.js';
import type { TestPki } from './helpers/certs.js';

const HAVE = haveCommand('openssl');
const pki: TestPki | undefined = HAVE ? makePki() : undefined;
after(() => pki?.cleanup());
const p = (): TestPki => pki!;

const serverX509 = () => ({ certificateChain: p().pem('server.pem'), privateKey: p().pem('server.key'), trustedRoots: p().pem('ca.pem') });
const clientX509 = (name = 'client') => ({ certificateChain: p().pem(`${name}.pem`), privateKey: p().pem(`${name}.key`), trustedRoots: p().pem('ca.pem') });

test('X.509: mutual authentication against trusted roots, subjects handed up both ways', { skip: !HAVE && 'openssl not installed' }, async () => {
  const { server, addr, received } = await echoServer({ pskStore: undefined, x509: serverX509() });
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const c = await client({ psk: undefined, x509: { ...clientX509(), serverName: '127.0.0.1' } });
  try {
    const echo = nextDatagram(c);
    await c.send(Uint8Array.of(7), addr);
    const d = await echo;
    assert.ok(d.identity?.type === 'x509' && d.identity.subject === 'CN=localhost');
    const id = received[0]?.identity;
    assert.ok(id?.type === 'x509' && id.subject === 'CN=urn:dev:1');
    assert.equal(new X509Certificate(Buffer.from(id.certificate)).subject, 'CN=urn:dev:1');
    const est = events.find((e) => e.type === 'established');
    assert.ok(est?.type === 'established' && est.cipherSuite === 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8');
  } finally {
    await c.close();
    await server.close();
  }
});

test('X.509: a server certificate for another name is refused by the client', { skip: !HAVE && 'openssl not installed' }, async () => {
  const { server, addr } = await echoServer({ pskStore: undefined, x509: serverX509() });
  const c = await client({ psk: undefined, x509: { ...clientX509(), serverName: 'lwm2m.example.com' } });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_BAD_CERTIFICATE');
    assert.equal(server.stats().sessions, 0);
  } finally {
    await c.close();
    await server.close();
  }
});

test('X.509: a client chain from an unknown CA is refused with unknown_ca', { skip: !HAVE && 'openssl not installed' }, async () => {
  const { server, addr } = await echoServer({ pskStore: undefined, x509: serverX509() });
  const c = await client({ psk: undefined, x509: clientX509('rogue-client') });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.code === 'E_DTLS_ALERT_RECEIVED' && e.alert === 48);
    assert.equal(server.stats().sessions, 0);
  } finally {
    await c.close();
    await server.close();
  }
});

test('X.509: the server may refuse a valid client certificate (e.g. the wrong endpoint)', { skip: !HAVE && 'openssl not installed' }, async () => {
  const { server, addr } = await echoServer({ pskStore: undefined, x509: { ...serverX509(), verifyClient: (leaf) => leaf.subject === 'CN=urn:dev:2' } });
  const c = await client({ psk: undefined, x509: clientX509() });
  try {
    await assert.rejects(c.connect(addr), (e) => e instanceof DtlsError && e.alert === 46);
  } finally {
    await c.close();
    await server.close();
  }
});

test('X.509 chain checks: order, expiry, roots', { skip: !HAVE && 'openssl not installed' }, () => {
  const der = (name: string): Uint8Array => new Uint8Array(new X509Certificate(p().pem(name)).raw);
  const roots = [new X509Certificate(p().pem('ca.pem'))];
  assert.equal(verifyChain([der('client.pem')], roots).subject, 'CN=urn:dev:1');
  assert.equal(verifyChain([der('server.pem')], roots, { name: 'localhost' }).subject, 'CN=localhost');
  assert.throws(() => verifyChain([der('rogue-client.pem')], roots), (e) => e instanceof DtlsError && e.code === 'E_DTLS_UNKNOWN_CA');
  assert.throws(() => verifyChain([der('client.pem')], roots, { now: new Date(Date.now() + 10 * 86_400_000) }), (e) => e instanceof DtlsError && e.code === 'E_DTLS_CERTIFICATE_EXPIRED');
  assert.throws(() => verifyChain([der('client.pem'), der('server.pem')], roots), (e) => e instanceof DtlsError && e.code === 'E_DTLS_BAD_CERTIFICATE');
  assert.throws(() => verifyChain([Uint8Array.of(1, 2, 3)], roots), (e) => e instanceof DtlsError && e.code === 'E_DTLS_BAD_CERTIFICATE');
  assert.throws(() => verifyChain([], roots), DtlsError);
});
