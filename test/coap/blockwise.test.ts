import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { decodeBlock, encodeBlock } from '../../runtime/coap/block-option.js';
import { decode, encode } from '../../runtime/coap/codec.js';
import { MessageType, ResponseCode } from '../../runtime/coap/codes.js';
import { CoapError } from '../../runtime/coap/errors.js';
import type { CoapMessage, CoapOption } from '../../runtime/coap/message.js';
import { OptionNumber as O, getUint, pathOptions } from '../../runtime/coap/options.js';
import type { IncomingRequest } from '../../runtime/coap/request.js';
import { RawPeer, closeAll, tappedEndpoint, udpEndpoint } from './helpers.js';

after(closeAll);

const parsed = (b: Uint8Array): CoapMessage => {
  const r = decode(b);
  assert.ok(r.ok);
  return r.message;
};
const body = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));
const block = (m: CoapMessage, n: number) => {
  const o = m.options.find((x) => x.number === n);
  return o === undefined ? undefined : decodeBlock(o.value);
};

test('Block1: a large PUT goes in blocks, each with Content-Format, Size1 on the first, reassembled for the handler', async () => {
  const server = await udpEndpoint();
  const seen: IncomingRequest[] = [];
  server.onRequest((r) => {
    seen.push(r);
    return { code: ResponseCode.Changed };
  });
  const { endpoint: client, tap } = await tappedEndpoint();
  const data = body(5000);
  const res = await client.request(server.address(), { method: 'PUT', path: '/5/0/0', payload: data, contentFormat: 42 });
  assert.equal(res.code, ResponseCode.Changed);
  assert.equal(seen.length, 1, 'the handler runs once, with the whole body');
  assert.deepEqual(Buffer.from(seen[0]!.payload), data);
  assert.equal(seen[0]!.contentFormat, 42);
  const sent = tap.sent.map(parsed).filter((m) => m.type === MessageType.CON);
  assert.equal(sent.length, 5);
  assert.ok(sent.every((m) => getUint(m.options, O.ContentFormat) === 42));
  assert.equal(getUint(sent[0]!.options, O.Size1), 5000);
  assert.deepEqual(sent.map((m) => block(m, O.Block1)?.num), [0, 1, 2, 3, 4]);
  assert.equal(block(sent[4]!, O.Block1)?.more, false);
  assert.equal(block(parsed(tap.received[4]!), O.Block1)?.num, 4, 'final response echoes Block1');
});

test('Block2: a large response comes in blocks, each with Content-Format and the same ETag, Size2 on the first', async () => {
  const { endpoint: server, tap } = await tappedEndpoint();
  const data = body(5000);
  let runs = 0;
  server.onRequest(() => {
    runs++;
    return { code: ResponseCode.Content, payload: data, contentFormat: 112, options: [{ number: O.ETag, value: Uint8Array.of(1, 2, 3, 4) }] };
  });
  const client = await udpEndpoint();
  const res = await client.request(server.address(), { method: 'GET', path: '/3' });
  assert.deepEqual(Buffer.from(res.payload), data);
  assert.equal(res.contentFormat, 112);
  assert.equal(runs, 1, 'later blocks come from the stored body');
  const sent = tap.sent.map(parsed);
  assert.equal(sent.length, 5);
  assert.ok(sent.every((m) => getUint(m.options, O.ContentFormat) === 112 && m.options.some((o) => o.number === O.ETag)));
  assert.equal(getUint(sent[0]!.options, O.Size2), 5000);
  assert.deepEqual(sent.map((m) => block(m, O.Block2)?.num), [0, 1, 2, 3, 4]);
});

test('size negotiation: the server asks for smaller Block1 blocks; the client asks for smaller Block2 blocks', async () => {
  const server = await udpEndpoint({ blockSize: 64 });
  let got: Uint8Array | undefined;
  server.onRequest((r) => {
    got = r.payload;
    return { code: ResponseCode.Content, payload: body(300) };
  });
  const { endpoint: client, tap } = await tappedEndpoint();
  const data = body(3000);
  await client.request(server.address(), { method: 'POST', path: '/x', payload: data });
  assert.deepEqual(Buffer.from(got!), data);
  const sent = tap.sent.map(parsed);
  const sizes = sent.filter((m) => block(m, O.Block1) !== undefined).map((m) => m.payload.length);
  assert.equal(sizes[0], 1024);
  assert.ok(sizes.slice(1, -1).every((s) => s === 64), `later blocks are 64 bytes: ${sizes}`);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 3000);
  assert.equal(sent.filter((m) => block(m, O.Block2) !== undefined).length, 4, 'the 300-byte answer came in 64-byte blocks');
  tap.sent.length = 0;
  const res = await client.request(server.address(), { method: 'GET', path: '/y', blockSize: 32 });
  assert.equal(res.payload.length, 300);
  const reqs = tap.sent.map(parsed);
  assert.equal(reqs.length, Math.ceil(300 / 32));
  assert.ok(reqs.every((m) => block(m, O.Block2)?.szx === 1));
});

test('FETCH with a large body and a large response: Block1 then Block2 with the body repeated', async () => {
  const server = await udpEndpoint();
  server.onRequest((r) => ({ code: ResponseCode.Content, payload: Buffer.concat([Buffer.from(r.payload), Buffer.from(r.payload)]) }));
  const client = await udpEndpoint();
  const data = body(2100);
  const res = await client.request(server.address(), { method: 'FETCH', path: '/', payload: data, contentFormat: 112 });
  assert.equal(res.code, ResponseCode.Content);
  assert.deepEqual(Buffer.from(res.payload), Buffer.concat([data, data]));
});

