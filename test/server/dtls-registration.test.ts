/**
 * The server over DTLS on 127.0.0.1: PSK, raw public keys and X.509 from the security store;
 * 4.03 for a Register whose identity is not the endpoint's, for Update/De-register from another
 * identity, and for plain CoAP where the store asks for DTLS.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, test } from 'node:test';
import { spkiOf } from '../../runtime/dtls/index.js';
import { MemoryRegistrationStore } from '../../runtime/server/index.js';
import { cleanup as cleanupClients, client, device } from '../client/helpers.js';
import { makePki } from '../dtls/helpers/certs.js';
import { closeAll, deregister, dtlsPeer, KEY_A, KEY_B, plainPeer, recordingLogger, register, registerFails, securityStore, startServer, update } from './dtls-helpers.js';

after(async () => {
  await cleanupClients();
  await closeAll();
});

const dtls = { retransmit: { initialMs: 200 }, handshakeTimeoutMs: 3000 } as const;

test('LwM2MClient with a coaps:// PSK server: registered with its identity, de-registered on stop', async () => {
  const server = await startServer({ securityStore: securityStore(), dtls });
  const registered = new Promise<void>((resolve) => server.once('registered', () => resolve()));
  const c = client({ endpoint: 'dev-a', objects: [device()], servers: [{ uri: `coaps://127.0.0.1:${server.address().port}`, shortServerId: 1, psk: { identity: 'id-a', key: KEY_A } }] });
  await c.start();
  await registered;
  const r = await server.store.byEndpoint('dev-a');
  assert.deepEqual(r?.identity, { type: 'psk', identity: 'id-a' });
  assert.deepEqual(await server.client('dev-a').read('/3/0/0'), { kind: 'resource', id: 0, value: 'Acme' }, 'device management runs over the same DTLS session');
  const gone = new Promise<void>((resolve) => server.once('deregistered', () => resolve()));
  await c.stop();
  await gone;
  assert.equal(await server.store.size(), 0);
});

test('identity A registering as endpoint B: 4.03, logged, nothing stored; as A: 2.01', async () => {
  const log = recordingLogger();
  const server = await startServer({ securityStore: securityStore(), dtls, logger: log });
  const a = await dtlsPeer({ psk: { identity: 'id-a', key: KEY_A } });
  const asB = await register(a, server.address(), 'dev-b');
  assert.equal(asB.code, '4.03');
  assert.match(asB.text, /psk:id-a may not register as endpoint dev-b/);
  assert.equal(await server.store.size(), 0);
  const refusal = log.lines.find((l) => l.level === 'warn' && l.obj['code'] === 'E_REG_FORBIDDEN');
  assert.ok(refusal !== undefined, 'the refusal is logged');
  assert.equal(refusal.obj['identity'], 'psk:id-a');
  assert.ok(String(refusal.obj['query']).includes('ep=dev-b'));
  assert.equal((await register(a, server.address(), 'dev-open')).code, '4.03', 'an endpoint without DTLS credentials cannot be taken over DTLS either');
  assert.equal((await register(a, server.address(), 'nobody')).code, '4.03');
  const asA = await register(a, server.address(), 'dev-a');
  assert.equal(asA.code, '2.01');
  assert.equal((await server.store.byEndpoint('dev-a'))?.id, asA.location[1]);
});

test('Update and De-register from another identity: 4.03 and the registration stays; from its own: 2.04, 2.02', async () => {
  const log = recordingLogger();
  const server = await startServer({ securityStore: securityStore(), dtls, logger: log });
  const a = await dtlsPeer({ psk: { identity: 'id-a', key: KEY_A } });
  const b = await dtlsPeer({ psk: { identity: 'id-b', key: KEY_B } });
  const reg = await register(a, server.address(), 'dev-a');
  assert.equal(reg.code, '2.01');
  assert.equal((await update(b, server.address(), reg.location)).code, '4.03');
  assert.equal((await deregister(b, server.address(), reg.location)).code, '4.03');
  assert.equal(log.lines.filter((l) => l.level === 'warn' && l.obj['code'] === 'E_REG_FORBIDDEN' && l.obj['identity'] === 'psk:id-b').length, 2);
  const kept = await server.store.byEndpoint('dev-a');
  assert.equal(kept?.lifetime, 60, 'the foreign Update changed nothing');
  assert.equal((await update(a, server.address(), reg.location)).code, '2.04');
  assert.equal((await server.store.byEndpoint('dev-a'))?.lifetime, 120);
  assert.equal((await deregister(a, server.address(), reg.location)).code, '2.02');
  assert.equal(await server.store.size(), 0);
});

test('a wrong key fails the handshake: no registration, the failure logged', async () => {
  const log = recordingLogger();
  const server = await startServer({ securityStore: securityStore(), dtls, logger: log });
  const c = client({
    endpoint: 'dev-a', objects: [device()], requestTimeoutMs: 1500,
    servers: [{ uri: `coaps://127.0.0.1:${server.address().port}`, shortServerId: 1, psk: { identity: 'id-a', key: Buffer.from('not-the-right-key') } }],
  });
  await c.start();
  const f = await c.next('registrationFailed');
  assert.equal(f.error.code, 'E_CLIENT_UNREACHABLE');
  await c.stop({ deregister: false });
  assert.equal(await server.store.size(), 0);
  assert.ok(log.lines.some((l) => l.level === 'warn' && l.obj['code'] === 'E_DTLS_BAD_RECORD_MAC'), JSON.stringify(log.lines));
  // An identity the store does not know does not get a session either.
  const stranger = await dtlsPeer({ psk: { identity: 'id-z', key: KEY_A } });
  assert.equal(await registerFails(stranger, server.address(), 'dev-a'), 'E_COAP_TIMEOUT', 'no answer: the handshake failed');
  assert.ok(log.lines.some((l) => l.level === 'warn' && l.obj['code'] === 'E_DTLS_UNKNOWN_PSK_IDENTITY'), 'the server logs why');
  assert.equal(await server.store.size(), 0);
});

test('plain CoAP: 4.03 where the store asks for DTLS, 2.01 where NoSec is allowed; a plain peer cannot touch a DTLS registration', async () => {
  const security = securityStore();
  const registrations = new MemoryRegistrationStore();
  // Two servers, coaps and coap, sharing both stores: how a deployment listens on 5684 and 5683.
  const secure = await startServer({ securityStore: security, store: registrations, dtls });
  const log = recordingLogger();
  const plain = await startServer({ securityStore: security, store: registrations, logger: log });
  const p = await plainPeer();
  const refused = await register(p, plain.address(), 'dev-a');
  assert.equal(refused.code, '4.03');
  assert.match(refused.text, /must register over DTLS/);
  assert.ok(log.lines.some((l) => l.level === 'warn' && l.obj['code'] === 'E_REG_FORBIDDEN' && l.obj['identity'] === 'nosec'));
  assert.equal((await register(p, plain.address(), 'unknown')).code, '4.03', 'NoSec only where configured');
  const open = await register(p, plain.address(), 'dev-open');
  assert.equal(open.code, '2.01');
  assert.equal((await registrations.byEndpoint('dev-open'))?.identity, undefined);

  const a = await dtlsPeer({ psk: { identity: 'id-a', key: KEY_A } });
  const reg = await register(a, secure.address(), 'dev-a');
  assert.equal(reg.code, '2.01');
  assert.equal((await update(p, plain.address(), reg.location)).code, '4.03');
  assert.equal((await deregister(p, plain.address(), reg.location)).code, '4.03');
  assert.equal((await update(a, secure.address(), open.location)).code, '4.03', 'nor a DTLS peer a plain registration');
  assert.equal(await registrations.size(), 2);

  // The LwM2MClient sees the refusal as a rejection with the server's code.
  const c = client({ endpoint: 'dev-b', objects: [device()], servers: [{ uri: `coap://127.0.0.1:${plain.address().port}`, shortServerId: 1 }] });
  await c.start();
  const f = await c.next('registrationFailed');
  assert.equal(f.error.code, 'E_CLIENT_REJECTED');
  assert.equal(f.error.coapCode, '4.03');
  await c.stop({ deregister: false });
});

test('raw public keys: a client key from the store registers as its endpoint only; an unknown key gets no session', async () => {
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const deviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const strangerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const security = securityStore();
  await security.set({ endpoint: 'dev-rpk', credentials: { mode: 'rpk', publicKey: spkiOf(deviceKey.publicKey) } });
  const log = recordingLogger();
  const server = await startServer({ securityStore: security, logger: log, dtls: { ...dtls, rpk: { privateKey: serverKey.privateKey } } });
  const serverPublicKey = spkiOf(serverKey.publicKey);
  const d = await dtlsPeer({ rpk: { privateKey: deviceKey.privateKey, serverPublicKey } });
  assert.equal((await register(d, server.address(), 'dev-a')).code, '4.03');
  assert.equal((await register(d, server.address(), 'dev-rpk')).code, '2.01');
  const r = await server.store.byEndpoint('dev-rpk');
  assert.ok(r?.identity?.type === 'rpk');
  const stranger = await dtlsPeer({ rpk: { privateKey: strangerKey.privateKey, serverPublicKey } });
  assert.equal(await registerFails(stranger, server.address(), 'dev-rpk'), 'E_COAP_TIMEOUT', 'no answer: the handshake failed');
  assert.ok(log.lines.some((l) => l.level === 'warn' && l.obj['code'] === 'E_DTLS_UNKNOWN_PEER_KEY'), 'the server logs why');
  // PSK clients still work next to RPK ones.
  const a = await dtlsPeer({ psk: { identity: 'id-a', key: KEY_A } });
  assert.equal((await register(a, server.address(), 'dev-a')).code, '2.01');
});

test('X.509: a certificate whose CN is the endpoint name registers as that endpoint only', async () => {
  const pki = makePki();
  try {
    const security = securityStore();
    await security.set({ endpoint: 'urn:dev:1', credentials: { mode: 'x509' } });
    const log = recordingLogger();
    const server = await startServer({
      securityStore: security, logger: log,
      dtls: { ...dtls, x509: { certificateChain: pki.pem('server.pem'), privateKey: pki.pem('server.key'), trustedRoots: pki.pem('ca.pem') } },
    });
    const d = await dtlsPeer({ x509: { certificateChain: pki.pem('client.pem'), privateKey: pki.pem('client.key'), trustedRoots: pki.pem('ca.pem'), serverName: '127.0.0.1' } });
    assert.equal((await register(d, server.address(), 'dev-a')).code, '4.03');
    assert.equal((await register(d, server.address(), 'urn:dev:1')).code, '2.01');
    const r = await server.store.byEndpoint('urn:dev:1');
    assert.ok(r?.identity?.type === 'x509' && r.identity.subject === 'CN=urn:dev:1');
    // Once the store no longer expects this CN, a new handshake is refused.
    await security.remove('urn:dev:1');
    const again = await dtlsPeer({ resumeSessions: false, x509: { certificateChain: pki.pem('client.pem'), privateKey: pki.pem('client.key'), trustedRoots: pki.pem('ca.pem'), serverName: '127.0.0.1' } });
    assert.equal(await registerFails(again, server.address(), 'urn:dev:1'), 'E_COAP_TIMEOUT', 'no answer: the handshake failed');
  assert.ok(log.lines.some((l) => l.level === 'warn' && l.obj['code'] === 'E_DTLS_UNKNOWN_PEER_KEY'), 'the server logs why');
  } finally {
    pki.cleanup();
  }
});

test('the dtls option needs a security store, and excludes a transport of one\'s own', async () => {
  await assert.rejects(startServer({ dtls }), /needs a securityStore/);
  const { UdpTransport } = await import('../../runtime/transport/udp.js');
  const udp = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  try {
    await assert.rejects(startServer({ dtls, securityStore: securityStore(), transport: udp }), /either dtls or transport/);
  } finally {
    await udp.close();
  }
});

test('credentials removed from a store that cannot tell the transport (shared by processes): the next Update is refused, the client may still de-register', async () => {
  const security = securityStore();
  // Without watch() the session outlives the removal until the transport's next check (test/dtls/store-revocation covers the close).
  const unwatched = { get: security.get.bind(security), byPskIdentity: security.byPskIdentity.bind(security), byPublicKey: security.byPublicKey.bind(security), byCommonName: security.byCommonName.bind(security), set: security.set.bind(security), remove: security.remove.bind(security), all: security.all.bind(security) };
  const server = await startServer({ securityStore: unwatched, dtls });
  const a = await dtlsPeer({ psk: { identity: 'id-a', key: KEY_A } });
  const reg = await register(a, server.address(), 'dev-a');
  assert.equal(reg.code, '2.01');
  await security.remove('dev-a');
  assert.equal((await update(a, server.address(), reg.location)).code, '4.03');
  assert.equal((await deregister(a, server.address(), reg.location)).code, '2.02');
});
