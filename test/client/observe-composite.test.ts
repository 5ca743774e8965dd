/** Observe-Composite (FETCH with Observe on the root): one notification carries every observed path. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { coreRegistry } from '../../registry/index.js';
import { decodeRecords, encodeCompositeRequest } from '../../runtime/codec/codec.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import type { CoapResponse } from '../../runtime/coap/request.js';
import { BasicDevice, type LwM2MClient } from '../../runtime/client/index.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { cleanup, registeredClient } from './helpers.js';

let server: LwM2MServer;
let c: LwM2MClient;
let device: BasicDevice;
before(async () => {
  server = new LwM2MServer({ port: 0 });
  await server.start();
  device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 50 });
  // A raw CoAP peer stands in for the server's FETCH: requests from it count as the first server's.
  c = await registeredClient(server, { endpoint: 'composite', objects: [device], acceptUnknownPeers: true });
});
after(async () => {
  await cleanup();
  await server.stop();
});

test('the first answer and each notification hold the values of every observed path', async () => {
  const peer = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  const resolve = objectResolver(coreRegistry, new Map([[3, '1.2']]));
  const values: Array<Record<string, unknown>> = [];
  let wake: (() => void) | undefined;
  const toValues = (r: CoapResponse): Record<string, unknown> => Object.fromEntries(decodeRecords(r.contentFormat!, r.payload, { resolve }).map((x) => [`/${x.path.objectId}/${x.path.instanceId}/${x.path.resourceId}`, x.value]));
  try {
    const obs = await peer.observe(c.address(), {
      method: 'FETCH', path: [], contentFormat: 110, accept: 110,
      payload: encodeCompositeRequest(110, ['/3/0/9', '/3/0/0'].map(parsePath)),
    }, (n) => { values.push(toValues(n)); wake?.(); });
    assert.ok(obs.active, 'the client accepted the observation');
    assert.deepEqual(toValues(obs.response!), { '/3/0/9': 50, '/3/0/0': 'Acme' });
    const next = new Promise<void>((ok, fail) => { wake = ok; setTimeout(() => fail(new Error('no notification')), 3000); });
    device.batteryLevel.set(49);
    await next;
    assert.deepEqual(values.at(-1), { '/3/0/9': 49, '/3/0/0': 'Acme' });
    await obs.cancel();
  } finally {
    await peer.close();
  }
});
