import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decode, encode } from '../../runtime/coap/codec.js';
import { MessageType, ResponseCode } from '../../runtime/coap/codes.js';
import { CoapError } from '../../runtime/coap/errors.js';
import type { CoapMessage } from '../../runtime/coap/message.js';
import { OptionNumber, getStrings, pathOptions, stringOption } from '../../runtime/coap/options.js';
import type { IncomingRequest } from '../../runtime/coap/request.js';
import { RawPeer, delay, tappedEndpoint, udpEndpoint, until, closeAll } from './helpers.js';

after(closeAll);

const text = (b: Uint8Array): string => Buffer.from(b).toString();
const msg = (m: Partial<CoapMessage>): Uint8Array =>
  encode({ type: MessageType.CON, code: 1, messageId: 1, token: Uint8Array.of(1, 2), options: [], payload: new Uint8Array(0), ...m });
const parsed = (b: Uint8Array): CoapMessage => {
  const r = decode(b);
  assert.ok(r.ok);
  return r.message;
};
const isCode = (code: string) => (e: unknown): boolean => e instanceof CoapError && e.code === code;

test('request/response over UDP on IPv4 and IPv6, all methods LwM2M uses', async () => {
  for (const address of ['127.0.0.1', '::1']) {
    const server = await udpEndpoint({}, address);
    const client = await udpEndpoint({}, address);
    const seen: IncomingRequest[] = [];
    server.onRequest((r) => {
      seen.push(r);
      return { code: ResponseCode.Content, contentFormat: 0, payload: `${r.method} /${r.path.join('/')}?${r.query.join('&')} ${text(r.payload)}` };
    });
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'FETCH', 'PATCH', 'iPATCH'] as const) {
      const res = await client.request(server.address(), { method, path: '/3/0/1', query: ['ep=x', 'b=U'], payload: method === 'GET' ? undefined : 'p', contentFormat: 0, accept: 0 });
      assert.equal(res.code, ResponseCode.Content);
      assert.equal(res.contentFormat, 0);
      assert.equal(text(res.payload), `${method} /3/0/1?ep=x&b=U ${method === 'GET' ? '' : 'p'}`);
    }
    assert.equal(seen[0]?.accept, 0);
    assert.equal(seen[1]?.contentFormat, 0);
    assert.equal(seen[0]?.peer.port, client.address().port);
    await client.close();
    await server.close();
  }
});

test('a server sends requests to a client from the port the client used (one socket, both directions)', async () => {
  const server = await udpEndpoint();
  const client = await udpEndpoint();
  let registeredFrom: { address: string; port: number } | undefined;
  server.onRequest((r) => {
    registeredFrom = r.peer;
    return { code: ResponseCode.Created, options: pathOptions('rd/1', OptionNumber.LocationPath) };
  });
  client.onRequest((r) => ({ code: ResponseCode.Content, payload: `client ${r.path.join('/')}` }));
  const reg = await client.request(server.address(), { method: 'POST', path: '/rd', query: ['ep=dev1'] });
  assert.deepEqual(getStrings(reg.options, OptionNumber.LocationPath), ['rd', '1']);
  assert.ok(registeredFrom);
  const res = await server.request(registeredFrom, { method: 'GET', path: '/3/0/0' });
  assert.equal(text(res.payload), 'client 3/0/0');
  assert.equal(res.peer.port, client.address().port);
  await client.close();
  await server.close();
});

test('NON request gets a NON response; CON gets a piggybacked ACK', async () => {
  const server = await udpEndpoint();
  server.onRequest(() => ({ code: ResponseCode.Content, payload: 'x' }));
  const raw = await RawPeer.open();
  raw.send(msg({ type: MessageType.NON, messageId: 7 }), server.address());
  const a = parsed(await raw.waitFor(1));
  assert.equal(a.type, MessageType.NON);
  assert.deepEqual([...a.token], [1, 2]);
  raw.send(msg({ type: MessageType.CON, messageId: 8 }), server.address());
  const b = parsed(await raw.waitFor(2));
  assert.equal(b.type, MessageType.ACK);
  assert.equal(b.messageId, 8);
  assert.equal(b.code, ResponseCode.Content);
  await raw.close();
  await server.close();
});

