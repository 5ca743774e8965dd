/**
 * The LwM2M client takes its DTLS mode, keys, the server's key or certificate and its cipher
 * suites from its Security instance (/0): raw public keys and X.509 (both certificate usages it
 * supports) against our server over real sockets, and against libcoap's servers.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { LwM2MSecurity_v1_1, LwM2MServer_v1_1 } from '../../registry/index.js';
import { ClientError, type LwM2MClient, type LwM2MClientOptions } from '../../runtime/client/index.js';
import { certificateDer, pkcs8Of, spkiOf } from '../../runtime/dtls/index.js';
import { MemorySecurityStore, type EndpointSecurity } from '../../runtime/server/index.js';
import { cleanup as cleanupClients, client, device } from '../client/helpers.js';
import { closeAll, recordingLogger, startServer } from '../server/dtls-helpers.js';
import { makePki } from './helpers/certs.js';
import { freePortPair, haveCommand, start } from './helpers/processes.js';

const pki = makePki();
after(async () => {
  await cleanupClients();
  await closeAll();
  pki.cleanup();
});

const ec = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const serverKey = ec();
const deviceKey = ec();
const dtls = { retransmit: { initialMs: 200 }, handshakeTimeoutMs: 3000 } as const;
const serverX509 = { certificateChain: pki.pem('server.pem'), privateKey: pki.pem('server.key'), trustedRoots: pki.pem('ca.pem') };
/** Fast failure paths: a handshake that cannot succeed ends quickly and is retried. */
const fast = { requestTimeoutMs: 1500, retry: { initialDelayMs: 100, maxDelayMs: 300 } } as const;

async function lwm2mServer(entries: EndpointSecurity[], logger = recordingLogger()) {
  const server = await startServer({ securityStore: new MemorySecurityStore(entries), dtls: { ...dtls, rpk: { privateKey: serverKey }, x509: serverX509 }, logger });
  return { server, uri: `coaps://127.0.0.1:${server.address().port}`, logger };
}

/** Starts the client and waits for its first registered (true) or registrationFailed (the error). */
async function outcome(c: LwM2MClient): Promise<true | ClientError> {
  const result = new Promise<true | ClientError>((resolve) => {
    c.once('registered', () => resolve(true));
    c.once('registrationFailed', (f) => resolve(f.error));
  });
  await c.start();
  return result;
}

test('raw public key mode from /0: mode 1, our key pair in /0/x/3 and /0/x/5, the server key in /0/x/4; registered as that key', async () => {
  const { server, uri } = await lwm2mServer([{ endpoint: 'rpk-dev', credentials: { mode: 'rpk', publicKey: spkiOf(deviceKey) } }]);
  const c = client({ endpoint: 'rpk-dev', objects: [device()], servers: [{ uri, shortServerId: 1, rpk: { privateKey: deviceKey, serverPublicKey: spkiOf(serverKey) } }] });
  const sec = c.tree.instances(0)[0]!;
  assert.equal(await sec.read(2), 1);
  assert.deepEqual(await sec.read(3), spkiOf(deviceKey));
  assert.deepEqual(await sec.read(4), spkiOf(serverKey));
  assert.deepEqual(await sec.read(5), pkcs8Of(deviceKey));
  assert.equal(await outcome(c), true);
  const reg = await server.store.byEndpoint('rpk-dev');
  assert.ok(reg?.identity?.type === 'rpk');
  assert.deepEqual(new Uint8Array(reg.identity.publicKey), spkiOf(deviceKey));
  assert.deepEqual(await server.client('rpk-dev').read('/3/0/0'), { kind: 'resource', id: 0, value: 'Acme' }, 'device management over the RPK session');
});

test('raw public key mode: a server key other than /0/x/4 fails the handshake; nothing registers', async () => {
  const { server, uri } = await lwm2mServer([{ endpoint: 'rpk-dev', credentials: { mode: 'rpk', publicKey: spkiOf(deviceKey) } }]);
  const c = client({ endpoint: 'rpk-dev', objects: [device()], ...fast, servers: [{ uri, shortServerId: 1, rpk: { privateKey: deviceKey, serverPublicKey: spkiOf(ec()) } }] });
  const r = await outcome(c);
  assert.ok(r instanceof ClientError && r.code === 'E_CLIENT_UNREACHABLE', String(r));
  assert.equal(await server.store.size(), 0);
});

