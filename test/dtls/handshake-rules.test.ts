/**
 * Handshake rules seen on the wire from a raw UDP socket (no DTLS stack of ours on that side):
 * the alert for a peer without DTLS 1.2, renegotiation_info and extended_master_secret in the
 * ServerHello, a non-empty renegotiation_info refused; the cookie secret rotating under a live
 * handshake; idle and handshake timeouts.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { AlertDescription, AlertLevel, parseAlert } from '../../runtime/dtls/alert.js';
import type { DtlsEvent } from '../../runtime/dtls/dtls-endpoint.js';
import { EMPTY_RENEGOTIATION_INFO, ExtensionType, findExtension, type Extension } from '../../runtime/dtls/extensions.js';
import { encodeHandshakeMessage, HandshakeType, parseHandshakeFragments } from '../../runtime/dtls/handshake-fragment.js';
import { encodeClientHello, parseHelloVerifyRequest, parseServerHello, type ServerHello } from '../../runtime/dtls/handshake-hello.js';
import { ContentType, DTLS_1_0, DTLS_1_2, encodeRecord, parseRecords } from '../../runtime/dtls/record.js';
import type { PeerAddress } from '../../runtime/transport/datagram-transport.js';
import { client, echoServer, KEY } from './helpers/pair.js';
import { haveCommand } from './helpers/processes.js';
import { Proxy } from './helpers/proxy.js';

const closers: { close(): unknown }[] = [];
after(async () => { for (const c of closers.splice(0)) await c.close(); });

const TLS_PSK_WITH_AES_128_CCM_8 = 0xc0a8;
const SCSV = 0x00ff;

/** A raw socket that speaks the first two flights of a client by hand. */
async function rawPeer(server: PeerAddress) {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  closers.push(sock);
  const inbox: Buffer[] = [];
  let waiter: (() => void) | undefined;
  sock.on('message', (m) => { inbox.push(m); waiter?.(); });
  const next = async (): Promise<Buffer> => {
    while (inbox.length === 0) await new Promise<void>((r) => { waiter = r; });
    waiter = undefined;
    return inbox.shift()!;
  };
  let seq = 0;
  const hello = (version: number, cookie: Uint8Array, suites: number[], extensions: Extension[]): void => {
    const body = encodeClientHello({ version, random: new Uint8Array(32).fill(7), sessionId: new Uint8Array(0), cookie, cipherSuites: suites, compressionMethods: Uint8Array.of(0), extensions });
    const rec = encodeRecord(ContentType.handshake, DTLS_1_2, 0, seq, encodeHandshakeMessage({ type: HandshakeType.clientHello, messageSeq: seq === 0 ? 0 : 1, body }));
    seq++;
    sock.send(rec, server.port, server.address);
  };
  /** ClientHello, HelloVerifyRequest, ClientHello with the cookie: the server's answer to that. */
  const exchange = async (version: number, suites: number[], extensions: Extension[]): Promise<Buffer> => {
    hello(version, new Uint8Array(0), suites, extensions);
    const hvrRecord = parseRecords(await next()).records[0]!;
    const hvr = parseHandshakeFragments(hvrRecord.fragment, 1024)[0]!;
    assert.equal(hvr.type, HandshakeType.helloVerifyRequest);
    hello(version, parseHelloVerifyRequest(hvr.body).cookie, suites, extensions);
    return next();
  };
  return { exchange };
}

function alertOf(datagram: Buffer): { level: number; description: number } {
  const rec = parseRecords(datagram).records.find((r) => r.type === ContentType.alert);
  assert.ok(rec !== undefined, 'an alert record');
  return parseAlert(rec.fragment);
}

const bytesOf = (e: Extension | undefined): number[] | undefined => (e === undefined ? undefined : [...e.data]);

