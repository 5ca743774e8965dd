/**
 * Credentials leaving the server's security store end their DTLS sessions: close_notify to the
 * client, the session forgotten (no resumption), over real sockets. Stores that can tell the
 * transport (watch) act at once; others are caught by the periodic check.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { DtlsError, type DtlsClient, type DtlsEvent, type DtlsServer } from '../../runtime/dtls/index.js';
import { createDtlsClient } from '../../runtime/dtls/index.js';
import { createServerDtlsTransport, type ServerDtlsOptions } from '../../runtime/server/dtls-transport.js';
import { LwM2MServer, MemorySecurityStore, type SecurityStore } from '../../runtime/server/index.js';
import type { PeerAddress } from '../../runtime/transport/datagram-transport.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { KEY_A, KEY_B, recordingLogger, register, securityStore, update } from '../server/dtls-helpers.js';

const closers: { close(): Promise<void> }[] = [];
after(async () => { await Promise.allSettled(closers.splice(0).map((c) => c.close())); });

const fast = { retransmit: { initialMs: 200 }, handshakeTimeoutMs: 3000 } as const;

/** An LwM2M server over a DTLS transport we hold, so that its sessions can be looked at. */
async function serverWith(store: SecurityStore, options: ServerDtlsOptions = {}) {
  const log = recordingLogger();
  const dtls = createServerDtlsTransport(await UdpTransport.bind(), store, { ...fast, ...options }, log);
  const server = new LwM2MServer({ transport: dtls, securityStore: store, logger: log, requestTimeoutMs: 2000 });
  await server.start();
  closers.push({ close: () => server.stop() });
  return { server, dtls, log, address: dtls.address() };
}

/** A CoAP peer on a DTLS client we hold: its events show the server's close_notify. */
async function device(psk: { identity: string; key: Uint8Array }) {
  const dtls = createDtlsClient(await UdpTransport.bind(), { ...fast, psk });
  const events: DtlsEvent[] = [];
  const waiting: { pred: (e: DtlsEvent) => boolean; resolve: (e: DtlsEvent) => void }[] = [];
  dtls.onEvent((e) => {
    events.push(e);
    for (const w of waiting.splice(0)) if (w.pred(e)) w.resolve(e); else waiting.push(w);
  });
  const ep = new CoapEndpoint({ transport: dtls, parameters: { ackTimeoutMs: 500, maxRetransmit: 1 } });
  closers.push(ep);
  const next = (pred: (e: DtlsEvent) => boolean): Promise<DtlsEvent> => {
    const seen = events.find(pred);
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ pred, resolve }));
  };
  return { dtls, ep, events, next };
}

const closedBy = (server: PeerAddress) => (e: DtlsEvent): boolean => e.type === 'closed' && e.peer.port === server.port;

test('removing an endpoint from the store: its session ends with close_notify, the server forgets it; other sessions stay', { timeout: 15_000 }, async () => {
  const store = securityStore();
  const { server, dtls, log, address } = await serverWith(store);
  const a = await device({ identity: 'id-a', key: KEY_A });
  const b = await device({ identity: 'id-b', key: KEY_B });
  const regA = await register(a.ep, address, 'dev-a');
  assert.equal(regA.code, '2.01');
  assert.equal((await register(b.ep, address, 'dev-b')).code, '2.01');
  assert.equal(dtls.stats().sessions, 2);

  await store.remove('dev-a');
  const closed = await a.next(closedBy(address));
  assert.equal(closed.type, 'closed', 'the client got close_notify');
  assert.equal(dtls.stats().sessions, 1, 'the server forgot the session');
  assert.equal(dtls.identityOf(a.dtls.address()), undefined);
  assert.ok(log.lines.some((l) => l.msg.startsWith('DTLS sessions closed') && l.obj['endpoint'] === 'dev-a'), 'logged');
  await assert.rejects(server.client('dev-a').read('/3/0/0'), 'the server cannot reach the device over the closed session');
  // dev-b keeps its session and its registration works as before.
  assert.ok(dtls.identityOf(b.dtls.address()) !== undefined);
  assert.equal(b.events.filter((e) => e.type === 'closed').length, 0);
  // dev-a's next Update needs a new handshake, which the store no longer allows.
  await assert.rejects(update(a.ep, address, regA.location));
  assert.ok(a.events.some((e) => e.type === 'error' && e.error.code === 'E_DTLS_ALERT_RECEIVED'), 'the new handshake ends with the server\'s alert');
});

test('replacing an endpoint\'s key ends its session; a change that keeps the credentials (allowNoSec) does not', { timeout: 15_000 }, async () => {
  const store = securityStore();
  const { dtls, address } = await serverWith(store);
  const a = await device({ identity: 'id-a', key: KEY_A });
  assert.equal((await register(a.ep, address, 'dev-a')).code, '2.01');
  await store.set({ endpoint: 'dev-a', credentials: { mode: 'psk', identity: 'id-a', key: KEY_A }, allowNoSec: true });
  await store.remove('dev-open');
  assert.ok(dtls.identityOf(a.dtls.address()) !== undefined, 'same credentials: the session stays');
  await store.set({ endpoint: 'dev-a', credentials: { mode: 'psk', identity: 'id-a', key: Buffer.from('a-new-key-for-a') } });
  await a.next(closedBy(address));
  assert.equal(dtls.identityOf(a.dtls.address()), undefined);
});

