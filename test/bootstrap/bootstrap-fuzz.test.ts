/**
 * Seeded random bootstrap requests from the client's bootstrap server (no Finish among them):
 * every one is answered with a bootstrap response code, never 5.00; afterwards the client's
 * configuration is what it was and its DM server still manages it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { coreRegistry, Device } from '../../registry/index.js';
import { encode } from '../../runtime/codec/codec.js';
import { codeText, type MethodName } from '../../runtime/coap/codes.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { BasicDevice, LwM2MClient } from '../../runtime/client/index.js';
import { instanceNode, resourceNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { mulberry32 as rng } from '../helpers/seeded-random.js';

const ALLOWED = new Set(['2.02', '2.04', '2.05', '4.00', '4.01', '4.04', '4.05', '4.06', '4.13', '4.15']);

test('600 random bootstrap requests without Finish: only bootstrap codes, never 5.00, nothing applied', async () => {
  const dm = new LwM2MServer({ port: 0 });
  await dm.start();
  const bs = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  bs.onRequest(() => ({ code: 0x44 }));
  const client = new LwM2MClient({
    endpoint: 'bs-fuzz', objects: [new BasicDevice({ manufacturer: 'Steady' })],
    servers: [{ uri: `coap://127.0.0.1:${dm.address().port}`, shortServerId: 1 }], bootstrap: { uri: `coap://127.0.0.1:${bs.address().port}` },
  });
  try {
    const registered = once(dm, 'registered');
    await client.start();
    await registered;
    const before = await Promise.all(client.tree.objects().flatMap((e) => client.tree.instances(e.descriptor.id)).map(async (i) => `${i.path}:${String(await i.read(0))}`));
    const r = rng(Number(process.env['LWM2M_FUZZ_SEED'] ?? 0xb007));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const methods: MethodName[] = ['GET', 'PUT', 'DELETE', 'POST', 'FETCH', 'iPATCH'];
    const segments = ['0', '1', '2', '3', '5', '10', '65535', '65536', 'x', '', 'bs'];
    const formats = [undefined, 0, 40, 42, 60, 110, 112, 11542, 11543, 11544, 1542, 9999];
    const resolve = objectResolver(coreRegistry);
    const valid = [
      encode(11542, parsePath('/0/4'), instanceNode(4, [resourceNode(0, 'coap://127.0.0.1:9'), resourceNode(1, false), resourceNode(2, 3), resourceNode(3, new Uint8Array()), resourceNode(4, new Uint8Array()), resourceNode(5, new Uint8Array()), resourceNode(10, 77)]), { resolve }),
      encode(11542, parsePath('/1/4'), instanceNode(4, [resourceNode(0, 77), resourceNode(1, 60), resourceNode(6, false), resourceNode(7, 'U')]), { resolve }),
      new TextEncoder().encode('[{"bn":"/1/0/","n":"1","v":30}]'),
    ];
    const seen = new Map<string, number>();
    const wellFormed: [MethodName, string[], number, Uint8Array][] = [
      ['PUT', ['0', '4'], 11542, valid[0]!], ['PUT', ['1', '4'], 11542, valid[1]!], ['PUT', [], 110, valid[2]!], ['PUT', ['1', '0', '1'], 0, new TextEncoder().encode('45')],
    ];
    for (let k = 0; k < 600; k++) {
      if (r() < 0.15) {
        const [m, p, f, body] = pick(wellFormed);
        const res = await bs.request(client.address(), { method: m, path: p, payload: body, contentFormat: f });
        const code = codeText(res.code);
        seen.set(code, (seen.get(code) ?? 0) + 1);
        assert.ok(ALLOWED.has(code), `${m} /${p.join('/')} -> ${code}`);
        continue;
      }
      const method = pick(methods);
      const path = Array.from({ length: Math.floor(r() * 5) }, () => pick(segments));
      // Finish would apply what the random writes staged: this test is about everything else.
      if (method === 'POST' && path.length === 1 && path[0] === 'bs') continue;
      const payload = r() < 0.4 ? pick(valid) : new Uint8Array(Math.floor(r() * 24)).map(() => Math.floor(r() * 256));
      const ct = pick(formats);
      const accept = r() < 0.3 ? pick(formats) : undefined;
      const res = await bs.request(client.address(), { method, path, payload, ...(ct === undefined ? {} : { contentFormat: ct }), ...(accept === undefined ? {} : { accept }) });
      const code = codeText(res.code);
      seen.set(code, (seen.get(code) ?? 0) + 1);
      assert.ok(ALLOWED.has(code), `${method} /${path.join('/')} ct=${String(ct)} accept=${String(accept)} -> ${code} ${new TextDecoder().decode(res.payload)}`);
    }
    assert.ok((seen.get('2.04') ?? 0) > 0 && (seen.get('2.05') ?? 0) > 0 && (seen.get('4.00') ?? 0) > 0, JSON.stringify([...seen]));
    const after = await Promise.all(client.tree.objects().flatMap((e) => client.tree.instances(e.descriptor.id)).map(async (i) => `${i.path}:${String(await i.read(0))}`));
    assert.deepEqual(after, before);
    assert.equal(await dm.client('bs-fuzz').object(Device).instance(0).manufacturer.read(), 'Steady');
  } finally {
    await client.stop();
    await Promise.all([bs.close(), dm.stop()]);
  }
});