function serverHelloOf(datagram: Buffer): ServerHello {
  for (const rec of parseRecords(datagram).records) {
    if (rec.type !== ContentType.handshake) continue;
    for (const f of parseHandshakeFragments(rec.fragment, 4096)) if (f.type === HandshakeType.serverHello) return parseServerHello(f.body);
  }
  assert.fail('no ServerHello');
}

test('a client that cannot do DTLS 1.2 (only 1.0 offered) gets a fatal protocol_version alert, no state', async () => {
  const { server, addr } = await echoServer();
  closers.push(server);
  const events: DtlsEvent[] = [];
  server.onEvent((e) => events.push(e));
  const raw = await rawPeer(addr);
  const alert = alertOf(await raw.exchange(DTLS_1_0, [TLS_PSK_WITH_AES_128_CCM_8], []));
  assert.deepEqual(alert, { level: AlertLevel.fatal, description: AlertDescription.protocolVersion });
  assert.ok(events.some((e) => e.type === 'error' && e.error.code === 'E_DTLS_PROTOCOL_VERSION'));
  assert.equal(server.stats().sessions + server.stats().handshakesInProgress, 0);
});

test('ServerHello: renegotiation_info (empty) for the SCSV or the extension, extended_master_secret when offered; neither unasked', async () => {
  const { server, addr } = await echoServer();
  closers.push(server);
  const bySCSV = serverHelloOf(await (await rawPeer(addr)).exchange(DTLS_1_2, [TLS_PSK_WITH_AES_128_CCM_8, SCSV], []));
  assert.deepEqual(bytesOf(findExtension(bySCSV.extensions, ExtensionType.renegotiationInfo)), [...EMPTY_RENEGOTIATION_INFO]);
  assert.equal(findExtension(bySCSV.extensions, ExtensionType.extendedMasterSecret), undefined, 'EMS only when offered');
  const byExtension = serverHelloOf(await (await rawPeer(addr)).exchange(DTLS_1_2, [TLS_PSK_WITH_AES_128_CCM_8], [
    { type: ExtensionType.renegotiationInfo, data: EMPTY_RENEGOTIATION_INFO },
    { type: ExtensionType.extendedMasterSecret, data: new Uint8Array(0) },
  ]));
  assert.deepEqual(bytesOf(findExtension(byExtension.extensions, ExtensionType.renegotiationInfo)), [...EMPTY_RENEGOTIATION_INFO]);
  assert.deepEqual(bytesOf(findExtension(byExtension.extensions, ExtensionType.extendedMasterSecret)), []);
  const neither = serverHelloOf(await (await rawPeer(addr)).exchange(DTLS_1_2, [TLS_PSK_WITH_AES_128_CCM_8], []));
  assert.deepEqual(neither.extensions, [], 'nothing the client did not ask for');
});

test('a non-empty renegotiation_info in an initial handshake: fatal handshake_failure (RFC 5746 3.6)', async () => {
  const { server, addr } = await echoServer();
  closers.push(server);
  const raw = await rawPeer(addr);
  const alert = alertOf(await raw.exchange(DTLS_1_2, [TLS_PSK_WITH_AES_128_CCM_8], [{ type: ExtensionType.renegotiationInfo, data: Uint8Array.of(12, ...new Uint8Array(12)) }]));
  assert.deepEqual(alert, { level: AlertLevel.fatal, description: AlertDescription.handshakeFailure });
  assert.equal(server.stats().sessions, 0);
});

test('the cookie secret rotating twice under a handshake: the stale cookie is refused, a fresh one given, the handshake completes', async () => {
  const { server, addr } = await echoServer();
  closers.push(server);
  const proxy = await Proxy.start(addr);
  closers.push(proxy);
  let hellos = 0;
  proxy.toServer = (d) => {
    const rec = parseRecords(d).records[0];
    // Before the ClientHello that carries the first cookie reaches the server: that secret is gone.
    if (rec?.type === ContentType.handshake && rec.epoch === 0 && rec.fragment[0] === HandshakeType.clientHello && ++hellos === 2) {
      server.rotateCookieSecret();
      server.rotateCookieSecret();
    }
    return d;
  };
  const c = await client();
  closers.push(c);
  await c.connect(proxy.address);
  const s = server.stats();
  assert.equal(s.helloVerifyRequestsSent, 2, 'a second HelloVerifyRequest with a fresh cookie');
  assert.equal(s.drops.E_DTLS_BAD_COOKIE, 1);
  assert.equal(s.handshakesCompleted, 1);
});