test('certificate mode from /0, usage 3 (default): the server certificate in /0/x/4 is pinned; registered by the certificate CN', async () => {
  const { server, uri } = await lwm2mServer([{ endpoint: 'urn:dev:1', credentials: { mode: 'x509' } }]);
  const x509 = { certificate: pki.pem('client.pem'), privateKey: pki.pem('client.key'), serverCertificate: pki.pem('server.pem') };
  const c = client({ endpoint: 'urn:dev:1', objects: [device()], servers: [{ uri, shortServerId: 1, x509 }] });
  const sec = c.tree.instances(0)[0]!;
  assert.equal(await sec.read(2), 2);
  assert.deepEqual(await sec.read(3), certificateDer(pki.pem('client.pem')));
  assert.deepEqual(await sec.read(4), certificateDer(pki.pem('server.pem')));
  assert.equal(await sec.read(15), 3);
  assert.equal(await outcome(c), true);
  const reg = await server.store.byEndpoint('urn:dev:1');
  assert.ok(reg?.identity?.type === 'x509' && reg.identity.subject === 'CN=urn:dev:1');
});

test('certificate mode, usage 3: a server whose certificate is not the pinned one (even one the CA signed) is refused', async () => {
  const { server, uri } = await lwm2mServer([{ endpoint: 'urn:dev:1', credentials: { mode: 'x509' } }]);
  // The CA's own certificate in /0/x/4: with usage 3 it is not a trust anchor, only a (wrong) pin.
  const x509 = { certificate: pki.pem('client.pem'), privateKey: pki.pem('client.key'), serverCertificate: pki.pem('ca.pem') };
  const c = client({ endpoint: 'urn:dev:1', objects: [device()], ...fast, servers: [{ uri, shortServerId: 1, x509 }] });
  const r = await outcome(c);
  assert.ok(r instanceof ClientError && r.code === 'E_CLIENT_UNREACHABLE', String(r));
  assert.equal(await server.store.size(), 0);
});

/** Security and Server instances written as a bootstrap server or a provisioning tool would. */
function securityInstances(uri: string, values: Record<string, unknown>): LwM2MClientOptions['objects'] {
  return [
    new LwM2MSecurity_v1_1.Instance(0, { lwm2mServerUri: uri, bootstrapServer: false, shortServerId: 7, ...values } as never),
    new LwM2MServer_v1_1.Instance(0, { shortServerId: 7, lifetime: 60, binding: 'U', notificationStoringWhenDisabledOrOffline: true, registrationUpdateTrigger: () => {}, disable: () => {} } as never),
  ];
}

