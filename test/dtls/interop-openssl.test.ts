import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import type { CipherSuiteName } from '../../runtime/dtls/cipher-suite.js';
import { client, echoServer, KEY, sleep } from './helpers/pair.js';
import { freePortPair, haveCommand } from './helpers/processes.js';
import { makePki } from './helpers/certs.js';
import type { TestPki } from './helpers/certs.js';

const HAVE = haveCommand('openssl');
const SUITES: [CipherSuiteName, string][] = [
  ['TLS_PSK_WITH_AES_128_CCM_8', 'PSK-AES128-CCM8'],
  ['TLS_PSK_WITH_AES_128_GCM_SHA256', 'PSK-AES128-GCM-SHA256'],
  ['TLS_PSK_WITH_AES_128_CBC_SHA256', 'PSK-AES128-CBC-SHA256'],
];

/**
 * Runs a command with `input` on stdin (kept open), collecting stdout; it is killed once its
 * output matches `until`, or after `ms` in any case.
 */
function runWithInput(cmd: string, args: string[], input: string, ms: number, until?: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (until?.test(out) === true) child.kill('SIGKILL');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.write(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', () => { clearTimeout(timer); resolve(out); });
  });
}

for (const [ours, theirs] of SUITES) {
  test(`openssl s_client -dtls1_2 (${theirs}) against our server`, { skip: !HAVE && 'openssl not installed' }, async () => {
    const { server, addr, received } = await echoServer();
    const events: DtlsEvent[] = [];
    server.onEvent((e) => events.push(e));
    try {
      const out = await runWithInput('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${addr.port}`,
        '-psk_identity', 'dev1', '-psk', KEY.toString('hex'), '-cipher', theirs, '-quiet'], 'ping\n', 10_000, /ping/);
      assert.match(out, /ping/, 'our server echoed the line back');
      assert.equal(new TextDecoder().decode(received[0]?.data), 'ping\n');
      const est = events.find((e) => e.type === 'established');
      assert.ok(est?.type === 'established' && est.cipherSuite === ours && est.extendedMasterSecret);
      assert.equal(est.encryptThenMac, ours.includes('CBC'), 'OpenSSL asks for encrypt-then-MAC on CBC');
      assert.equal(server.stats().internalErrors, 0);
    } finally {
      await server.close();
    }
  });

  test(`our client (${ours}) against openssl s_server -dtls1_2`, { skip: !HAVE && 'openssl not installed' }, async () => {
    const port = await freePortPair();
    const got = runWithInput('openssl', ['s_server', '-dtls1_2', '-accept', String(port), '-nocert',
      '-psk_identity', 'dev1', '-psk', KEY.toString('hex'), '-cipher', theirs, '-naccept', '1', '-quiet'], '', 10_000, /hello s_server/);
    await sleep(400);
    const c = await client({ cipherSuites: [ours] });
    const events: DtlsEvent[] = [];
    c.onEvent((e) => events.push(e));
    try {
      await c.send(new TextEncoder().encode('hello s_server\n'), { address: '127.0.0.1', port });
      await sleep(200);
      const est = events.find((e) => e.type === 'established');
      assert.ok(est?.type === 'established' && est.cipherSuite === ours && est.extendedMasterSecret);
      assert.equal(est.encryptThenMac, ours.includes('CBC'));
    } finally {
      await c.close();
    }
    assert.match(await got, /hello s_server/);
  });
}

// X.509 with ECDHE_ECDSA (CCM_8), client certificates required both ways.
const pki: TestPki | undefined = HAVE ? makePki() : undefined;
after(() => pki?.cleanup());

test('openssl s_client -dtls1_2 with an X.509 client certificate against our server', { skip: !HAVE && 'openssl not installed' }, async () => {
  const k = pki!;
  const { server, addr, received } = await echoServer({ pskStore: undefined, x509: { certificateChain: k.pem('server.pem'), privateKey: k.pem('server.key'), trustedRoots: k.pem('ca.pem') } });
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  try {
    const out = await runWithInput('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${addr.port}`, '-cipher', 'ECDHE-ECDSA-AES128-CCM8',
      '-cert', k.file('client.pem'), '-key', k.file('client.key'), '-CAfile', k.file('ca.pem'), '-verify_return_error', '-verify_ip', '127.0.0.1', '-quiet'], 'ping\n', 10_000, /ping/);
    assert.match(out, /ping/);
    const id = received[0]?.identity;
    assert.ok(id?.type === 'x509' && id.subject === 'CN=urn:dev:1');
    const est = events.find((e) => e.type === 'established');
    assert.ok(est?.type === 'established' && est.cipherSuite === 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8' && est.extendedMasterSecret);
  } finally {
    await server.close();
  }
});

test('our X.509 client against openssl s_server -dtls1_2 requiring a client certificate', { skip: !HAVE && 'openssl not installed' }, async () => {
  const k = pki!;
  const port = await freePortPair();
  const got = runWithInput('openssl', ['s_server', '-dtls1_2', '-accept', String(port), '-cipher', 'ECDHE-ECDSA-AES128-CCM8',
    '-cert', k.file('server.pem'), '-key', k.file('server.key'), '-CAfile', k.file('ca.pem'), '-Verify', '1', '-verify_return_error', '-naccept', '1', '-quiet'], '', 10_000, /hello x509/);
  await sleep(400);
  const c = await client({ psk: undefined, x509: { certificateChain: k.pem('client.pem'), privateKey: k.pem('client.key'), trustedRoots: k.pem('ca.pem'), serverName: 'localhost' } });
  const events: DtlsEvent[] = [];
  c.onEvent((e) => events.push(e));
  try {
    await c.send(new TextEncoder().encode('hello x509\n'), { address: '127.0.0.1', port });
    await sleep(200);
    const est = events.find((e) => e.type === 'established');
    assert.ok(est?.type === 'established' && est.identity.type === 'x509' && est.identity.subject === 'CN=localhost');
  } finally {
    await c.close();
  }
  assert.match(await got, /hello x509/);
});
