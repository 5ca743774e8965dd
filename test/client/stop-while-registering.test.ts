/** stop() while the Register is on its way: the registration the server made is deleted once it answers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { cleanup, client } from './helpers.js';

test('a Register answered after stop() is undone with a De-register', async () => {
  const server = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  const seen: string[] = [];
  server.onRequest(async (req) => {
    seen.push(`${req.method} /${req.path.join('/')}`);
    if (req.method === 'POST') {
      await new Promise((r) => setTimeout(r, 300)); // a slow server: the client stops meanwhile
      return { code: 0x41, options: [{ number: 8, value: new TextEncoder().encode('rd') }, { number: 8, value: new TextEncoder().encode('slow1') }] };
    }
    return { code: 0x42 };
  });
  try {
    const c = client({ endpoint: 'impatient', objects: [new BasicDevice({})], servers: [{ uri: `coap://127.0.0.1:${server.address().port}`, shortServerId: 1, lifetime: 60 }] });
    await c.start();
    await new Promise((r) => setTimeout(r, 50));
    await c.stop();
    assert.deepEqual(seen, ['POST /rd', 'DELETE /rd/slow1']);
  } finally {
    await cleanup();
    await server.close();
  }
});