test('no resumption of a revoked identity: the cached session is refused and the full handshake fails', { timeout: 15_000 }, async () => {
  const store = securityStore();
  // Checked only on resumption here: no watch, no periodic check, so the cache still holds the session.
  const unwatched: SecurityStore = { get: (e) => store.get(e), byPskIdentity: (i) => store.byPskIdentity(i), byPublicKey: (k) => store.byPublicKey(k), byCommonName: (c) => store.byCommonName(c), set: (e) => store.set(e), remove: (e) => store.remove(e), all: () => store.all() };
  const { dtls, address } = await serverWith(unwatched, { revalidateSessionsMs: 0 });
  const a = await device({ identity: 'id-a', key: KEY_A });
  assert.equal((await register(a.ep, address, 'dev-a')).code, '2.01');
  a.dtls.disconnect(address);
  // The answer comes after the server took the client's last flight: the handshake is done on both sides.
  assert.equal((await register(a.ep, address, 'dev-a')).code, '2.01');
  assert.equal(dtls.stats().handshakesResumed, 1, 'resumption works while the credentials are there');
  a.dtls.disconnect(address);
  await store.remove('dev-a');
  await assert.rejects(a.dtls.connect(address), (e: unknown) => e instanceof DtlsError && e.code === 'E_DTLS_ALERT_RECEIVED');
  assert.equal(dtls.stats().handshakesResumed, 1, 'not resumed');
  assert.ok(a.events.some((e) => e.type === 'error' && e.error.alert === 115), 'unknown_psk_identity: the full handshake looked the identity up again');
});

test('a store that cannot tell the transport: the periodic check ends the session of removed credentials', { timeout: 15_000 }, async () => {
  const store = securityStore();
  const unwatched: SecurityStore = { get: (e) => store.get(e), byPskIdentity: (i) => store.byPskIdentity(i), byPublicKey: (k) => store.byPublicKey(k), byCommonName: (c) => store.byCommonName(c), set: (e) => store.set(e), remove: (e) => store.remove(e), all: () => store.all() };
  const { dtls, address } = await serverWith(unwatched, { revalidateSessionsMs: 50 });
  const a = await device({ identity: 'id-a', key: KEY_A });
  const b = await device({ identity: 'id-b', key: KEY_B });
  assert.equal((await register(a.ep, address, 'dev-a')).code, '2.01');
  assert.equal((await register(b.ep, address, 'dev-b')).code, '2.01');
  await store.remove('dev-a');
  await a.next(closedBy(address));
  assert.equal(dtls.identityOf(a.dtls.address()), undefined);
  assert.ok(dtls.identityOf(b.dtls.address()) !== undefined, 'the other session stays');
});

test('DtlsServer.closeSessions: picks by identity, sends close_notify, forgets the sessions for resumption', { timeout: 15_000 }, async () => {
  const server: DtlsServer = createServerDtlsTransport(await UdpTransport.bind(), new MemorySecurityStore([
    { endpoint: 'dev-a', credentials: { mode: 'psk', identity: 'id-a', key: KEY_A } },
  ]), { ...fast, revalidateSessionsMs: 0 }, recordingLogger());
  closers.push(server);
  const c: DtlsClient = createDtlsClient(await UdpTransport.bind(), { ...fast, psk: { identity: 'id-a', key: KEY_A } });
  closers.push(c);
  const closed = new Promise<void>((resolve) => c.onEvent((e) => { if (e.type === 'closed') resolve(); }));
  await c.connect(server.address());
  assert.equal(server.closeSessions((id) => id.type === 'psk' && id.identity === 'someone-else'), 0);
  assert.equal(server.closeSessions((id) => id.type === 'psk' && id.identity === 'id-a'), 1);
  await closed;
  assert.equal(server.stats().sessions, 0);
  // The client still holds the session for resumption; the server does not: a full handshake.
  await c.connect(server.address());
  assert.equal(server.stats().handshakesResumed, 0);
  assert.equal(server.stats().handshakesCompleted, 2);
});

test('a request to a device without a DTLS session fails at once (E_CLIENT_UNREACHABLE, no session) instead of waiting out its deadline', { timeout: 15_000 }, async () => {
  const store = securityStore();
  const log = recordingLogger();
  const dtls = createServerDtlsTransport(await UdpTransport.bind(), store, fast, log);
  // A deadline longer than the test's own timeout: only the fail-fast path can pass.
  const server = new LwM2MServer({ transport: dtls, securityStore: store, logger: log, requestTimeoutMs: 60_000 });
  await server.start();
  closers.push({ close: () => server.stop() });
  const a = await device({ identity: 'id-a', key: KEY_A });
  assert.equal((await register(a.ep, dtls.address(), 'dev-a')).code, '2.01');
  dtls.disconnect(a.dtls.address());
  await a.next(closedBy(dtls.address()));
  await assert.rejects(server.client('dev-a').read('/3/0/0'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_CLIENT_UNREACHABLE');
    assert.match(e.message, /no session with this peer/);
    return true;
  });
});
