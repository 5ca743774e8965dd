/**
 * coalesceSends: datagrams asked for in one turn go out together at its end, in order, over
 * real UDP; requests and answers work as without it; close() still sends what was queued.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, test } from 'node:test';
import { decode } from '../../runtime/coap/codec.js';
import { ResponseCode } from '../../runtime/coap/codes.js';
import { closeAll, tappedEndpoint, udpEndpoint } from './helpers.js';

after(closeAll);

test('requests made in one turn leave together at its end, in order, and are all answered', async () => {
  const server = await udpEndpoint({ coalesceSends: true });
  server.onRequest((req) => ({ code: ResponseCode.Content, payload: req.path.join('/') }));
  const { endpoint: client, tap } = await tappedEndpoint({ coalesceSends: true, parameters: { nstart: 32 } });
  const answers = Array.from({ length: 20 }, (_, i) => client.request(server.address(), { method: 'GET', path: `/r/${i}` }));
  // Nothing went out yet: the turn is not over.
  assert.equal(tap.sent.length, 0);
  await new Promise((r) => setImmediate(r));
  assert.equal(tap.sent.length, 20);
  const paths = tap.sent.map((d) => {
    const m = decode(d);
    assert.ok(m.ok);
    return m.message.options.filter((o) => o.number === 11).map((o) => Buffer.from(o.value).toString()).join('/');
  });
  assert.deepEqual(paths, Array.from({ length: 20 }, (_, i) => `r/${i}`));
  const bodies = (await Promise.all(answers)).map((res) => Buffer.from(res.payload).toString());
  assert.deepEqual(bodies, Array.from({ length: 20 }, (_, i) => `r/${i}`));
});

test('close() sends what was queued before it', async () => {
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((r) => peer.once('message', (m) => r(m)));
  const client = await udpEndpoint({ coalesceSends: true });
  const pending = client.request({ address: '127.0.0.1', port: peer.address().port }, { method: 'POST', path: '/bye', confirmable: false }).catch((e: Error) => e);
  await client.close();
  const m = decode(await got);
  assert.ok(m.ok);
  assert.equal(Buffer.from(m.message.options.find((o) => o.number === 11)!.value).toString(), 'bye');
  // The request itself ends with the endpoint.
  assert.equal(((await pending) as { code?: string }).code, 'E_COAP_CLOSED');
  peer.close();
});