test('certificate mode, usage 2 in a Security instance: the chain must lead to /0/x/4 and name the URI host; /0/x/16 picks the suite', async () => {
  const logger = recordingLogger();
  const { server, uri } = await lwm2mServer([{ endpoint: 'urn:dev:1', credentials: { mode: 'x509' } }], logger);
  const c = client({
    endpoint: 'urn:dev:1', lwm2mVersion: '1.1',
    objects: [device(), ...securityInstances(uri, {
      securityMode: 2, publicKeyOrIdentity: certificateDer(pki.pem('client.pem')), secretKey: pkcs8Of(pki.pem('client.key')),
      serverPublicKey: certificateDer(pki.pem('ca.pem')), certificateUsage: 2, dtlsTlsCiphersuite: new Map([[0, 0xc0ae]]),
    })],
  });
  assert.equal(await outcome(c), true);
  assert.ok((await server.store.byEndpoint('urn:dev:1'))?.identity?.type === 'x509');
  const est = logger.lines.find((l) => l.msg === 'DTLS session established');
  assert.equal(est?.obj['cipherSuite'], 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8');
});

test('certificate mode, usage 2: a trust anchor the server chain does not lead to, or a host its certificate does not name, is refused', async () => {
  const { server, uri } = await lwm2mServer([{ endpoint: 'urn:dev:1', credentials: { mode: 'x509' } }]);
  const base = { securityMode: 2, publicKeyOrIdentity: certificateDer(pki.pem('client.pem')), secretKey: pkcs8Of(pki.pem('client.key')), certificateUsage: 2 };
  const rogue = client({ endpoint: 'urn:dev:1', lwm2mVersion: '1.1', ...fast, objects: [device(), ...securityInstances(uri, { ...base, serverPublicKey: certificateDer(pki.pem('rogue-ca.pem')) })] });
  const r1 = await outcome(rogue);
  assert.ok(r1 instanceof ClientError && r1.code === 'E_CLIENT_UNREACHABLE', String(r1));
  await rogue.stop({ deregister: false });
  // The server's certificate names localhost and 127.0.0.1, not 127.0.0.2 (still loopback).
  const wrongHost = uri.replace('127.0.0.1', '127.0.0.2');
  const misnamed = client({ endpoint: 'urn:dev:1', lwm2mVersion: '1.1', ...fast, objects: [device(), ...securityInstances(wrongHost, { ...base, serverPublicKey: certificateDer(pki.pem('ca.pem')) })] });
  const r2 = await outcome(misnamed);
  assert.ok(r2 instanceof ClientError && r2.code === 'E_CLIENT_UNREACHABLE', String(r2));
  assert.equal(await server.store.size(), 0);
});

test('PSK with /0/x/16: the server takes the suite the Security instance names (GCM here, not the CCM_8 default)', async () => {
  const logger = recordingLogger();
  const key = Buffer.from('psk-of-the-gcm-device');
  const { server, uri } = await lwm2mServer([{ endpoint: 'gcm-dev', credentials: { mode: 'psk', identity: 'gcm-id', key } }], logger);
  const c = client({ endpoint: 'gcm-dev', objects: [device()], servers: [{ uri, shortServerId: 1, psk: { identity: 'gcm-id', key }, cipherSuites: [0x00a8] }] });
  assert.deepEqual(await c.tree.instances(0)[0]!.read(16), new Map([[0, 0x00a8]]));
  assert.equal(await outcome(c), true);
  assert.equal(logger.lines.find((l) => l.msg === 'DTLS session established')?.obj['cipherSuite'], 'TLS_PSK_WITH_AES_128_GCM_SHA256');
  assert.ok((await server.store.byEndpoint('gcm-dev')) !== undefined);
});

test('unusable Security instances fail start() with E_CLIENT_CONFIG naming the instance and the problem', async () => {
  const uri = 'coaps://127.0.0.1:5684';
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ securityMode: 4, publicKeyOrIdentity: new Uint8Array(0), serverPublicKey: new Uint8Array(0), secretKey: new Uint8Array(0) }, /security mode 4/],
    [{ securityMode: 3, publicKeyOrIdentity: new Uint8Array(0), serverPublicKey: new Uint8Array(0), secretKey: new Uint8Array(0) }, /security mode 3/],
    [{ securityMode: 1, publicKeyOrIdentity: spkiOf(ec()), serverPublicKey: spkiOf(serverKey), secretKey: pkcs8Of(deviceKey) }, /not that of the private key/],
    [{ securityMode: 1, publicKeyOrIdentity: new Uint8Array(0), serverPublicKey: Uint8Array.of(1, 2, 3), secretKey: pkcs8Of(deviceKey) }, /server public key/],
    [{ securityMode: 2, publicKeyOrIdentity: certificateDer(pki.pem('client.pem')), serverPublicKey: certificateDer(pki.pem('server.pem')), secretKey: pkcs8Of(deviceKey) }, /private key does not match/],
    [{ securityMode: 2, publicKeyOrIdentity: certificateDer(pki.pem('client.pem')), serverPublicKey: certificateDer(pki.pem('ca.pem')), secretKey: pkcs8Of(pki.pem('client.key')), certificateUsage: 0 }, /certificate usage 0/],
    [{ securityMode: 0, publicKeyOrIdentity: Buffer.from('id'), serverPublicKey: new Uint8Array(0), secretKey: Buffer.from('k'), dtlsTlsCiphersuite: new Map([[0, 0x1301]]) }, /0x1301/],
  ];
  for (const [values, message] of cases) {
    const c = client({ endpoint: 'bad', lwm2mVersion: '1.1', objects: [device(), ...securityInstances(uri, values)] });
    await assert.rejects(c.start(), (e: unknown) => e instanceof ClientError && e.code === 'E_CLIENT_CONFIG' && /\/0\/0/.test(e.message) && message.test(e.message), `${String(values['securityMode'])}: ${message}`);
  }
  assert.throws(() => client({ endpoint: 'x', objects: [device()], servers: [{ uri, shortServerId: 1, psk: { identity: 'a', key: Buffer.from('k') }, rpk: { privateKey: deviceKey, serverPublicKey: spkiOf(serverKey) } }] }),
    (e: unknown) => e instanceof ClientError && e.code === 'E_CLIENT_CONFIG', 'two modes at once');
});

// ------------------------------------------------------------------ libcoap's servers

