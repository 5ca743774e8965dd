/** Simulated device objects: valid sample values for every core object version, served to a server. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { codeText } from '../../runtime/coap/codes.js';
import { ContentFormat as F } from '../../runtime/codec/content-format.js';
import { ObjectInstance } from '../../runtime/genv1/object-instance.js';
import { ConnectivityMonitoring, coreRegistry, FirmwareUpdate, Location } from '../../registry/index.js';
import { sampleValues, simulatedObjects } from '../../runtime/client/index.js';
import { cleanup, client, FakeServer } from './helpers.js';
import { TestObject } from './fixtures.js';

after(cleanup);

test('sample values fit every core object version (construction checks type and range)', () => {
  for (const d of coreRegistry) {
    const inst = new ObjectInstance(d, 0, sampleValues(d));
    assert.ok(inst.presentResources().length > 0 || d.resources.every((r) => !r.mandatory), `${d.id}@${d.version}`);
  }
});

test('a simulated device registers and answers reads of all its objects', async () => {
  const server = await FakeServer.start();
  const objects = simulatedObjects({ objectTypes: [ConnectivityMonitoring, FirmwareUpdate, Location, TestObject] });
  const c = client({ endpoint: 'sim', objects, servers: [{ uri: server.uri, shortServerId: 1 }] });
  await c.start();
  await c.next('registered');
  const reg = await server.waitFor((r) => r.path === '/rd');
  assert.match(reg.payload, /<\/3\/0>.*<\/4\/0>.*<\/5\/0>.*<\/6\/0>.*<\/33000\/0>/);
  for (const path of ['/3/0', '/4/0', '/5/0', '/6/0', '/33000/0']) {
    const r = await server.endpoint.request(c.address(), { method: 'GET', path, accept: F.SENML_JSON });
    assert.equal(codeText(r.code), '2.05', `${path}: ${new TextDecoder().decode(r.payload)}`);
  }
  const battery = await server.endpoint.request(c.address(), { method: 'GET', path: '/3/0/9' });
  assert.equal(new TextDecoder().decode(battery.payload), '100');
});
