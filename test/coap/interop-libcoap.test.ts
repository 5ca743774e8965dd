/** Interop with libcoap 4.3 (Debian libcoap3-bin): coap-client-notls and coap-server-notls. */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ResponseCode } from '../../runtime/coap/codes.js';
import type { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import type { ServerObservation } from '../../runtime/coap/observe.js';
import type { IncomingRequest } from '../../runtime/coap/request.js';
import { closeAll, delay, udpEndpoint, until } from './helpers.js';

const CLIENT = 'coap-client-notls';
const SERVER = 'coap-server-notls';
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await closeAll();
});

function which(cmd: string): Promise<boolean> {
  return new Promise((r) => execFile('sh', ['-c', `command -v ${cmd}`], (err) => r(err === null)));
}
const haveClient = await which(CLIENT);
const haveServer = await which(SERVER);
const dir = mkdtempSync(join(tmpdir(), 'coap-interop-'));

/** Runs coap-client-notls (bounded by -B and a kill timer) and returns its stdout. */
function coapClient(args: string[], killAfterMs = 8000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(CLIENT, ['-B', '5', ...args], { timeout: killAfterMs }, (err, stdout) => {
      children.delete(child);
      // -s (observe) ends by timeout of its own duration; stdout is what we check either way.
      if (err !== null && stdout.length === 0) reject(err);
      else resolve(stdout.replace(/\n$/, ''));
    });
    children.add(child);
  });
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn(SERVER, ['-A', '127.0.0.1', '-p', String(port), '-d', '10'], { stdio: 'ignore' });
  children.add(child);
  await delay(300);
  return { port, stop: () => { child.kill('SIGTERM'); children.delete(child); } };
}

async function ourServer(): Promise<{ server: CoapEndpoint; seen: IncomingRequest[]; uri: (p: string) => string; observers: ServerObservation[] }> {
  const server = await udpEndpoint();
  const seen: IncomingRequest[] = [];
  const observers: ServerObservation[] = [];
  server.onRequest((r) => {
    seen.push(r);
    const path = r.path.join('/');
    if (path === 'big') return { code: ResponseCode.Content, contentFormat: 0, payload: Buffer.alloc(3000, 'x') };
    if (path === 'obs') {
      if (r.observeRequested) observers.push(r.acceptObserve());
      return { code: ResponseCode.Content, payload: 'obs-0' };
    }
    return { code: r.method === 'GET' || r.method === 'FETCH' ? ResponseCode.Content : ResponseCode.Changed, payload: `${r.method} /${path} ${r.payload.length}` };
  });
  return { server, seen, observers, uri: (p) => `coap://127.0.0.1:${server.address().port}${p}` };
}

test('coap-client against our server: GET, PUT, NON, FETCH, iPATCH', { skip: !haveClient && `${CLIENT} not installed` }, async () => {
  const { uri, seen } = await ourServer();
  assert.equal(await coapClient([uri('/3/0/0')]), 'GET /3/0/0 0');
  assert.equal(await coapClient(['-m', 'put', '-e', 'hello', uri('/1/0/1')]), 'PUT /1/0/1 5');
  assert.equal(await coapClient(['-N', uri('/3/0/1')]), 'GET /3/0/1 0');
  assert.equal(seen[2]?.confirmable, false);
  assert.equal(await coapClient(['-m', 'fetch', '-t', '110', '-e', '[{"n":"/3/0/0"}]', uri('/')]), 'FETCH / 16');
  assert.equal(seen[3]?.contentFormat, 110);
  assert.equal(await coapClient(['-m', 'ipatch', '-e', 'x', uri('/')]), 'iPATCH / 1');
});

test('coap-client against our server: block-wise both ways (-b), early size negotiation', { skip: !haveClient && `${CLIENT} not installed` }, async () => {
  const { uri, seen } = await ourServer();
  const file = join(dir, 'body.bin');
  writeFileSync(file, Buffer.alloc(3000, 'y'));
  assert.equal(await coapClient(['-m', 'put', '-b', '64', '-f', file, uri('/5/0/0')]), 'PUT /5/0/0 3000');
  assert.equal(seen.length, 1, 'the handler ran once for the whole body');
  assert.equal(Buffer.from(seen[0]!.payload).toString(), 'y'.repeat(3000));
  const out = await coapClient([uri('/big')]);
  assert.equal(out, 'x'.repeat(3000));
  assert.equal(await coapClient(['-b', '32', uri('/big')]), 'x'.repeat(3000));
});