test('4.13 with Size1 when the body is too large (announced or growing)', async () => {
  const server = await udpEndpoint({ maxBodySize: 1000 });
  server.onRequest(() => ({ code: ResponseCode.Changed }));
  const client = await udpEndpoint();
  const res = await client.request(server.address(), { method: 'PUT', path: '/x', payload: body(5000) });
  assert.equal(res.code, ResponseCode.RequestEntityTooLarge);
  assert.equal(getUint(res.options, O.Size1), 1000);
  // Without Size1 the server notices when the body passes the limit.
  const raw = await RawPeer.open();
  for (let num = 0; num < 3; num++) {
    raw.send(encode({ type: MessageType.CON, code: 3, messageId: num, token: Uint8Array.of(num), payload: body(512),
      options: [...pathOptions('/x'), { number: O.Block1, value: encodeBlock({ num, more: true, szx: 5 }) }] }), server.address());
    await raw.waitFor(num + 1);
  }
  const codes = raw.inbox.map((b) => parsed(b).code);
  assert.deepEqual(codes, [ResponseCode.Continue, ResponseCode.RequestEntityTooLarge, ResponseCode.RequestEntityIncomplete]);
  assert.equal(getUint(parsed(raw.inbox[1]!).options, O.Size1), 1000);
});

test('4.08 on a missing block; reassembly buffers are bounded', async () => {
  const server = await udpEndpoint({ maxBlockTransfers: 4 });
  server.onRequest((r) => ({ code: ResponseCode.Changed, payload: `${r.payload.length}` }));
  const raw = await RawPeer.open();
  let mid = 0;
  const put = (path: string, num: number, more: boolean): Uint8Array => encode({
    type: MessageType.CON, code: 3, messageId: ++mid, token: Uint8Array.of(mid), payload: body(more ? 16 : 5),
    options: [...pathOptions(path), { number: O.Block1, value: encodeBlock({ num, more, szx: 0 }) }] as CoapOption[],
  });
  raw.send(put('/a', 1, true), server.address());
  assert.equal(parsed(await raw.waitFor(1)).code, ResponseCode.RequestEntityIncomplete);
  for (let i = 0; i < 10; i++) {
    raw.send(put(`/t${i}`, 0, true), server.address());
    assert.equal(parsed(await raw.waitFor(2 + i)).code, ResponseCode.Continue);
  }
  raw.send(put('/t0', 1, false), server.address());
  assert.equal(parsed(await raw.waitFor(12)).code, ResponseCode.RequestEntityIncomplete, 'evicted transfer');
  raw.send(put('/t9', 1, false), server.address());
  const done = parsed(await raw.waitFor(13));
  assert.equal(done.code, ResponseCode.Changed);
  assert.equal(Buffer.from(done.payload).toString(), '21');
});

test('client side: a changed ETag or an oversized Block2 body fails with a CoapError', async () => {
  const raw = await RawPeer.open();
  const client = await udpEndpoint({ maxBodySize: 100 });
  const answer = async (n: number, etag: number, num: number, more: boolean): Promise<void> => {
    const req = parsed(await raw.waitFor(n));
    raw.send(encode({ type: MessageType.ACK, code: ResponseCode.Content, messageId: req.messageId, token: req.token, payload: body(64),
      options: [{ number: O.ETag, value: Uint8Array.of(etag) }, { number: O.Block2, value: encodeBlock({ num, more, szx: 2 }) }] }), client.address());
  };
  const p1 = client.request(raw.address(), { method: 'GET', path: '/x' });
  await answer(1, 1, 0, true);
  await answer(2, 2, 1, false);
  await assert.rejects(p1, (e) => e instanceof CoapError && e.code === 'E_COAP_BLOCKWISE');
  const p2 = client.request(raw.address(), { method: 'GET', path: '/x' });
  await answer(3, 1, 0, true);
  await answer(4, 1, 1, true);
  await assert.rejects(p2, (e) => e instanceof CoapError && e.code === 'E_COAP_TOO_LARGE');
});

test('reassembly bytes are capped across all transfers: the oldest transfer is dropped', async () => {
  const server = await udpEndpoint({ maxBlockBytes: 100 });
  server.onRequest((r) => ({ code: ResponseCode.Changed, payload: `${r.payload.length}` }));
  const raw = await RawPeer.open();
  let mid = 0;
  const put = (path: string, num: number, more: boolean): Uint8Array => encode({
    type: MessageType.CON, code: 3, messageId: ++mid, token: Uint8Array.of(mid), payload: body(more ? 64 : 1),
    options: [...pathOptions(path), { number: O.Block1, value: encodeBlock({ num, more, szx: 2 }) }],
  });
  raw.send(put('/a', 0, true), server.address());
  assert.equal(parsed(await raw.waitFor(1)).code, ResponseCode.Continue);
  raw.send(put('/b', 0, true), server.address());
  assert.equal(parsed(await raw.waitFor(2)).code, ResponseCode.Continue);
  raw.send(put('/a', 1, false), server.address());
  assert.equal(parsed(await raw.waitFor(3)).code, ResponseCode.RequestEntityIncomplete, '/a was dropped to make room');
  raw.send(put('/b', 1, false), server.address());
  const done = parsed(await raw.waitFor(4));
  assert.equal(done.code, ResponseCode.Changed);
  assert.equal(Buffer.from(done.payload).toString(), '65');
});
