/**
 * Seeded random device-management requests from a registered server: every one is answered
 * with an LwM2M response code, none with 5.00 (no application code throws here), and the
 * client keeps working afterwards.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { codeText } from '../../runtime/coap/codes.js';
import type { MethodName } from '../../runtime/coap/codes.js';
import { encode } from '../../runtime/codec/codec.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { Device } from '../../registry/index.js';
import { cleanup, client, device, FakeServer } from './helpers.js';
import { TestObject, testDescriptor } from './fixtures.js';
import { mulberry32 as rng } from '../helpers/seeded-random.js';

after(cleanup);


const ALLOWED = new Set(['2.01', '2.02', '2.04', '2.05', '4.00', '4.01', '4.02', '4.04', '4.05', '4.06', '4.13', '4.15']);

test('400 random requests: only LwM2M codes, never 5.00, the client still answers', async () => {
  const server = await FakeServer.start();
  const c = client({
    endpoint: 'fuzz', lwm2mVersion: '1.2',
    objects: [device(), new TestObject.Instance(0, { value: 1, name: 'n', levels: new Map([[0, 1]]), reset: () => {} })],
    servers: [{ uri: server.uri, shortServerId: 1, lifetime: 600 }],
  });
  await c.start();
  await c.next('registered');
  const r = rng(Number(process.env['LWM2M_FUZZ_SEED'] ?? 0x5eed));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const methods: MethodName[] = ['GET', 'PUT', 'POST', 'DELETE', 'FETCH', 'iPATCH'];
  const segments = ['3', '0', '1', '2', '9', '11', '13', '33000', '65535', '65536', 'x', '', '01', '4'];
  const formats = [undefined, 0, 40, 42, 60, 110, 112, 11542, 11543, 11544, 1542, 1543, 50, 9999];
  const resolve = objectResolver([Device.descriptor, testDescriptor]);
  const valid = [
    encode(11542, parsePath('/33000/0'), { kind: 'instance', id: 0, resources: new Map([[1, { kind: 'resource', id: 1, value: 'v' }]]) }, { resolve }),
    new TextEncoder().encode('[{"n":"/33000/0/1","vs":"w"}]'),
    new TextEncoder().encode('[{"n":"/3/0/0"}]'),
    new TextEncoder().encode("0='a',1"),
  ];
  const seenCodes = new Map<string, number>();
  for (let k = 0; k < 400; k++) {
    const method = pick(methods);
    const depth = Math.floor(r() * 5);
    const path = Array.from({ length: depth }, () => pick(segments));
    // Disable would silence the server for a day: leave /1/x/4 out.
    if (path[0] === '1' && path[2] === '4') continue;
    const payload = r() < 0.3 ? pick(valid) : new Uint8Array(Math.floor(r() * 24)).map(() => Math.floor(r() * 256));
    const ct = pick(formats);
    const accept = r() < 0.3 ? pick(formats) : undefined;
    const query = r() < 0.2 ? [pick(['pmin=1', 'pmax=0', 'gt=1', 'st=-1', 'lt', 'epmin=5', 'edge=1', 'x=1'])] : [];
    const res = await server.endpoint.request(c.address(), {
      method, path, query, payload, ...(ct === undefined ? {} : { contentFormat: ct }), ...(accept === undefined ? {} : { accept }),
    });
    const code = codeText(res.code);
    seenCodes.set(code, (seenCodes.get(code) ?? 0) + 1);
    assert.ok(ALLOWED.has(code), `${method} /${path.join('/')} ct=${String(ct)} accept=${String(accept)} -> ${code} ${new TextDecoder().decode(res.payload)}`);
  }
  assert.ok((seenCodes.get('2.05') ?? 0) > 0 && (seenCodes.get('4.04') ?? 0) > 0, JSON.stringify([...seenCodes]));
  const ok = await server.endpoint.request(c.address(), { method: 'GET', path: '/3/0/0' });
  assert.equal(codeText(ok.code), '2.05');
});
