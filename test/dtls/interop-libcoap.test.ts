import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spkiOf } from '../../runtime/dtls/rpk.js';
import type { Datagram } from '../../runtime/transport/datagram-transport.js';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import { client, echoServer, nextDatagram, sleep } from './helpers/pair.js';
import { freePortPair, haveCommand, run, start } from './helpers/processes.js';
import { makePki } from './helpers/certs.js';
import type { TestPki } from './helpers/certs.js';

const KEY2 = 'secret-key-two';

/** A CoAP 2.05 piggy-backed answer to a CON request, naming the DTLS identity. */
function coapAnswer(req: Uint8Array, text: string): Uint8Array {
  const tkl = req[0]! & 0x0f;
  return Buffer.concat([Buffer.from([0x60 | tkl, 0x45, req[2]!, req[3]!]), req.subarray(4, 4 + tkl), Buffer.from([0xff]), Buffer.from(text)]);
}

async function coapServerAnswering() {
  const s = await echoServer();
  const events: DtlsEvent[] = [];
  s.server.onEvent((e) => events.push(e));
  s.server.onDatagram((d: Datagram) => {
    void s.server.send(coapAnswer(d.data, `identity=${d.identity?.type === 'psk' ? d.identity.identity : '?'}`), d.peer).catch(() => undefined);
  });
  return { ...s, events };
}

for (const lib of ['openssl', 'gnutls'] as const) {
  const clientCmd = `coap-client-${lib}`;
  const serverCmd = `coap-server-${lib}`;

  test(`${clientCmd} against our server (PSK)`, { skip: !haveCommand(clientCmd) && `${clientCmd} not installed` }, async () => {
    const { server, addr, events } = await coapServerAnswering();
    try {
      const r = await run(clientCmd, ['-B', '3', '-u', 'dev2', '-k', KEY2, `coaps://127.0.0.1:${addr.port}/x`], 8000);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /identity=dev2/);
      const est = events.find((e) => e.type === 'established');
      assert.ok(est !== undefined && est.type === 'established');
      assert.ok(['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_GCM_SHA256'].includes(est.cipherSuite));
      assert.equal(est.extendedMasterSecret, true, 'libcoap offers RFC 7627 and we take it');
      await sleep(100);
      assert.ok(events.some((e) => e.type === 'closed'), 'close_notify from the client ends the session');
      assert.equal(server.stats().internalErrors, 0);
    } finally {
      await server.close();
    }
  });

  test(`${clientCmd} with a wrong key fails cleanly`, { skip: !haveCommand(clientCmd) && `${clientCmd} not installed` }, async () => {
    const { server, addr, events } = await coapServerAnswering();
    try {
      const r = await run(clientCmd, ['-B', '3', '-u', 'dev2', '-k', 'not-the-key', `coaps://127.0.0.1:${addr.port}/x`], 8000);
      assert.doesNotMatch(r.stdout, /identity=/);
      const err = events.find((e) => e.type === 'error');
      assert.ok(err !== undefined && err.type === 'error');
      assert.equal(err.error.code, 'E_DTLS_BAD_RECORD_MAC');
      assert.equal(server.stats().sessions, 0);
      assert.equal(server.stats().internalErrors, 0);
    } finally {
      await server.close();
    }
  });

  test(`our client against ${serverCmd} (PSK)`, { skip: !haveCommand(serverCmd) && `${serverCmd} not installed` }, async () => {
    const port = await freePortPair();
    const proc = start(serverCmd, ['-A', '127.0.0.1', '-p', String(port), '-k', KEY2]);
    const c = await client({ psk: { identity: 'dev2', key: Buffer.from(KEY2) }, retransmit: { initialMs: 250 } });
    try {
      const peer = { address: '127.0.0.1', port: port + 1 };
      await sleep(300); // the server binds
      const reply = nextDatagram(c, 5000);
      await c.send(Uint8Array.of(0x40, 0x01, 0x12, 0x34), peer); // CON GET /
      const d = await reply;
      assert.equal(d.data[1], 0x45, 'a 2.05 Content');
      assert.match(Buffer.from(d.data).toString('latin1'), /test server made with libcoap/);
      assert.deepEqual(d.identity, { type: 'psk', identity: 'dev2' });
    } finally {
      await c.close();
      proc.kill('SIGKILL');
    }
  });

  test(`our client against ${serverCmd}: a second session ${lib === 'openssl' ? 'resumes (abbreviated handshake)' : 'falls back to a full handshake'}`, { skip: !haveCommand(serverCmd) && `${serverCmd} not installed` }, async () => {
    const port = await freePortPair();
    const proc = start(serverCmd, ['-A', '127.0.0.1', '-p', String(port), '-k', KEY2]);
    const c = await client({ psk: { identity: 'dev2', key: Buffer.from(KEY2) }, retransmit: { initialMs: 250 } });
    const events: DtlsEvent[] = [];
    c.onEvent((e) => events.push(e));
    try {
      const peer = { address: '127.0.0.1', port: port + 1 };
      await sleep(300);
      for (const mid of [0x10, 0x11]) {
        const reply = nextDatagram(c, 5000);
        await c.send(Uint8Array.of(0x40, 0x01, 0x12, mid), peer);
        assert.equal((await reply).data[1], 0x45);
        c.disconnect(peer);
        await sleep(100);
      }
      const resumed = events.filter((e) => e.type === 'established').map((e) => e.type === 'established' && e.resumed);
      // libcoap's OpenSSL server keeps a session cache; its GnuTLS server does not.
      assert.deepEqual(resumed, [false, lib === 'openssl']);
    } finally {
      await c.close();
      proc.kill('SIGKILL');
    }
  });

  test(`our client with a wrong key against ${serverCmd} fails cleanly`, { skip: !haveCommand(serverCmd) && `${serverCmd} not installed` }, async () => {
    const port = await freePortPair();
    const proc = start(serverCmd, ['-A', '127.0.0.1', '-p', String(port), '-k', KEY2]);
    const c = await client({ psk: { identity: 'dev2', key: Buffer.from('not-the-key') }, retransmit: { initialMs: 250, maxAttempts: 3 } });
    try {
      await sleep(300);
      await assert.rejects(c.connect({ address: '127.0.0.1', port: port + 1 }), (e) => e instanceof DtlsError && ['E_DTLS_ALERT_RECEIVED', 'E_DTLS_TIMEOUT', 'E_DTLS_BAD_RECORD_MAC'].includes(e.code));
      assert.equal(c.stats().internalErrors, 0);
    } finally {
      await c.close();
      proc.kill('SIGKILL');
    }
  });
}

