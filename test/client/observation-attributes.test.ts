/**
 * LwM2M 1.2 Observation Attributes: attributes in the Observe request's query hold for that
 * observation only, instead of the attached ones; invalid ones are 4.00. Driven by a plain CoAP
 * peer acting as the server, with a manual clock for pmin.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ResponseCode } from '../../runtime/coap/codes.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { ManualClock } from '../coap/helpers.js';
import { FakeServer, cleanup, client } from './helpers.js';

after(cleanup);

test('attributes of the Observe itself: pmin from the query, the attached gt ignored; invalid ones refused', async () => {
  const clock = new ManualClock();
  const server = await FakeServer.start();
  const device = new BasicDevice({ manufacturer: 'Acme', batteryLevel: 50 });
  const c = client({ endpoint: 'obs-attrs', objects: [device], lwm2mVersion: '1.2', clock, servers: [{ uri: server.uri, shortServerId: 1, lifetime: 60 }] });
  const registered = c.next('registered');
  await c.start();
  await registered;
  const peer = c.address();
  // Attached: gt=90, which would silence every change below 90.
  assert.equal((await server.endpoint.request(peer, { method: 'PUT', path: ['3', '0', '9'], query: ['gt=90'] })).code, ResponseCode.Changed);

  const values: number[] = [];
  let wake: (() => void) | undefined;
  const obs = await server.endpoint.observe(peer, { method: 'GET', path: ['3', '0', '9'], query: ['pmin=10'], accept: ContentFormat.TEXT }, (n) => {
    values.push(Number(new TextDecoder().decode(n.payload)));
    wake?.();
  });
  assert.equal(new TextDecoder().decode(obs.response!.payload), '50');
  const next = (): Promise<void> => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no notification; have ${JSON.stringify(values)}`)), 10_000);
    wake = () => { clearTimeout(t); resolve(); };
  });
  device.batteryLevel.set(51);
  device.batteryLevel.set(52);
  const arrived = next();
  clock.advance(10_000);
  await arrived;
  assert.deepEqual(values, [52], 'held by the query\'s pmin, not silenced by the attached gt');
  // Nothing of the query was stored: Discover shows only the attached gt.
  const disc = await server.endpoint.request(peer, { method: 'GET', path: ['3', '0', '9'], accept: ContentFormat.LINK });
  assert.equal(new TextDecoder().decode(disc.payload), '</3/0/9>;gt=90');

  const bad = await server.endpoint.request(peer, { method: 'GET', path: ['3', '0', '9'], query: ['pmin=10', 'pmax=5'], accept: ContentFormat.TEXT, options: [] });
  assert.equal(bad.code, ResponseCode.Content, 'a plain Read ignores the query');
  await assert.rejects(
    server.endpoint.observe(peer, { method: 'GET', path: ['3', '0', '0'], query: ['gt=5'], accept: ContentFormat.TEXT }, () => {}).then((o) => {
      if (o.response?.code === ResponseCode.BadRequest) throw new Error('4.00');
      return o;
    }),
    /4\.00/,
    'gt on a string resource: 4.00',
  );
});
