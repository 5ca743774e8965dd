/** Registration as a real server receives it over UDP: parameters, payloads, Update, De-register, fall-back, retries. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ResponseCode } from '../../runtime/coap/codes.js';
import { ConnectivityMonitoring, Device_v1_0, Location, LwM2MSecurity_v1_1, LwM2MServer_v1_1 } from '../../registry/index.js';
import { ClientError } from '../../runtime/client/index.js';
import { cleanup, client, delay, device, FakeServer, parseQuery } from './helpers.js';

after(cleanup);

test('LwM2M 1.1 Register: parameters, root link with ct, bare ver, no /0, Location-Path kept', async () => {
  const server = await FakeServer.start();
  const c = client({ endpoint: 'urn:dev:1', objects: [device(), new Location.Instance(0, { latitude: 1, longitude: 2, timestamp: new Date(0) })], servers: [{ uri: server.uri, shortServerId: 101, lifetime: 300 }] });
  const registered = c.next('registered');
  await c.start();
  const reg = await server.waitFor((r) => r.path === '/rd');
  const q = parseQuery(reg.query);
  assert.deepEqual([...q.keys()], ['ep', 'lt', 'lwm2m', 'b']);
  assert.equal(q.get('ep'), 'urn:dev:1');
  assert.equal(q.get('lt'), '300');
  assert.equal(q.get('lwm2m'), '1.1');
  assert.equal(q.get('b'), 'U');
  assert.equal(reg.contentFormat, 40);
  assert.equal(reg.payload, '</>;rt="oma.lwm2m";ct="0 42 60 110 112 11542 11543",</1/0>,</3>;ver=1.2,</3/0>,</6/0>');
  const info = await registered;
  assert.deepEqual(info, { shortServerId: 101, uri: server.uri, lwm2mVersion: '1.1', location: '/rd/r0' });
  assert.equal(c.status()[0]?.state, 'registered');
  await c.stop();
  const del = await server.waitFor((r) => r.method === 'DELETE');
  assert.equal(del.path, '/rd/r0', 'De-register goes to the Location-Path');
});

test('LwM2M 1.0 Register: quoted ver, no root link, queue mode in b; sms sent', async () => {
  const server = await FakeServer.start();
  const c = client({ endpoint: 'dev10', lwm2mVersion: '1.0', sms: '+15551234', objects: [device(), new ConnectivityMonitoring.Instance(0, { networkBearer: 0, availableNetworkBearer: new Map([[0, 0]]), radioSignalStrength: -80, ipAddresses: new Map([[0, '10.0.0.1']]) })], servers: [{ uri: server.uri, shortServerId: 1, binding: 'UQ' }] });
  await c.start();
  const reg = await server.waitFor((r) => r.path === '/rd');
  const q = parseQuery(reg.query);
  assert.equal(q.get('lwm2m'), '1.0');
  assert.equal(q.get('b'), 'UQ');
  assert.equal(q.get('lt'), '86400');
  assert.equal(q.get('sms'), '+15551234');
  assert.equal(q.has('Q'), false, '1.0 has no separate Q');
  assert.equal(reg.payload, '</1/0>,</3>;ver="1.2",</3/0>,</4>;ver="1.3",</4/0>'.replace('1.3', ConnectivityMonitoring.descriptor.version));
});

test('LwM2M 1.1 queue mode is a separate Q parameter; default object versions leave ver out; objects without instances are listed', async () => {
  const server = await FakeServer.start();
  const sec = new LwM2MSecurity_v1_1.Instance(0, { lwm2mServerUri: server.uri, bootstrapServer: false, securityMode: 3, publicKeyOrIdentity: new Uint8Array(), serverPublicKey: new Uint8Array(), secretKey: new Uint8Array(), shortServerId: 7 });
  const srv = new LwM2MServer_v1_1.Instance(0, { shortServerId: 7, lifetime: 60, notificationStoringWhenDisabledOrOffline: false, binding: 'UQ', registrationUpdateTrigger: () => {} });
  const dev = new Device_v1_0.Instance(0, { manufacturer: 'A', errorCode: new Map([[0, 0]]), supportedBindingAndModes: 'U', reboot: () => {} } as never);
  const c = client({ endpoint: 'q', objects: [sec, srv, dev], objectTypes: [Location] });
  await c.start();
  const reg = await server.waitFor((r) => r.path === '/rd');
  const q = parseQuery(reg.query);
  assert.equal(q.get('b'), 'U');
  assert.equal(q.get('Q'), true);
  assert.equal(q.get('lt'), '60');
  assert.equal(reg.payload, '</>;rt="oma.lwm2m";ct="0 42 60 110 112 11542 11543",</1/0>,</3>;ver=1.0,</3/0>,</6>');
});

test('registers with every server at once; each keeps its own location', async () => {
  const a = await FakeServer.start();
  const b = await FakeServer.start();
  b.answer = (req) => (req.method === 'POST' && req.path.join('/') === 'rd' ? { code: ResponseCode.Created, options: [{ number: 8, value: Buffer.from('other') }] } : undefined);
  const c = client({ endpoint: 'multi', objects: [device()], servers: [{ uri: a.uri, shortServerId: 1 }, { uri: b.uri, shortServerId: 2 }] });
  const seen: number[] = [];
  c.on('registered', (r) => seen.push(r.shortServerId));
  await c.start();
  await Promise.all([a.waitFor((r) => r.path === '/rd'), b.waitFor((r) => r.path === '/rd')]);
  await delay(50);
  assert.deepEqual(seen.sort(), [1, 2]);
  assert.deepEqual(c.status().map((s) => s.location), ['/rd/r0', '/other']);
  const regA = a.seen.find((r) => r.path === '/rd')!;
  assert.match(regA.payload, /<\/1\/0>,<\/1\/1>/, 'both Server instances are listed');
  await c.stop();
  await Promise.all([a.waitFor((r) => r.method === 'DELETE'), b.waitFor((r) => r.method === 'DELETE' && r.path === '/other')]);
});

test('Update before the lifetime ends, without parameters or payload', async () => {
  const server = await FakeServer.start();
  const c = client({ endpoint: 'lt', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1, lifetime: 1 }] });
  const t0 = Date.now();
  await c.start();
  const upd = await server.waitFor((r) => r.path === '/rd/r0', 3000);
  const elapsed = upd.at - t0;
  assert.ok(elapsed >= 400 && elapsed < 1000, `update after ${elapsed} ms (lifetime 1 s)`);
  assert.deepEqual(upd.query, []);
  assert.equal(upd.payload, '');
  const updated = await c.next('updated');
  assert.equal(updated.location, '/rd/r0');
});

test('Update with the object links when instances change, with lt when /1/x/1 changes, and on /1/x/8', async () => {
  const server = await FakeServer.start();
  const c = client({ endpoint: 'chg', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1, lifetime: 600 }] });
  await c.start();
  await c.next('registered');
  let from = server.seen.length;
  c.addInstance(new Location.Instance(0, { latitude: 1, longitude: 2, timestamp: new Date(0) }));
  const u1 = await server.waitFor((r) => r.path === '/rd/r0', 2000, from);
  assert.equal(u1.contentFormat, 40);
  assert.match(u1.payload, /<\/6\/0>/);
  assert.deepEqual(u1.query, []);
  await c.next('updated');

  from = server.seen.length;
  const srv = c.tree.instance(1, 0)!;
  srv.write(1, 900);
  const u2 = await server.waitFor((r) => r.path === '/rd/r0', 2000, from);
  assert.deepEqual(u2.query, ['lt=900']);
  assert.equal(u2.payload, '');
  await c.next('updated');

  from = server.seen.length;
  const res = await server.endpoint.request(c.address(), { method: 'POST', path: '/1/0/8' });
  assert.equal(res.code, ResponseCode.Changed);
  const u3 = await server.waitFor((r) => r.path === '/rd/r0', 2000, from);
  assert.deepEqual(u3.query, [], 'nothing changed: a bare Update');
});

test('4.12 makes the client fall back 1.2 -> 1.1 -> 1.0', async () => {
  const server = await FakeServer.start();
  server.answer = (req) => (req.path.join('/') === 'rd' && !req.query.includes('lwm2m=1.0') ? { code: ResponseCode.PreconditionFailed } : undefined);
  const c = client({ endpoint: 'old', lwm2mVersion: '1.2', objects: [device()], servers: [{ uri: server.uri, shortServerId: 3 }] });
  const falls: string[] = [];
  c.on('versionFallback', (f) => falls.push(`${f.from}->${f.to}`));
  const registered = c.next('registered');
  await c.start();
  const info = await registered;
  assert.deepEqual(falls, ['1.2->1.1', '1.1->1.0']);
  assert.equal(info.lwm2mVersion, '1.0');
  const versions = server.seen.filter((r) => r.path === '/rd').map((r) => parseQuery(r.query).get('lwm2m'));
  assert.deepEqual(versions, ['1.2', '1.1', '1.0']);
  const last = server.seen.filter((r) => r.path === '/rd').at(-1)!;
  assert.ok(!last.payload.startsWith('</>'), 'the 1.0 payload has no root link');
  assert.match(server.seen.filter((r) => r.path === '/rd')[0]!.payload, /ct="0 42 60 110 112 11542 11543 11544"/, '1.2 lists LwM2M CBOR');
});

test('a rejected Register is retried with growing back-off; maxAttempts ends it', async () => {
  const server = await FakeServer.start();
  server.answer = () => ({ code: ResponseCode.InternalServerError });
  const c = client({ endpoint: 'retry', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1 }], retry: { initialDelayMs: 40, factor: 2, maxDelayMs: 1000, maxAttempts: 3 } });
  const failures: { attempt: number; retryInMs: number | undefined; code: string; coap: string | undefined }[] = [];
  c.on('registrationFailed', (f) => failures.push({ attempt: f.attempt, retryInMs: f.retryInMs, code: f.error.code, coap: f.error.coapCode }));
  await c.start();
  await new Promise<void>((resolve) => c.on('registrationFailed', (f) => { if (f.retryInMs === undefined) resolve(); }));
  assert.deepEqual(failures, [
    { attempt: 1, retryInMs: 40, code: 'E_CLIENT_REJECTED', coap: '5.00' },
    { attempt: 2, retryInMs: 80, code: 'E_CLIENT_REJECTED', coap: '5.00' },
    { attempt: 3, retryInMs: undefined, code: 'E_CLIENT_REJECTED', coap: '5.00' },
  ]);
  const times = server.seen.map((r) => r.at);
  assert.equal(times.length, 3);
  // Timers never fire early: the gaps are at least the delays (40, then 80 ms).
  assert.ok(times[1]! - times[0]! >= 38 && times[2]! - times[1]! >= 78, `the delay grows: ${times.map((t) => t - times[0]!).join(', ')}`);
  assert.equal(c.status()[0]?.state, 'failed');
});

test('an unreachable server: timeouts are retried until it answers', async () => {
  const server = await FakeServer.start();
  let drop = 2;
  server.answer = (req) => {
    if (req.path.join('/') === 'rd' && drop > 0) {
      drop--;
      return new Promise<never>(() => {}) as never; // never answered: the client times out
    }
    return undefined;
  };
  const c = client({ endpoint: 'slow', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1 }], requestTimeoutMs: 150 });
  const errors: string[] = [];
  c.on('registrationFailed', (f) => errors.push(f.error.code));
  const registered = c.next('registered');
  await c.start();
  await registered;
  assert.deepEqual(errors, ['E_CLIENT_UNREACHABLE', 'E_CLIENT_UNREACHABLE']);
});

test('an Update answered 4.04 leads to a new Register', async () => {
  const server = await FakeServer.start();
  server.answer = (req) => (req.method === 'POST' && req.path.join('/') === 'rd/r0' ? { code: ResponseCode.NotFound } : undefined);
  const c = client({ endpoint: 'lost', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1, lifetime: 600 }] });
  await c.start();
  await c.next('registered');
  c.triggerUpdate();
  const failed = await c.next('registrationFailed');
  assert.equal(failed.error.coapCode, '4.04');
  assert.equal(failed.operation, 'update');
  const again = await c.next('registered');
  assert.equal(again.location, '/rd/r1');
  assert.deepEqual(server.seen.map((r) => `${r.method} ${r.path}`), ['POST /rd', 'POST /rd/r0', 'POST /rd']);
});

test('configuration errors are ClientError E_CLIENT_CONFIG', async () => {
  assert.throws(() => client({ endpoint: '', objects: [] }), (e: unknown) => e instanceof ClientError && e.code === 'E_CLIENT_CONFIG');
  await assert.rejects(client({ endpoint: 'x', objects: [device()] }).start(), /no server/);
  assert.throws(() => client({ endpoint: 'x', objects: [device()], servers: [{ uri: 'coaps://h', shortServerId: 1 }] }), /needs a psk/);
  assert.throws(() => client({ endpoint: 'x', objects: [device()], servers: [{ uri: 'http://h', shortServerId: 1 }] }), /not a coap/);
  assert.throws(() => client({ endpoint: 'x', objects: [device(), device()] }), /given twice/);
});

test('stop() while a Register is unanswered ends quietly; nothing is retried after it', async () => {
  const server = await FakeServer.start();
  server.answer = () => new Promise<never>(() => {}) as never;
  const c = client({ endpoint: 'quit', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1 }] });
  const failures: string[] = [];
  c.on('registrationFailed', (f) => failures.push(f.error.code));
  await c.start();
  await server.waitFor((r) => r.path === '/rd');
  await c.stop();
  await delay(150);
  assert.deepEqual(failures, []);
  assert.equal(server.seen.length, 1, 'no De-register without a registration, no retry');
  assert.equal(c.status()[0]?.state, 'stopped');
});

test('an instance added while the Register is on its way is announced by an Update right after', async () => {
  const server = await FakeServer.start();
  let release: (() => void) | undefined;
  const created = { code: ResponseCode.Created, options: [{ number: 8, value: Buffer.from('rd') }, { number: 8, value: Buffer.from('late') }] };
  server.answer = (req) => (req.path.join('/') === 'rd' && release === undefined ? new Promise<typeof created>((resolve) => { release = () => resolve(created); }) as never : undefined);
  const c = client({ endpoint: 'race', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1, lifetime: 600 }] });
  await c.start();
  await server.waitFor((r) => r.path === '/rd');
  c.addInstance(new Location.Instance(0, { latitude: 1, longitude: 2, timestamp: new Date(0) }));
  release!();
  const upd = await server.waitFor((r) => r.path === '/rd/late', 3000);
  assert.match(upd.payload, /<\/6\/0>/);
});

test('Disable (/1/x/4): 2.04, De-register, requests refused, registered again after the Disable Timeout', async () => {
  const server = await FakeServer.start();
  const c = client({ endpoint: 'dis', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1, lifetime: 600 }] });
  await c.start();
  await c.next('registered');
  const req = (init: Parameters<typeof server.endpoint.request>[1]) => server.endpoint.request(c.address(), init);
  assert.equal((await req({ method: 'PUT', path: '/1/0/5', contentFormat: 0, payload: '1' })).code, ResponseCode.Changed);
  const deregistered = c.next('deregistered');
  const t0 = Date.now();
  assert.equal((await req({ method: 'POST', path: '/1/0/4' })).code, ResponseCode.Changed);
  await deregistered;
  assert.equal(c.status()[0]?.state, 'disabled');
  assert.equal((await req({ method: 'GET', path: '/3/0/0' })).code, ResponseCode.Unauthorized);
  const again = await c.next('registered');
  assert.ok(Date.now() - t0 >= 900, 'back after the Disable Timeout');
  assert.equal(again.location, '/rd/r1');
  assert.deepEqual(server.seen.map((r) => `${r.method} ${r.path}`).filter((s) => s.includes('/rd')), ['POST /rd', 'DELETE /rd/r0', 'POST /rd']);
});

test('silent by default; a pino-shaped logger hears registrations and handler failures', async () => {
  const lines: { level: string; msg: string | undefined }[] = [];
  const rec = (level: string) => (_obj: object, msg?: string): void => { lines.push({ level, msg }); };
  const logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const server = await FakeServer.start();
  const c = client({ endpoint: 'log', logger, objects: [device({ batteryLevel: () => { throw new Error('no battery'); } })], servers: [{ uri: server.uri, shortServerId: 1 }] });
  await c.start();
  await c.next('registered');
  assert.equal((await server.endpoint.request(c.address(), { method: 'GET', path: '/3/0/9' })).code, ResponseCode.InternalServerError);
  assert.ok(lines.some((l) => l.level === 'info' && l.msg === 'registered'));
  assert.ok(lines.some((l) => l.level === 'error' && l.msg === 'device management handler failed'));
});

test('the Initial Registration Delay Timer (/1/x/14) holds the first Register back', async () => {
  const server = await FakeServer.start();
  const sec = new LwM2MSecurity_v1_1.Instance(0, { lwm2mServerUri: server.uri, bootstrapServer: false, securityMode: 3, publicKeyOrIdentity: new Uint8Array(), serverPublicKey: new Uint8Array(), secretKey: new Uint8Array(), shortServerId: 4 });
  const srv = new LwM2MServer_v1_1.Instance(0, { shortServerId: 4, lifetime: 60, notificationStoringWhenDisabledOrOffline: false, binding: 'U', registrationUpdateTrigger: () => {}, initialRegistrationDelayTimer: 1 });
  const c = client({ endpoint: 'later', objects: [sec, srv, device()] });
  const t0 = Date.now();
  await c.start();
  await c.next('registered');
  assert.ok(Date.now() - t0 >= 950, `registered after ${Date.now() - t0} ms`);
});

test('start() twice at once opens one socket; after stop() the client can start again', async () => {
  const server = await FakeServer.start();
  const c = client({ endpoint: 'again', objects: [device()], servers: [{ uri: server.uri, shortServerId: 1 }] });
  await Promise.all([c.start(), c.start()]);
  await c.next('registered');
  await c.stop();
  await server.waitFor((r) => r.method === 'DELETE');
  const again = c.next('registered');
  await c.start();
  assert.equal((await again).location, '/rd/r1');
  assert.deepEqual(server.seen.map((r) => `${r.method} ${r.path}`), ['POST /rd', 'DELETE /rd/r0', 'POST /rd']);
});
