import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decode, encode } from '../../runtime/coap/codec.js';
import { MessageType, ResponseCode } from '../../runtime/coap/codes.js';
import type { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { CoapError } from '../../runtime/coap/errors.js';
import type { CoapMessage } from '../../runtime/coap/message.js';
import { isNewerNotification, type ServerObservation } from '../../runtime/coap/observe.js';
import { OptionNumber, encodeUint, getUint, uintOption } from '../../runtime/coap/options.js';
import type { CoapResponse } from '../../runtime/coap/request.js';
import { ManualClock, RawPeer, delay, tappedEndpoint, udpEndpoint, until, closeAll } from './helpers.js';

after(closeAll);

const text = (b: Uint8Array): string => Buffer.from(b).toString();
const parsed = (b: Uint8Array): CoapMessage => {
  const r = decode(b);
  assert.ok(r.ok);
  return r.message;
};

/** A server whose /obs resource accepts observers and remembers them. */
async function observableServer(server?: CoapEndpoint): Promise<{ server: CoapEndpoint; observers: ServerObservation[] }> {
  const s = server ?? (await udpEndpoint());
  const observers: ServerObservation[] = [];
  s.onRequest((r) => {
    if (r.observeRequested) observers.push(r.acceptObserve());
    return { code: ResponseCode.Content, contentFormat: 0, payload: 'v0' };
  });
  return { server: s, observers };
}

test('observe between two endpoints: NON and CON notifications, then cancel with GET Observe=1', async () => {
  const { server, observers } = await observableServer();
  const client = await udpEndpoint();
  const got: CoapResponse[] = [];
  const obs = await client.observe(server.address(), { method: 'GET', path: '/3/0/9' }, (n) => got.push(n));
  assert.equal(obs.active, true);
  assert.equal(text(obs.response!.payload), 'v0');
  assert.ok(getUint(obs.response!.options, OptionNumber.Observe) !== undefined);
  const so = observers[0]!;
  assert.deepEqual(so.path, ['3', '0', '9']);
  await so.notify({ code: ResponseCode.Content, payload: 'v1', contentFormat: 0 });
  await so.notify({ code: ResponseCode.Content, payload: 'v2' }, { confirmable: true });
  await until(() => got.length === 2);
  assert.deepEqual(got.map((n) => text(n.payload)), ['v1', 'v2']);
  assert.equal(got[0]!.contentFormat, 0);
  const res = await obs.cancel();
  assert.equal(res.code, ResponseCode.Content);
  assert.equal(getUint(res.options, OptionNumber.Observe), undefined, 'deregistration answer carries no Observe');
  assert.equal(so.active, false);
  assert.equal(so.endedBy, 'cancelled');
  await assert.rejects(so.notify({ code: ResponseCode.Content }), (e) => e instanceof CoapError && e.code === 'E_COAP_OBSERVE_CANCELLED');
  assert.equal(observers.length, 1, 'the deregistering GET did not register again');
  await client.close();
  await server.close();
});

test('a forgotten observation is cancelled by RST on the next NON or CON notification', async () => {
  for (const confirmable of [false, true]) {
    const { server, observers } = await observableServer();
    const client = await udpEndpoint();
    const obs = await client.observe(server.address(), { method: 'GET', path: '/x' }, () => {});
    obs.forget();
    const so = observers[0]!;
    const ended = new Promise((r) => so.onEnd(r));
    const p = so.notify({ code: ResponseCode.Content, payload: 'x' }, { confirmable });
    if (confirmable) await assert.rejects(p, (e) => e instanceof CoapError && e.code === 'E_COAP_RESET');
    assert.equal(await ended, 'reset');
    assert.equal(server.stateSize.observations, 0);
    await client.close();
    await server.close();
  }
});

test('the client drops stale notifications (sequence order with wrap-around, 128 s rule)', async () => {
  assert.equal(isNewerNotification(5, 0, 6, 1), true);
  assert.equal(isNewerNotification(6, 0, 5, 1), false);
  assert.equal(isNewerNotification(0xfffffe, 0, 1, 1), true, 'wrap-around');
  assert.equal(isNewerNotification(6, 0, 5, 128_001), true, 'after 128 s anything is newer');
  const raw = await RawPeer.open();
  const client = await udpEndpoint();
  const got: string[] = [];
  const pending = client.observe(raw.address(), { method: 'GET', path: '/o' }, (n) => got.push(text(n.payload)));
  const reg = parsed(await raw.waitFor(1));
  assert.equal(getUint(reg.options, OptionNumber.Observe), 0);
  const note = (type: 0 | 1 | 2, mid: number, seq: number, payload: string): Uint8Array => encode({
    type, code: ResponseCode.Content, messageId: mid, token: reg.token, options: [{ number: OptionNumber.Observe, value: encodeUint(seq) }], payload: Buffer.from(payload),
  });
  raw.send(note(MessageType.ACK, reg.messageId, 10, 'first'), client.address());
  const obs = await pending;
  assert.equal(text(obs.response!.payload), 'first');
  const dedupBefore = client.stateSize.dedup;
  for (const [seq, p] of [[12, 'a'], [11, 'stale'], [13, 'b'], [0x7fff00, 'c'], [0xfffe00, 'c2'], [0xfffd00, 'stale2'], [2, 'd-wrapped']] as const) {
    raw.send(note(MessageType.NON, (100 + seq) & 0xffff, seq, p), client.address());
    await delay(5);
  }
  // A NON sent twice (same message ID and number) is delivered once: the Observe number refuses
  // the copy, so NON notifications of a known observation keep no duplicate entries.
  raw.send(note(MessageType.NON, 700, 3, 'dup'), client.address());
  raw.send(note(MessageType.NON, 700, 3, 'dup'), client.address());
  await delay(5);
  assert.equal(client.stateSize.dedup, dedupBefore);
  raw.send(note(MessageType.CON, 500, 4, 'e'), client.address());
  const ack = parsed(await raw.waitFor(2));
  assert.deepEqual([ack.type, ack.messageId], [MessageType.ACK, 500]);
  raw.send(note(MessageType.CON, 500, 4, 'e'), client.address()); // duplicate: ACKed again, not delivered
  await raw.waitFor(3);
  assert.deepEqual(got, ['a', 'b', 'c', 'c2', 'd-wrapped', 'dup', 'e']);
  // An error notification ends the observation.
  raw.send(encode({ type: MessageType.NON, code: ResponseCode.NotFound, messageId: 600, token: reg.token, options: [], payload: new Uint8Array(0) }), client.address());
  await until(() => !obs.active);
  await raw.close();
  await client.close();
});

test('a CON notification goes out at least every 24 hours even when NON is asked for', async () => {
  const clock = new ManualClock();
  const { endpoint: server, tap } = await tappedEndpoint({ clock });
  const { observers } = await observableServer(server);
  const client = await udpEndpoint();
  await client.observe(server.address(), { method: 'GET', path: '/x' }, () => {});
  const so = observers[0]!;
  const typeOfLast = (): number => parsed(tap.sent[tap.sent.length - 1]!).type;
  await so.notify({ code: ResponseCode.Content, payload: '1' });
  assert.equal(typeOfLast(), MessageType.NON);
  clock.advance(24 * 3600 * 1000 - 1);
  await so.notify({ code: ResponseCode.Content, payload: '2' });
  assert.equal(typeOfLast(), MessageType.NON);
  clock.advance(1);
  await so.notify({ code: ResponseCode.Content, payload: '3' });
  assert.equal(typeOfLast(), MessageType.CON);
  await so.notify({ code: ResponseCode.Content, payload: '4' });
  assert.equal(typeOfLast(), MessageType.NON);
  const seqs = tap.sent.map((b) => getUint(parsed(b).options, OptionNumber.Observe));
  const notes = seqs.slice(1) as number[];
  assert.ok(notes.every((s, i) => i === 0 || s > notes[i - 1]!), `increasing sequence ${notes}`);
  await client.close();
  await server.close();
});

test('re-registration with the same token replaces the observation; Observe=1 from another token changes nothing', async () => {
  const { server, observers } = await observableServer();
  const raw = await RawPeer.open();
  const reg = (mid: number, token: number[], observe: number): Uint8Array => encode({
    type: MessageType.CON, code: 1, messageId: mid, token: Uint8Array.from(token), options: [uintOption(OptionNumber.Observe, observe), { number: OptionNumber.UriPath, value: Buffer.from('x') }], payload: new Uint8Array(0),
  });
  raw.send(reg(1, [1, 1], 0), server.address());
  await raw.waitFor(1);
  raw.send(reg(2, [1, 1], 0), server.address());
  await raw.waitFor(2);
  assert.equal(observers.length, 2);
  assert.equal(observers[0]!.endedBy, 'replaced');
  assert.equal(observers[1]!.active, true);
  raw.send(reg(3, [2, 2], 1), server.address());
  await raw.waitFor(3);
  assert.equal(observers[1]!.active, true);
  raw.send(reg(4, [1, 1], 1), server.address());
  await raw.waitFor(4);
  assert.equal(observers[1]!.endedBy, 'cancelled');
  assert.equal(server.stateSize.observations, 0);
  await raw.close();
  await server.close();
});

test('a notification bigger than a block goes block-wise and arrives whole, Content-Format kept', async () => {
  const { server, observers } = await observableServer();
  const client = await udpEndpoint();
  const got: CoapResponse[] = [];
  await client.observe(server.address(), { method: 'GET', path: '/big' }, (n) => got.push(n));
  const body = Buffer.alloc(3000, 'z');
  body.write('end', 2997);
  await observers[0]!.notify({ code: ResponseCode.Content, payload: body, contentFormat: 112 });
  await until(() => got.length === 1);
  assert.equal(got[0]!.payload.length, 3000);
  assert.equal(text(got[0]!.payload).slice(-3), 'end');
  assert.equal(got[0]!.contentFormat, 112);
  await client.close();
  await server.close();
});

test('a server that does not accept: the handle is inactive; a failing handler ends nothing it did not start', async () => {
  const server = await udpEndpoint();
  server.onRequest(() => ({ code: ResponseCode.Content, payload: 'plain' }));
  const client = await udpEndpoint();
  const obs = await client.observe(server.address(), { method: 'GET', path: '/x' }, () => {});
  assert.equal(obs.active, false);
  assert.equal(client.stateSize.observations, 0);
  server.onRequest((r) => {
    r.acceptObserve();
    return { code: ResponseCode.NotFound };
  });
  const o2 = await client.observe(server.address(), { method: 'GET', path: '/y' }, () => {});
  assert.equal(o2.active, false);
  assert.equal(server.stateSize.observations, 0);
  await assert.rejects(client.observe(server.address(), { method: 'POST', path: '/x' }, () => {}), (e) => e instanceof CoapError && e.code === 'E_COAP_INVALID_ARGUMENT');
  await client.close();
  await server.close();
});

test('the client re-registers on the same token; the server replaces the observation and notifications continue', async () => {
  const { server, observers } = await observableServer();
  const client = await udpEndpoint();
  const got: string[] = [];
  const obs = await client.observe(server.address(), { method: 'GET', path: '/r' }, (n) => got.push(text(n.payload)));
  const res = await obs.reregister();
  assert.equal(res.code, ResponseCode.Content);
  assert.equal(observers.length, 2);
  assert.equal(observers[0]!.endedBy, 'replaced');
  assert.deepEqual([...observers[1]!.token], [...obs.token]);
  await observers[1]!.notify({ code: ResponseCode.Content, payload: 'after' });
  await until(() => got.length === 1);
  assert.deepEqual(got, ['after']);
  assert.equal(obs.active, true);
});

test('the number of observations served is bounded; past it a registration gets no Observe', async () => {
  const server = await udpEndpoint({ maxObservations: 2 });
  const { observers } = await observableServer(server);
  const client = await udpEndpoint();
  const handles = [];
  for (let i = 0; i < 3; i++) handles.push(await client.observe(server.address(), { method: 'GET', path: `/o${i}` }, () => {}));
  assert.deepEqual(handles.map((h) => h.active), [true, true, false]);
  assert.equal(observers[2]!.endedBy, 'limit');
  assert.equal(server.stateSize.observations, 2);
});

test('one CON notification in flight per observation: a newer one replaces it (RFC 7641 §4.5.2)', async () => {
  const { server, observers } = await observableServer();
  const raw = await RawPeer.open();
  raw.send(encode({ type: MessageType.CON, code: 1, messageId: 1, token: Uint8Array.of(7), payload: new Uint8Array(0),
    options: [uintOption(OptionNumber.Observe, 0), { number: OptionNumber.UriPath, value: Buffer.from('x') }] }), server.address());
  await raw.waitFor(1);
  const so = observers[0]!;
  const p1 = so.notify({ code: ResponseCode.Content, payload: '1' }, { confirmable: true });
  const p2 = so.notify({ code: ResponseCode.Content, payload: '2' }, { confirmable: true });
  const p3 = so.notify({ code: ResponseCode.Content, payload: '3' }, { confirmable: true });
  await Promise.all([p1, p2]);
  assert.equal(server.stateSize.outbox, 1, 'only the newest is retransmitted');
  const last = parsed(await raw.waitFor(4));
  assert.equal(text(last.payload), '3');
  raw.send(encode({ type: MessageType.ACK, code: 0, messageId: last.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }), server.address());
  await p3;
  assert.equal(server.stateSize.outbox, 0);
  assert.equal(so.active, true);
});