test('slow handler: empty ACK first, then a separate CON response that the client ACKs', async () => {
  const { endpoint: server, tap } = await tappedEndpoint({ separateResponseDelayMs: 20 });
  server.onRequest(async () => {
    await delay(80);
    return { code: ResponseCode.Changed, payload: 'late' };
  });
  const client = await udpEndpoint();
  const res = await client.request(server.address(), { method: 'POST', path: '/3/0/4' });
  assert.equal(text(res.payload), 'late');
  const types = tap.sent.map((b) => parsed(b)).map((m) => [m.type, m.code]);
  assert.deepEqual(types, [[MessageType.ACK, 0], [MessageType.CON, ResponseCode.Changed]]);
  await until(() => tap.received.length === 2);
  const ack = parsed(tap.received[1]!);
  assert.equal(ack.type, MessageType.ACK);
  assert.equal(ack.code, 0);
  await delay(10);
  assert.equal(server.stateSize.outbox, 0, 'the separate response was acknowledged');
  await client.close();
  await server.close();
});

test('a duplicated CON request runs the handler once and gets the same response bytes', async () => {
  const server = await udpEndpoint();
  let runs = 0;
  server.onRequest(() => ({ code: ResponseCode.Changed, payload: `run ${++runs}` }));
  const raw = await RawPeer.open();
  const execute = msg({ code: 2, messageId: 42, options: pathOptions('/3/0/4') });
  raw.send(execute, server.address());
  const first = await raw.waitFor(1);
  raw.send(execute, server.address());
  raw.send(execute, server.address());
  const third = await raw.waitFor(3);
  assert.equal(runs, 1);
  assert.deepEqual(third, first);
  assert.equal(server.stats.duplicates, 2);
  // Same message ID from another port is another peer: a new exchange.
  const raw2 = await RawPeer.open();
  raw2.send(execute, server.address());
  await raw2.waitFor(1);
  assert.equal(runs, 2);
  await raw.close();
  await raw2.close();
  await server.close();
});

test('a message ID reused with another token is a new request, not a duplicate', async () => {
  const server = await udpEndpoint();
  let runs = 0;
  server.onRequest(() => ({ code: ResponseCode.Changed, payload: `run ${++runs}` }));
  const raw = await RawPeer.open();
  raw.send(msg({ code: 2, messageId: 5, token: Uint8Array.of(1) }), server.address());
  await raw.waitFor(1);
  raw.send(msg({ code: 2, messageId: 5, token: Uint8Array.of(2) }), server.address());
  const second = parsed(await raw.waitFor(2));
  assert.deepEqual([...second.token], [2]);
  assert.equal(runs, 2);
  assert.equal(server.stats.messageIdReuse, 1);
  assert.equal(server.stats.duplicates, 0);
});

test('a duplicate arriving while a slow handler runs is ignored, later ones get the empty ACK again', async () => {
  const server = await udpEndpoint({ separateResponseDelayMs: 30 });
  let runs = 0;
  server.onRequest(async () => {
    runs++;
    await delay(100);
    return { code: ResponseCode.Changed };
  });
  const raw = await RawPeer.open();
  const req = msg({ code: 2, messageId: 9 });
  raw.send(req, server.address());
  await delay(5);
  raw.send(req, server.address());
  const ack = parsed(await raw.waitFor(1));
  assert.deepEqual([ack.type, ack.code, ack.messageId], [MessageType.ACK, 0, 9]);
  raw.send(req, server.address());
  const again = parsed(await raw.waitFor(2));
  assert.deepEqual([again.type, again.code, again.messageId], [MessageType.ACK, 0, 9]);
  const sep = parsed(await raw.waitFor(3));
  assert.equal(sep.type, MessageType.CON);
  assert.equal(sep.code, ResponseCode.Changed);
  assert.equal(runs, 1);
  raw.send(encode({ type: MessageType.ACK, code: 0, messageId: sep.messageId, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) }), server.address());
  await until(() => server.stateSize.outbox === 0);
  await raw.close();
  await server.close();
});

