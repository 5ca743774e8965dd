/** The server's Send interface refuses what it cannot take, without crashing or emitting. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { FakeDevice } from './fixtures/fake-device.js';

let server: LwM2MServer;
let device: FakeDevice;
let sends = 0;
before(async () => {
  server = new LwM2MServer({ port: 0 });
  await server.start();
  server.on('send', () => sends++);
  device = await FakeDevice.start();
  assert.equal(await device.register(server.address(), ['ep=dp-test', 'lwm2m=1.1']), 0x41);
});
after(async () => {
  await device.close();
  await server.stop();
});

test('unknown peer 4.04, wrong format 4.15, bad payload 4.00, wrong method 4.05; nothing emitted', async () => {
  const stranger = new CoapEndpoint({ transport: await UdpTransport.bind({ port: 0 }) });
  try {
    const r = await stranger.request(server.address(), { method: 'POST', path: 'dp', contentFormat: 110, payload: '[{"n":"/3/0/9","v":1}]' });
    assert.equal(r.code, 0x84);
  } finally {
    await stranger.close();
  }
  assert.equal((await device.coap.request(server.address(), { method: 'POST', path: 'dp', contentFormat: 0, payload: '1' })).code, 0x8f);
  assert.equal((await device.coap.request(server.address(), { method: 'POST', path: 'dp', contentFormat: 110, payload: '[{"n":' })).code, 0x80);
  assert.equal((await device.coap.request(server.address(), { method: 'POST', path: 'dp', contentFormat: 110, payload: '[{"n":"/3/0/9","vs":"text for an integer"}]' })).code, 0x80);
  assert.equal((await device.coap.request(server.address(), { method: 'GET', path: 'dp' })).code, 0x85);
  assert.equal(sends, 0);
  assert.equal((await device.coap.request(server.address(), { method: 'POST', path: 'dp', contentFormat: 110, payload: '[{"bn":"/3/0/","n":"9","v":42,"t":1800000000}]' })).code, 0x44);
  assert.equal(sends, 1);
});
