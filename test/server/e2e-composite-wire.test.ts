/**
 * Read-/Write-Composite on the wire, seen by a scripted device on real UDP (127.0.0.1): the
 * SenML format follows the client's ct, requests go to its alternate path, the FETCH body
 * names the paths, and answers that do not decode are E_CLIENT_PAYLOAD.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeCompositeRequest, decodeRecords, encodeRecords } from '../../runtime/codec/codec.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import type { IncomingRequest, OutgoingResponse } from '../../runtime/coap/request.js';
import { coreRegistry } from '../../registry/index.js';
import { formatPath } from '../../runtime/model/path.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { LwM2MServer, ServerError, type CompositeValue } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

const resolve = objectResolver(coreRegistry, new Map([[3, '1.1']]));
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

interface Seen { method: string; path: string; cf: number | undefined; accept: number | undefined; payload: Uint8Array }

/** Registers `ep` with the given links; answers each request with `answer`. */
async function device(ep: string, links: string, answer: (req: IncomingRequest) => OutgoingResponse): Promise<Seen[]> {
  const coap = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  devices.push(coap);
  const seen: Seen[] = [];
  coap.onRequest((req) => {
    seen.push({ method: req.method, path: `/${req.path.join('/')}`, cf: req.contentFormat, accept: req.accept, payload: req.payload });
    return answer(req);
  });
  const res = await coap.request(server.address(), { method: 'POST', path: 'rd', query: [`ep=${ep}`, 'lwm2m=1.1', 'lt=60'], contentFormat: 40, payload: links });
  assert.equal(res.code, 0x41);
  return seen;
}

const values = (format: number): OutgoingResponse => ({
  code: 0x45, contentFormat: format,
  payload: encodeRecords(format, [
    { path: { objectId: 3, instanceId: 0, resourceId: 0 }, value: 'Acme' },
    { path: { objectId: 3, instanceId: 0, resourceId: 9 }, value: 50 },
    { path: { objectId: 3, instanceId: 0, resourceId: 11, resourceInstanceId: 0 }, value: 0 },
  ], { resolve }),
});

test('a client that lists only SenML JSON is asked in SenML JSON; the FETCH body names the paths', async () => {
  const seen = await device('ct-json', '</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>', (req) => (req.method === 'FETCH' ? values(110) : { code: 0x44 }));
  const r = await server.client('ct-json').readComposite(['/3/0/0', '/3/0/11', '/3/0/9', '/3/0/1']);
  assert.deepEqual([seen[0]?.method, seen[0]?.path, seen[0]?.cf, seen[0]?.accept], ['FETCH', '/', 110, 110]);
  assert.deepEqual(decodeCompositeRequest(110, seen[0]!.payload).map(formatPath), ['/3/0/0', '/3/0/11', '/3/0/9', '/3/0/1']);
  assert.deepEqual([...r.keys()], ['/3/0/0', '/3/0/11', '/3/0/9']);
  assert.deepEqual(r.get('/3/0/11'), { kind: 'multipleResource', id: 11, instances: new Map([[0, 0]]) });
  await server.client('ct-json').writeComposite(new Map<string, CompositeValue>([['/3/0/14', '+02:00'], ['/3/0/13', new Date(1_800_000_000_000)]]));
  assert.deepEqual([seen[1]?.method, seen[1]?.path, seen[1]?.cf], ['iPATCH', '/', 110]);
  assert.deepEqual(decodeRecords(110, seen[1]!.payload, { resolve }).map((x) => [formatPath(x.path), x.value]), [['/3/0/14', '+02:00'], ['/3/0/13', new Date(1_800_000_000_000)]]);
});

test('SenML CBOR by default; composite requests go to the alternate path', async () => {
  const seen = await device('alt-path', '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>', (req) => (req.method === 'FETCH' ? values(112) : { code: 0x44 }));
  const r = await server.client('alt-path').readComposite([{ path: '/3/0/9' }]);
  assert.deepEqual(r.get('/3/0/9'), { kind: 'resource', id: 9, value: 50 });
  assert.deepEqual([seen[0]?.path, seen[0]?.cf, seen[0]?.accept], ['/lwm2m', 112, 112]);
  await server.client('alt-path').writeComposite({ '/3/0/14': 'Z' });
  assert.deepEqual([seen[1]?.method, seen[1]?.path, seen[1]?.cf], ['iPATCH', '/lwm2m', 112]);
});

test('answers that do not decode or do not fit are E_CLIENT_PAYLOAD; error codes are E_CLIENT_RESPONSE', async () => {
  let answer: OutgoingResponse = { code: 0x45, contentFormat: 112, payload: new Uint8Array([0xff, 0x00]) };
  await device('garbage', '</>;rt="oma.lwm2m";ct=112,</3/0>', () => answer);
  const read = (): Promise<unknown> => server.client('garbage').readComposite(['/3/0']);
  await assert.rejects(read(), (e: unknown) => e instanceof ServerError && e.code === 'E_CLIENT_PAYLOAD');
  // /3/0/11 is multiple: a record without a resource instance id does not fit it.
  answer = { code: 0x45, contentFormat: 110, payload: '[{"n":"/3/0/11","v":1}]' };
  await assert.rejects(read(), (e: unknown) => e instanceof ServerError && e.code === 'E_CLIENT_PAYLOAD');
  answer = { code: 0x80, payload: 'no' };
  await assert.rejects(read(), (e: unknown) => e instanceof ServerError && e.code === 'E_CLIENT_RESPONSE' && e.responseCode === '4.00');
  await assert.rejects(server.client('garbage').writeComposite({ '/3/0/14': 'Z' }), (e: unknown) => e instanceof ServerError && e.code === 'E_CLIENT_RESPONSE' && e.responseCode === '4.00');
});