test('empty CON ping is answered with RST; ping() resolves on it', async () => {
  const server = await udpEndpoint();
  const raw = await RawPeer.open();
  raw.send(Uint8Array.of(0x40, 0, 0x12, 0x34), server.address());
  const rst = parsed(await raw.waitFor(1));
  assert.deepEqual([rst.type, rst.code, rst.messageId], [MessageType.RST, 0, 0x1234]);
  raw.send(Uint8Array.of(0x50, 0, 0x12, 0x35), server.address()); // empty NON: ignored
  const client = await udpEndpoint();
  await client.ping(server.address());
  await delay(20);
  assert.equal(raw.inbox.length, 1);
  await raw.close();
  await client.close();
  await server.close();
});

test('bad input: critical option 4.02, unknown method 4.05, reserved class and format error RST, no crash', async () => {
  const server = await udpEndpoint();
  server.onRequest(() => ({ code: ResponseCode.Content }));
  const raw = await RawPeer.open();
  raw.send(msg({ messageId: 1, options: [{ number: 9, value: new Uint8Array(0) }] }), server.address());
  assert.equal(parsed(await raw.waitFor(1)).code, ResponseCode.BadOption);
  raw.send(msg({ messageId: 2, code: 9 }), server.address());
  assert.equal(parsed(await raw.waitFor(2)).code, ResponseCode.MethodNotAllowed);
  raw.send(msg({ messageId: 30, options: [stringOption(OptionNumber.ProxyUri, 'coap://example.com/x')] }), server.address());
  assert.equal(parsed(await raw.waitFor(3)).code, ResponseCode.ProxyingNotSupported);
  raw.inbox.splice(2, 1);
  raw.send(msg({ messageId: 3, code: 0xe0 }), server.address());
  const r3 = parsed(await raw.waitFor(3));
  assert.deepEqual([r3.type, r3.messageId], [MessageType.RST, 3]);
  raw.send(Uint8Array.of(0x49, 1, 0, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9), server.address());
  const r4 = parsed(await raw.waitFor(4));
  assert.deepEqual([r4.type, r4.messageId], [MessageType.RST, 4]);
  raw.send(Uint8Array.of(0x59, 1, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9), server.address()); // NON: dropped
  raw.send(Uint8Array.of(1, 2), server.address());
  raw.send(msg({ messageId: 6, options: [{ number: 27, value: Uint8Array.of(0x0f) }] }), server.address()); // Block1 SZX 7
  assert.equal(parsed(await raw.waitFor(5)).code, ResponseCode.BadRequest);
  assert.equal(server.stats.malformed, 4);
  assert.equal(server.stats.internalErrors, 0);
  await raw.close();
  await server.close();
});

test('no handler answers 4.04; a throwing or rejecting handler answers 5.00 and is counted', async () => {
  const server = await udpEndpoint();
  const client = await udpEndpoint();
  assert.equal((await client.request(server.address(), { method: 'GET', path: '/x' })).code, ResponseCode.NotFound);
  server.onRequest((r) => {
    if (r.path[0] === 'sync') throw new Error('boom');
    // A JavaScript handler answering nothing is a bug of its own: 5.00, not a crash.
    if (r.path[0] === 'nothing') return undefined as never;
    if (r.path[0] === 'nothing-later') return Promise.resolve(undefined as never);
    return Promise.reject(new Error('async boom'));
  });
  assert.equal((await client.request(server.address(), { method: 'GET', path: '/sync' })).code, ResponseCode.InternalServerError);
  assert.equal((await client.request(server.address(), { method: 'GET', path: '/async' })).code, ResponseCode.InternalServerError);
  assert.equal((await client.request(server.address(), { method: 'GET', path: '/nothing' })).code, ResponseCode.InternalServerError);
  assert.equal((await client.request(server.address(), { method: 'GET', path: '/nothing-later' })).code, ResponseCode.InternalServerError);
  assert.equal(server.stats.handlerErrors, 4);
  await client.close();
  await server.close();
});