test('idleTimeoutMs: a silent session is closed with close_notify; handshakeTimeoutMs: an unfinished handshake is dropped', { timeout: 15_000 }, async () => {
  const { server, addr } = await echoServer({ idleTimeoutMs: 100, handshakeTimeoutMs: 100 });
  closers.push(server);
  const serverEvents: DtlsEvent[] = [];
  const c = await client();
  closers.push(c);
  const closed = new Promise<DtlsEvent>((resolve) => c.onEvent((e) => { if (e.type === 'closed') resolve(e); }));
  const timedOut = new Promise<DtlsEvent>((resolve) => server.onEvent((e) => {
    serverEvents.push(e);
    if (e.type === 'error' && e.error.code === 'E_DTLS_TIMEOUT') resolve(e);
  }));
  await c.connect(addr);
  await closed;
  assert.ok(serverEvents.some((e) => e.type === 'closed'), 'the server ended the session itself');
  // A peer that sends its cookie hello and then nothing.
  const raw = await rawPeer(addr);
  const flight = await raw.exchange(DTLS_1_2, [TLS_PSK_WITH_AES_128_CCM_8], []);
  assert.ok(serverHelloOf(flight) !== undefined);
  await timedOut;
  assert.equal(server.stats().handshakesInProgress, 0);
  assert.equal(server.stats().sessions, 0);
});

test('renegotiation asked for by openssl s_client (R): a no_renegotiation warning, not a resend of our old flight; OpenSSL then gives up the session', { skip: !haveCommand('openssl') && 'openssl not installed', timeout: 20_000 }, async () => {
  const { server, addr, received } = await echoServer();
  closers.push(server);
  const events: DtlsEvent[] = [];
  const ended = new Promise<void>((resolve) => server.onEvent((e) => { events.push(e); if (e.type === 'error' || e.type === 'closed') resolve(); }));
  const proxy = await Proxy.start(addr);
  closers.push(proxy);
  const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${proxy.address.port}`, '-psk_identity', 'dev1', '-psk', KEY.toString('hex'), '-cipher', 'PSK-AES128-CCM8'], { stdio: ['pipe', 'pipe', 'pipe'] });
  closers.push({ close: () => child.kill('SIGKILL') });
  let out = '';
  const echoed = new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => { out += b.toString(); if (/^ping1$/m.test(out)) resolve(); }));
  child.stdin.write('ping1\n');
  await echoed;
  assert.ok(server.identityOf({ address: '127.0.0.1', port: proxy.upstreamPort }) !== undefined);
  const afterR: string[] = [];
  proxy.toClient = (d) => {
    for (const r of parseRecords(d).records) afterR.push(`${r.type}/${r.epoch}/${r.fragment.length}`);
    return d;
  };
  child.stdin.write('R\n');
  await ended;
  // One protected alert of 2 bytes (8-byte explicit nonce + alert + 8-byte CCM_8 tag), no ChangeCipherSpec or Finished again.
  assert.deepEqual(afterR, [`${ContentType.alert}/1/18`]);
  const end = events.find((e) => e.type === 'error');
  assert.ok(end?.type === 'error' && end.error.code === 'E_DTLS_ALERT_RECEIVED' && end.error.alert === AlertDescription.handshakeFailure, 'OpenSSL answers the warning with a fatal handshake_failure');
  assert.equal(server.stats().internalErrors, 0);
  assert.equal(received.length, 1);
});
