/** Registration received by node-coap (npm `coap`) as an independent server: what it parses is what we sent. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as coap from 'coap';
import type { IncomingMessage, OutgoingMessage } from 'coap';
import { cleanup, client, device } from './helpers.js';

after(cleanup);

interface Seen { method: string; url: string; payload: string; contentFormat: unknown }

test('Register, Update and De-register as a node-coap server sees them', async () => {
  const seen: Seen[] = [];
  const server = coap.createServer({ type: 'udp4' }, (req: IncomingMessage, res: OutgoingMessage) => {
    seen.push({ method: req.method, url: req.url, payload: req.payload.toString(), contentFormat: req.headers['Content-Format'] });
    const path = req.url.split('?')[0];
    if (req.method === 'POST' && path === '/rd') {
      res.code = '2.01';
      res.setOption('Location-Path', [Buffer.from('rd'), Buffer.from('nc1')]);
    } else if (req.method === 'POST' && path === '/rd/nc1') res.code = '2.04';
    else if (req.method === 'DELETE' && path === '/rd/nc1') res.code = '2.02';
    else res.code = '4.04';
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
  try {
    const c = client({ endpoint: 'node-coap-dev', objects: [device()], servers: [{ uri: `coap://127.0.0.1:${port}`, shortServerId: 9, lifetime: 120, binding: 'UQ' }] });
    const registered = c.next('registered');
    await c.start();
    assert.equal((await registered).location, '/rd/nc1');
    c.triggerUpdate(9);
    await c.next('updated');
    const deregistered = c.next('deregistered');
    await c.stop();
    assert.deepEqual(await deregistered, { shortServerId: 9, uri: `coap://127.0.0.1:${port}` });
    assert.deepEqual(seen.map((s) => `${s.method} ${s.url}`), [
      'POST /rd?ep=node-coap-dev&lt=120&lwm2m=1.1&b=U&Q',
      'POST /rd/nc1',
      'DELETE /rd/nc1',
    ]);
    assert.equal(seen[0]!.contentFormat, 'application/link-format');
    assert.equal(seen[0]!.payload, '</>;rt="oma.lwm2m";ct="0 42 60 110 112 11542 11543",</1/0>,</3>;ver=1.2,</3/0>');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