/** libcoap's resource directory answers Register (POST /rd) with 2.01 and a location, as an LwM2M server would. */
for (const lib of ['openssl', 'gnutls'] as const) {
  const rd = `coap-rd-${lib}`;

  test(`PSK from /0: registered with ${rd} -k`, { skip: !haveCommand(rd) && `${rd} not installed`, timeout: 30_000 }, async () => {
    const port = await freePortPair();
    const proc = start(rd, ['-A', '127.0.0.1', '-p', String(port), '-k', 'rd-secret']);
    try {
      const c = client({ endpoint: `psk-${lib}`, objects: [device()], retry: { initialDelayMs: 200, maxDelayMs: 400 }, servers: [{ uri: `coaps://127.0.0.1:${port + 1}`, shortServerId: 1, psk: { identity: 'any', key: Buffer.from('rd-secret') } }] });
      const registered = new Promise<void>((resolve) => c.once('registered', () => resolve()));
      await c.start();
      await registered;
      assert.match(c.status()[0]!.location ?? '', /^\/rd\//);
    } finally {
      proc.kill();
    }
  });

  test(`certificate mode from /0 (usage 2, the test CA as trust anchor): registered with ${rd} -c`, { skip: !haveCommand(rd) && `${rd} not installed`, timeout: 30_000 }, async () => {
    const port = await freePortPair();
    // coap-rd takes certificate and key in one PEM file; -C makes it ask for (and check) ours.
    const both = pki.file('server-both.pem');
    writeFileSync(both, pki.pem('server.pem') + pki.pem('server.key'));
    const proc = start(rd, ['-A', '127.0.0.1', '-p', String(port), '-c', both, '-C', pki.file('ca.pem')]);
    try {
      const c = client({
        endpoint: 'urn:dev:1', lwm2mVersion: '1.1', retry: { initialDelayMs: 200, maxDelayMs: 400 },
        servers: [{ uri: `coaps://127.0.0.1:${port + 1}`, shortServerId: 1, x509: { certificate: pki.pem('client.pem'), privateKey: pki.pem('client.key'), serverCertificate: pki.pem('ca.pem'), certificateUsage: 2 } }],
        objects: [device()],
      });
      const registered = new Promise<void>((resolve) => c.once('registered', () => resolve()));
      await c.start();
      await registered;
      assert.match(c.status()[0]!.location ?? '', /^\/rd\//);
    } finally {
      proc.kill();
    }
  });
}

/** Waits past E_CLIENT_UNREACHABLE (the server may still be binding) for the first answer. */
async function firstAnswer(c: LwM2MClient): Promise<true | ClientError> {
  let r: true | ClientError = await outcome(c);
  for (let i = 0; i < 10 && r instanceof ClientError && r.code === 'E_CLIENT_UNREACHABLE'; i++) {
    r = await new Promise<true | ClientError>((resolve) => { c.once('registered', () => resolve(true)); c.once('registrationFailed', (f) => resolve(f.error)); });
  }
  return r;
}

test('PSK and certificate modes from /0 against coap-server-openssl -k / -c: the handshakes complete (it has no /rd: 4.04)', { skip: !haveCommand('coap-server-openssl') && 'coap-server-openssl not installed', timeout: 60_000 }, async () => {
  const both = pki.file('server-both-2.pem');
  writeFileSync(both, pki.pem('server.pem') + pki.pem('server.key'));
  const modes: [string[], NonNullable<LwM2MClientOptions['servers']>[number]['psk'] | undefined, NonNullable<LwM2MClientOptions['servers']>[number]['x509'] | undefined][] = [
    [['-k', 'server-secret'], { identity: 'dev', key: Buffer.from('server-secret') }, undefined],
    [['-c', both, '-C', pki.file('ca.pem')], undefined, { certificate: pki.pem('client.pem'), privateKey: pki.pem('client.key'), serverCertificate: pki.pem('server.pem') }],
  ];
  for (const [args, psk, x509] of modes) {
    const port = await freePortPair();
    const proc = start('coap-server-openssl', ['-A', '127.0.0.1', '-p', String(port), ...args]);
    try {
      const c = client({ endpoint: 'urn:dev:1', objects: [device()], retry: { initialDelayMs: 200, maxDelayMs: 400 }, servers: [{ uri: `coaps://127.0.0.1:${port + 1}`, shortServerId: 1, ...(psk ? { psk } : {}), ...(x509 ? { x509 } : {}) }] });
      const r = await firstAnswer(c);
      assert.ok(r instanceof ClientError && r.code === 'E_CLIENT_REJECTED' && r.coapCode === '4.04', `${args[0]}: ${String(r)}`);
      await c.stop({ deregister: false });
    } finally {
      proc.kill();
    }
  }
});

test('raw public key mode from /0 against coap-server-gnutls -M: the handshake completes (it has no /rd: 4.04)', { skip: !haveCommand('coap-server-gnutls') && 'coap-server-gnutls not installed', timeout: 30_000 }, async () => {
  const port = await freePortPair();
  const rpkFile = pki.file('gnutls-rpk.pem');
  writeFileSync(rpkFile, serverKey.export({ type: 'sec1', format: 'pem' }) as string);
  const proc = start('coap-server-gnutls', ['-A', '127.0.0.1', '-p', String(port), '-M', rpkFile]);
  try {
    const c = client({ endpoint: 'rpk-gnutls', objects: [device()], retry: { initialDelayMs: 200, maxDelayMs: 400 }, servers: [{ uri: `coaps://127.0.0.1:${port + 1}`, shortServerId: 1, rpk: { privateKey: deviceKey, serverPublicKey: spkiOf(serverKey) } }] });
    // The server may not be bound yet: wait for an answer, not for a timeout.
    const r = await firstAnswer(c);
    assert.ok(r instanceof ClientError && r.code === 'E_CLIENT_REJECTED' && r.coapCode === '4.04', String(r));
  } finally {
    proc.kill();
  }
});