// Raw public keys: libcoap's GnuTLS build supports RFC 7250 (its OpenSSL 3.0 build does not).
const RPK_OK = haveCommand('coap-client-gnutls') && haveCommand('coap-server-gnutls');

function rpkFiles(): { dir: string; clientPem: string; serverPem: string; clientSpki: Uint8Array; serverSpki: Uint8Array; clientKey: KeyObject; } {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-rpk-'));
  const c = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const s = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const clientPem = join(dir, 'client.pem');
  const serverPem = join(dir, 'server.pem');
  writeFileSync(clientPem, String(c.privateKey.export({ type: 'sec1', format: 'pem' })));
  writeFileSync(serverPem, String(s.privateKey.export({ type: 'sec1', format: 'pem' })));
  return { dir, clientPem, serverPem, clientSpki: spkiOf(c.publicKey), serverSpki: spkiOf(s.publicKey), clientKey: c.privateKey };
}

test('coap-client-gnutls with a raw public key against our RPK server', { skip: !RPK_OK && 'coap-*-gnutls not installed' }, async () => {
  const f = rpkFiles();
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const s = await echoServer({ pskStore: undefined, rpk: { privateKey: serverKey, verifyClientKey: (spki) => Buffer.from(spki).equals(Buffer.from(f.clientSpki)) } });
  const events: DtlsEvent[] = [];
  s.server.onEvent((e) => events.push(e));
  s.server.onDatagram((d) => {
    void s.server.send(coapAnswer(d.data, `key=${d.identity?.type === 'rpk' ? Buffer.from(d.identity.publicKey).equals(Buffer.from(f.clientSpki)) : false}`), d.peer).catch(() => undefined);
  });
  try {
    const r = await run('coap-client-gnutls', ['-B', '3', '-M', f.clientPem, `coaps://127.0.0.1:${s.addr.port}/x`], 8000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /key=true/);
    const est = events.find((e) => e.type === 'established');
    assert.ok(est?.type === 'established' && est.cipherSuite === 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8');
    // A key the server does not know is refused.
    const other = rpkFiles();
    const bad = await run('coap-client-gnutls', ['-B', '2', '-M', other.clientPem, `coaps://127.0.0.1:${s.addr.port}/x`], 8000);
    assert.doesNotMatch(bad.stdout, /key=/);
    assert.ok(events.some((e) => e.type === 'error' && e.error.code === 'E_DTLS_UNKNOWN_PEER_KEY'));
    rmSync(other.dir, { recursive: true, force: true });
    assert.equal(s.server.stats().internalErrors, 0);
  } finally {
    await s.server.close();
    rmSync(f.dir, { recursive: true, force: true });
  }
});

test('our RPK client against coap-server-gnutls with a raw public key', { skip: !RPK_OK && 'coap-*-gnutls not installed' }, async () => {
  const f = rpkFiles();
  const port = await freePortPair();
  const proc = start('coap-server-gnutls', ['-A', '127.0.0.1', '-p', String(port), '-M', f.serverPem]);
  const c = await client({ psk: undefined, rpk: { privateKey: f.clientKey, serverPublicKey: f.serverSpki }, retransmit: { initialMs: 250 } });
  try {
    await sleep(300);
    const reply = nextDatagram(c, 5000);
    await c.send(Uint8Array.of(0x40, 0x01, 0x12, 0x34), { address: '127.0.0.1', port: port + 1 });
    const d = await reply;
    assert.equal(d.data[1], 0x45);
    assert.deepEqual(d.identity, { type: 'rpk', publicKey: f.serverSpki });
  } finally {
    await c.close();
    proc.kill('SIGKILL');
    rmSync(f.dir, { recursive: true, force: true });
  }
});

// X.509 certificates (ECDHE_ECDSA): both libcoap builds, both roles.
const pki: TestPki | undefined = haveCommand('openssl') ? makePki() : undefined;
after(() => pki?.cleanup());

for (const lib of ['openssl', 'gnutls'] as const) {
  const clientCmd = `coap-client-${lib}`;
  const serverCmd = `coap-server-${lib}`;

  test(`${clientCmd} with an X.509 certificate against our server`, { skip: (pki === undefined || !haveCommand(clientCmd)) && 'openssl or libcoap missing' }, async () => {
    const k = pki!;
    const s = await echoServer({ pskStore: undefined, x509: { certificateChain: k.pem('server.pem'), privateKey: k.pem('server.key'), trustedRoots: k.pem('ca.pem') } });
    s.server.onDatagram((d) => {
      void s.server.send(coapAnswer(d.data, `subject=${d.identity?.type === 'x509' ? d.identity.subject : '?'}`), d.peer).catch(() => undefined);
    });
    try {
      const r = await run(clientCmd, ['-B', '3', '-c', k.file('client.pem'), '-j', k.file('client.key'), '-C', k.file('ca.pem'), `coaps://127.0.0.1:${s.addr.port}/x`], 8000);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /subject=CN=urn:dev:1/);
      // A client certificate from an unknown CA gets nothing.
      const bad = await run(clientCmd, ['-B', '2', '-c', k.file('rogue-client.pem'), '-j', k.file('rogue-client.key'), '-C', k.file('ca.pem'), `coaps://127.0.0.1:${s.addr.port}/x`], 8000);
      assert.doesNotMatch(bad.stdout, /subject=/);
      assert.equal(s.server.stats().internalErrors, 0);
    } finally {
      await s.server.close();
    }
  });

  test(`our X.509 client against ${serverCmd} with certificates`, { skip: (pki === undefined || !haveCommand(serverCmd)) && 'openssl or libcoap missing' }, async () => {
    const k = pki!;
    const port = await freePortPair();
    const proc = start(serverCmd, ['-A', '127.0.0.1', '-p', String(port), '-c', k.file('server.pem'), '-j', k.file('server.key'), '-C', k.file('ca.pem')]);
    const c = await client({ psk: undefined, x509: { certificateChain: k.pem('client.pem'), privateKey: k.pem('client.key'), trustedRoots: k.pem('ca.pem'), serverName: 'localhost' }, retransmit: { initialMs: 250 } });
    try {
      await sleep(300);
      const reply = nextDatagram(c, 5000);
      await c.send(Uint8Array.of(0x40, 0x01, 0x12, 0x34), { address: '127.0.0.1', port: port + 1 });
      const d = await reply;
      assert.equal(d.data[1], 0x45);
      assert.ok(d.identity?.type === 'x509' && d.identity.subject === 'CN=localhost');
    } finally {
      await c.close();
      proc.kill('SIGKILL');
    }
  });
}