test('deadline, AbortSignal, RST and close end a request with a CoapError code', async () => {
  const raw = await RawPeer.open();
  const client = await udpEndpoint();
  await assert.rejects(client.request(raw.address(), { method: 'GET', timeoutMs: 50 }), isCode('E_COAP_TIMEOUT'));
  const ac = new AbortController();
  const p = client.request(raw.address(), { method: 'GET', signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(p, isCode('E_COAP_ABORTED'));
  await assert.rejects(client.request(raw.address(), { method: 'GET', signal: AbortSignal.abort() }), isCode('E_COAP_ABORTED'));
  const before = raw.inbox.length;
  const r = client.request(raw.address(), { method: 'GET' });
  const req = parsed(await raw.waitFor(before + 1));
  raw.send(Uint8Array.of(0x70, 0, req.messageId >> 8, req.messageId & 0xff), client.address());
  await assert.rejects(r, isCode('E_COAP_RESET'));
  const pending = client.request(raw.address(), { method: 'GET' });
  const queued = client.request(raw.address(), { method: 'GET' }); // behind NSTART=1
  await client.close();
  await assert.rejects(pending, isCode('E_COAP_CLOSED'));
  await assert.rejects(queued, isCode('E_COAP_CLOSED'));
  await assert.rejects(client.request(raw.address(), { method: 'GET' }), isCode('E_COAP_CLOSED'));
  await raw.close();
});

test('NSTART bounds outstanding requests per peer; others queue in order', async () => {
  const server = await udpEndpoint();
  let concurrent = 0;
  let max = 0;
  server.onRequest(async () => {
    max = Math.max(max, ++concurrent);
    await delay(5);
    concurrent--;
    return { code: ResponseCode.Content };
  });
  for (const nstart of [1, 3]) {
    max = 0;
    const client = await udpEndpoint({ parameters: { nstart } });
    await Promise.all(Array.from({ length: 9 }, () => client.request(server.address(), { method: 'GET' })));
    assert.equal(max, nstart);
    await client.close();
  }
  await server.close();
});

test('responses with an unknown token: CON is reset, stray ACKs are ignored', async () => {
  const client = await udpEndpoint();
  const raw = await RawPeer.open();
  raw.send(msg({ type: MessageType.CON, code: ResponseCode.Content, messageId: 77, token: Uint8Array.of(9, 9, 9) }), client.address());
  const rst = parsed(await raw.waitFor(1));
  assert.deepEqual([rst.type, rst.messageId], [MessageType.RST, 77]);
  raw.send(msg({ type: MessageType.ACK, code: ResponseCode.Content, messageId: 78 }), client.address());
  raw.send(msg({ type: MessageType.NON, code: ResponseCode.Content, messageId: 79 }), client.address());
  await delay(20);
  assert.equal(raw.inbox.length, 1);
  assert.equal(client.stats.unmatched, 3);
  await raw.close();
  await client.close();
});

test('a flood of new peers cannot grow per-peer state past its bounds', async () => {
  const { MemoryTransport } = await import('./helpers.js');
  const { CoapEndpoint } = await import('../../runtime/coap/endpoint.js');
  const t = new MemoryTransport();
  const ep = new CoapEndpoint({ transport: t, maxPeers: 100, maxDedupEntries: 500 });
  ep.onRequest(() => ({ code: ResponseCode.Content }));
  for (let i = 0; i < 5_000; i++) {
    const peer = { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1000 + (i % 5000) };
    t.inject(msg({ type: i % 2 === 0 ? MessageType.CON : MessageType.NON, messageId: i & 0xffff }), peer);
  }
  const s = ep.stateSize;
  assert.ok(s.peers <= 100, `peers ${s.peers}`);
  assert.ok(s.dedup <= 500, `dedup ${s.dedup}`);
  assert.equal(t.sent, 5_000);
  await ep.close();
});

test('the Uri-Path of the root and helper options', () => {
  assert.deepEqual(pathOptions('/'), []);
  assert.deepEqual(pathOptions('').length, 0);
  assert.deepEqual(getStrings(pathOptions('/a/b'), OptionNumber.UriPath), ['a', 'b']);
  assert.deepEqual(getStrings([stringOption(OptionNumber.UriQuery, 'lt=60')], OptionNumber.UriQuery), ['lt=60']);
});

test('bad input is logged through a pino logger (silent without one)', async () => {
  const { default: pino } = await import('pino');
  const lines: { reason?: string; msg?: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as { reason?: string; msg?: string }); } });
  const server = await udpEndpoint({ logger });
  const raw = await RawPeer.open();
  raw.send(Uint8Array.of(0x40, 1, 0, 1, 0xff), server.address());
  await raw.waitFor(1);
  assert.ok(lines.some((l) => l.reason === 'payload marker without payload' && l.msg === 'coap: malformed datagram'), JSON.stringify(lines));
});
