/**
 * Which format the server asks for and writes in, per registration, seen by a scripted device
 * on real UDP: TLV for 1.0, SenML CBOR from 1.1, the client's ct first, and the next
 * candidate after a 4.06.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encode } from '../../runtime/codec/codec.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import type { IncomingRequest, OutgoingResponse } from '../../runtime/coap/request.js';
import { coreRegistry } from '../../registry/index.js';
import { resourceNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

const resolve = objectResolver(coreRegistry, new Map([[3, '1.0']]));
let server: LwM2MServer;
const devices: CoapEndpoint[] = [];

before(async () => {
  server = new LwM2MServer({ port: 0, requestTimeoutMs: 3000 });
  await server.start();
});
after(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await server.stop();
});

/** A device answering Reads of /3/0/9 in any format but those in `refuse` (4.06); Writes 2.04. */
async function device(ep: string, lwm2m: string, links: string, refuse: number[] = []): Promise<string[]> {
  const coap = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  devices.push(coap);
  const seen: string[] = [];
  coap.onRequest((req: IncomingRequest): OutgoingResponse => {
    seen.push(`${req.method} accept=${req.accept ?? '-'} cf=${req.contentFormat ?? '-'}`);
    if (req.method !== 'GET') return { code: 0x44 };
    const format = req.accept ?? 11542;
    if (refuse.includes(format)) return { code: 0x86 };
    return { code: 0x45, contentFormat: format, payload: encode(format, parsePath('/3/0/9'), resourceNode(9, 42), { resolve }) };
  });
  const res = await coap.request(server.address(), { method: 'POST', path: 'rd', query: [`ep=${ep}`, `lwm2m=${lwm2m}`], contentFormat: 40, payload: links });
  assert.equal(res.code, 0x41);
  return seen;
}

const cases: Array<[string, string, string, number]> = [
  ['LwM2M 1.0: TLV', '1.0', '</3/0>', 11542],
  ['LwM2M 1.1 without ct: SenML CBOR', '1.1', '</3/0>', 112],
  ['LwM2M 1.1 with ct=110: SenML JSON', '1.1', '</>;rt="oma.lwm2m";ct=110,</3/0>', 110],
  ['LwM2M 1.1 with ct="11543 112": LwM2M JSON is behind SenML CBOR', '1.1', '</>;rt="oma.lwm2m";ct="11543 112",</3/0>', 112],
  ['LwM2M 1.2 with ct=11544: the listed LwM2M CBOR', '1.2', '</>;rt="oma.lwm2m";ct="11544",</3/0>', 11544],
];

for (const [name, lwm2m, links, expected] of cases) {
  test(`${name} for Read and Write`, async () => {
    const ep = `choice-${name.replace(/\W+/g, '-')}`;
    const seen = await device(ep, lwm2m, links);
    const node = await server.client(ep).read('/3/0/9');
    assert.deepEqual(node, { kind: 'resource', id: 9, value: 42 });
    await server.client(ep).write('/3/0/9', resourceNode(9, 43));
    assert.deepEqual(seen, [`GET accept=${expected} cf=-`, `PUT accept=- cf=${expected}`]);
  });
}

test('a 4.06 moves on to the next candidate; a forced format is used alone', async () => {
  const seen = await device('choice-406', '1.1', '</3/0>', [112, 110]);
  assert.deepEqual(await server.client('choice-406').read('/3/0/9'), { kind: 'resource', id: 9, value: 42 });
  assert.deepEqual(seen, ['GET accept=112 cf=-', 'GET accept=110 cf=-', 'GET accept=11542 cf=-']);
  await assert.rejects(server.client('choice-406').read('/3/0/9', { format: 110 }), { code: 'E_CLIENT_RESPONSE', responseCode: '4.06' });
  assert.deepEqual(await server.client('choice-406').read('/3/0/9', { format: 0 }), { kind: 'resource', id: 9, value: 42 });
  assert.deepEqual(seen.slice(3), ['GET accept=110 cf=-', 'GET accept=0 cf=-']);
});
