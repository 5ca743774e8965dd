import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decode, encode } from '../../runtime/coap/codec.js';
import { MessageType, ResponseCode } from '../../runtime/coap/codes.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { CoapError } from '../../runtime/coap/errors.js';
import { deriveTimes, resolveParameters } from '../../runtime/coap/parameters.js';
import { ManualClock, MemoryTransport, tappedEndpoint, udpEndpoint, until, closeAll } from './helpers.js';

after(closeAll);

const nowhere = { address: '127.0.0.1', port: 9 };
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('derived times follow RFC 7252 §4.8.2 for the default parameters', () => {
  const t = deriveTimes(resolveParameters(undefined));
  assert.equal(t.maxTransmitSpanMs, 45_000);
  assert.equal(t.maxTransmitWaitMs, 93_000);
  assert.equal(t.exchangeLifetimeMs, 247_000);
  assert.equal(t.nonLifetimeMs, 145_000);
  assert.throws(() => resolveParameters({ ackRandomFactor: 0.5 }), RangeError);
});

test('CON back-off doubles from ACK_TIMEOUT x random factor; failure after MAX_TRANSMIT_WAIT', async () => {
  const clock = new ManualClock();
  const t = new MemoryTransport();
  const ep = new CoapEndpoint({ transport: t, clock, random: () => 1 });
  const out: { error?: unknown } = {};
  ep.request(nowhere, { method: 'GET' }).catch((e: unknown) => { out.error = e; });
  await settle();
  assert.equal(t.sent, 1);
  const gaps = [3000, 6000, 12000, 24000];
  for (const [i, g] of gaps.entries()) {
    clock.advance(g - 1);
    assert.equal(t.sent, i + 1, `not yet retransmitted before ${g} ms`);
    clock.advance(1);
    assert.equal(t.sent, i + 2);
  }
  clock.advance(48000 - 1);
  await settle();
  assert.equal(out.error, undefined);
  clock.advance(1);
  await settle();
  const err = ((): unknown => out.error)();
  assert.ok(err instanceof CoapError && err.code === 'E_COAP_TIMEOUT');
  assert.equal(clock.now(), 93_000);
  assert.equal(t.sent, 5, 'MAX_RETRANSMIT = 4 retransmissions');
  assert.equal(ep.stats.retransmissions, 4);
  await ep.close();
});

test('transmission parameters are per endpoint, not process-wide', async () => {
  const clock = new ManualClock();
  const fast = new CoapEndpoint({ transport: new MemoryTransport(), clock, random: () => 0, parameters: { ackTimeoutMs: 100, maxRetransmit: 2 } });
  const slow = new CoapEndpoint({ transport: new MemoryTransport(), clock, random: () => 0 });
  let fastErr: unknown;
  let slowErr: unknown;
  fast.request(nowhere, { method: 'GET' }).catch((e: unknown) => { fastErr = e; });
  slow.request(nowhere, { method: 'GET' }).catch((e: unknown) => { slowErr = e; });
  await settle();
  clock.advance(700);
  await settle();
  assert.ok(fastErr instanceof CoapError && fastErr.code === 'E_COAP_TIMEOUT');
  assert.equal(slowErr, undefined);
  assert.equal(fast.times.maxTransmitWaitMs, 100 * 1.5 * 7);
  await fast.close();
  await slow.close();
});

test('lost requests are retransmitted and the exchange completes', async () => {
  const clock = new ManualClock();
  const { endpoint: client, tap } = await tappedEndpoint({ clock, random: () => 0 });
  const server = await udpEndpoint();
  server.onRequest(() => ({ code: ResponseCode.Content, payload: 'ok' }));
  let drops = 2;
  tap.dropOut = () => drops-- > 0;
  const p = client.request(server.address(), { method: 'GET' });
  await settle();
  clock.advance(2000);
  clock.advance(4000);
  const res = await p;
  assert.equal(res.code, ResponseCode.Content);
  assert.equal(tap.sent.length, 3);
  await client.close();
  await server.close();
});

test('a lost ACK: the retransmitted CON gets the cached response, the handler ran once', async () => {
  const clock = new ManualClock();
  const client = await udpEndpoint({ clock, random: () => 0 });
  const { endpoint: server, tap } = await tappedEndpoint();
  let runs = 0;
  server.onRequest(() => ({ code: ResponseCode.Changed, payload: `executed ${++runs}` }));
  let drops = 1;
  tap.dropOut = () => drops-- > 0;
  const p = client.request(server.address(), { method: 'POST', path: '/3/0/4' });
  await until(() => tap.sent.length === 1);
  clock.advance(2000);
  const res = await p;
  assert.equal(Buffer.from(res.payload).toString(), 'executed 1');
  assert.equal(runs, 1);
  assert.equal(server.stats.duplicates, 1);
  await client.close();
  await server.close();
});

test('duplicate detection lasts EXCHANGE_LIFETIME, then the message ID is new again', async () => {
  const clock = new ManualClock();
  const t = new MemoryTransport();
  const ep = new CoapEndpoint({ transport: t, clock });
  let runs = 0;
  ep.onRequest(() => ({ code: ResponseCode.Changed, payload: `${++runs}` }));
  const peer = { address: '127.0.0.1', port: 40000 };
  const req = encode({ type: MessageType.CON, code: 2, messageId: 5, token: Uint8Array.of(1), options: [], payload: new Uint8Array(0) });
  t.inject(req, peer);
  clock.advance(246_999);
  t.inject(req, peer);
  assert.equal(runs, 1);
  const r = decode(t.lastSent!);
  assert.ok(r.ok && Buffer.from(r.message.payload).toString() === '1');
  clock.advance(1);
  t.inject(req, peer);
  assert.equal(runs, 2);
  await ep.close();
});