test('coap-client observes our server (-s) and gets the notifications', { skip: !haveClient && `${CLIENT} not installed` }, async () => {
  const { uri, observers } = await ourServer();
  const out = coapClient(['-s', '2', uri('/obs')], 6000);
  await until(() => observers.length === 1, 3000);
  const so = observers[0]!;
  for (let i = 1; i <= 3; i++) {
    await delay(100);
    await so.notify({ code: ResponseCode.Content, payload: `obs-${i}` }, { confirmable: i === 2 });
  }
  const text = await out;
  assert.equal(text, 'obs-0obs-1obs-2obs-3');
  // When -s runs out the client deregisters or forgets; a further notification ends the observation either way.
  if (so.active) await so.notify({ code: ResponseCode.Content, payload: 'late' }, { confirmable: true }).catch(() => {});
  await until(() => !so.active, 3000);
});

test('coap-client observes our server and receives a block-wise notification whole', { skip: !haveClient && `${CLIENT} not installed` }, async () => {
  const server = await udpEndpoint();
  const observers: ServerObservation[] = [];
  server.onRequest((r) => {
    if (r.observeRequested) observers.push(r.acceptObserve());
    return { code: ResponseCode.Content, payload: 'a'.repeat(1500) };
  });
  const out = coapClient(['-s', '2', `coap://127.0.0.1:${server.address().port}/big`], 6000);
  await until(() => observers.length === 1, 3000);
  await delay(100);
  await observers[0]!.notify({ code: ResponseCode.Content, payload: 'b'.repeat(2500) });
  assert.equal(await out, 'a'.repeat(1500) + 'b'.repeat(2500));
});

test('our client observes coap-server /example_data and receives its block-wise notification whole', { skip: !haveServer && `${SERVER} not installed` }, async () => {
  const s = await startServer();
  try {
    const peer = { address: '127.0.0.1', port: s.port };
    const client = await udpEndpoint();
    await client.request(peer, { method: 'PUT', path: '/example_data', payload: 'x'.repeat(2000), contentFormat: 0 });
    const got: string[] = [];
    const obs = await client.observe(peer, { method: 'GET', path: '/example_data' }, (n) => got.push(Buffer.from(n.payload).toString()));
    assert.equal(obs.active, true);
    assert.equal(obs.response!.payload.length, 2000);
    const other = await udpEndpoint();
    await other.request(peer, { method: 'PUT', path: '/example_data', payload: 'y'.repeat(3000), contentFormat: 0 });
    await until(() => got.length >= 1, 4000);
    assert.equal(got[0], 'y'.repeat(3000));
    await obs.cancel();
  } finally {
    s.stop();
  }
});

test('our client against coap-server: GET, block-wise PUT and GET, separate response, observe, ping', { skip: !haveServer && `${SERVER} not installed` }, async () => {
  const s = await startServer();
  try {
    const client = await udpEndpoint();
    const peer = { address: '127.0.0.1', port: s.port };
    const root = await client.request(peer, { method: 'GET', path: '/' });
    assert.equal(root.code, ResponseCode.Content);
    assert.match(Buffer.from(root.payload).toString(), /libcoap/);
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => 65 + (i % 26)));
    const put = await client.request(peer, { method: 'PUT', path: '/example_data', payload: body, contentFormat: 0, blockSize: 64 });
    assert.ok(put.code === ResponseCode.Changed || put.code === ResponseCode.Created, `PUT answered ${put.code}`);
    const get = await client.request(peer, { method: 'GET', path: '/example_data' });
    assert.deepEqual(Buffer.from(get.payload), body);
    const small = await client.request(peer, { method: 'GET', path: '/example_data', blockSize: 16 });
    assert.deepEqual(Buffer.from(small.payload), body);
    const async = await client.request(peer, { method: 'GET', path: '/async', query: ['1'] });
    assert.equal(Buffer.from(async.payload).toString(), 'done');
    const ticks: string[] = [];
    const obs = await client.observe(peer, { method: 'GET', path: '/time' }, (n) => ticks.push(Buffer.from(n.payload).toString()));
    assert.equal(obs.active, true);
    await until(() => ticks.length >= 2, 4000);
    const bye = await obs.cancel();
    assert.equal(bye.code, ResponseCode.Content);
    await client.ping(peer);
  } finally {
    s.stop();
  }
});
