/**
 * The server in its own process, over real UDP on 127.0.0.1: the registration interface
 * driven by a device and by libcoap's coap-client, then device management through the typed
 * handles of the generated Device class.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { ServerProcess } from '../helpers/server-process.js';
import { FakeDevice } from './fixtures/fake-device.js';

let server: ServerProcess;
let device: FakeDevice;
const peer = () => ({ address: '127.0.0.1', port: server.port });

before(async () => {
  server = await ServerProcess.start();
  device = await FakeDevice.start();
});
after(async () => {
  await device.close();
  await server.stop();
});

function coapClient(args: string[]): { code: string; out: string } {
  const r = spawnSync('coap-client-notls', ['-B', '3', '-v', '6', ...args], { encoding: 'utf8', timeout: 10_000 });
  return { code: /v:1 t:\w+ c:(\d\.\d\d)/.exec(r.stderr + r.stdout)?.[1] ?? '', out: r.stdout + r.stderr };
}

test('Register: 2.01 with Location-Path, the registered event with the object model', async () => {
  const code = await device.register(peer(), ['ep=dev1', 'lt=60', 'lwm2m=1.1', 'b=U']);
  assert.equal(code, 0x41);
  assert.equal(device.location[0], 'rd');
  assert.equal(device.location.length, 2);
  const e = await server.waitFor((l) => l['event'] === 'registered' && l['endpoint'] === 'dev1');
  assert.equal(e['lifetime'], 60);
  assert.equal(e['lwm2m'], '1.1');
  assert.deepEqual(e['objects'], [{ id: 1, version: '1.1', instances: [0] }, { id: 3, version: '1.1', instances: [0] }]);
});

test('Read through the typed handles: single and multiple resources, a whole instance', async () => {
  const battery = await server.command('readBattery', 'dev1');
  assert.deepEqual(battery, { id: battery['id'], ok: true, result: 57 });
  assert.match(device.requests.at(-1)!, /^GET \/3\/0\/9 accept=112/, 'a 1.1 client that lists ct=112 is asked for SenML CBOR');
  const errors = await server.command('readErrors', 'dev1');
  assert.deepEqual(errors['result'], { 0: 0, 3: 2 });
  const instance = await server.command('readInstance', 'dev1');
  assert.deepEqual(instance['result'], { manufacturer: 'Acme', batteryLevel: 57, errorCode: { 0: 0, 3: 2 }, currentTime: '2023-11-14T22:13:20.000Z', supportedBindingAndModes: 'U' });
});

test('Write, Execute, Discover and an error answer', async () => {
  assert.equal((await server.command('writeTime', 'dev1', { value: 1_800_000_000_000 }))['ok'], true);
  assert.match(device.requests.at(-1)!, /^PUT \/3\/0\/13 accept=- cf=112/);
  assert.equal((device.values.get(13) as { value: Date }).value.getTime(), 1_800_000_000_000);
  assert.equal((await server.command('reboot', 'dev1', { args: "0='soon'" }))['ok'], true);
  assert.equal(device.executed, "0='soon'");
  const links = await server.command('discover', 'dev1');
  assert.ok((links['result'] as Array<{ target: string }>).some((l) => l.target === '/3/0/9'));
  const missing = await server.command('readPath', 'dev1', { path: '/3/1/0' });
  assert.deepEqual([missing['ok'], missing['code'], missing['responseCode']], [false, 'E_CLIENT_RESPONSE', '4.04']);
  const unknown = await server.command('readBattery', 'nobody');
  assert.deepEqual([unknown['ok'], unknown['code']], [false, 'E_CLIENT_UNKNOWN']);
});

test('Observe with attributes: Write-Attributes first, then notifications', async () => {
  const r = await server.command('observeBattery', 'dev1', { attributes: { pmin: 1, gt: 80 } });
  assert.equal(r['ok'], true, JSON.stringify(r));
  assert.ok(device.requests.some((q) => /^PUT \/3\/0\/9\?pmin=1&gt=80/.test(q)));
  await server.waitFor((l) => l['event'] === 'notification' && l['value'] === 57);
  await device.set(9, 90);
  await server.waitFor((l) => l['event'] === 'notification' && l['value'] === 90);
  await server.command('cancel', 'dev1');
});

test('bad observe attributes are refused before anything is sent', async () => {
  const before = device.requests.length;
  const r = await server.command('observeBattery', 'dev1', { attributes: { lt: 10, gt: 5 } });
  assert.deepEqual([r['ok'], r['code']], [false, 'E_ARGUMENT']);
  assert.equal(device.requests.length, before);
});

test('libcoap coap-client: malformed registrations get 4.00 (or 4.12), never a crash', () => {
  const base = `coap://127.0.0.1:${server.port}/rd`;
  const cases: Array<[string, string]> = [
    ['?lt=60', '4.00'], // no endpoint name
    ['?ep=x&lt=abc', '4.00'],
    ['?ep=x&lt=0', '4.00'],
    ['?ep=x&lwm2m=1.1&b=UQ', '4.00'], // Q inside b from 1.1 on
    ['?ep=x&lwm2m=1.1&Q=1', '4.00'],
    ['?ep=x&ep=y', '4.00'],
    ['?ep=x&lwm2m=9.9', '4.12'],
  ];
  for (const [query, code] of cases) {
    const r = coapClient(['-m', 'post', '-t', '40', '-e', '</3/0>', `${base}${query}`]);
    assert.equal(r.code, code, `${query}: ${r.out}`);
  }
  const badLinks = coapClient(['-m', 'post', '-t', '40', '-e', '</3/0', `${base}?ep=x`]);
  assert.equal(badLinks.code, '4.00', badLinks.out);
  const notLinks = coapClient(['-m', 'post', '-t', '50', '-e', '{}', `${base}?ep=x`]);
  assert.equal(notLinks.code, '4.00', notLinks.out);
  const ok = coapClient(['-m', 'post', '-t', '40', '-e', '</3/0>', `${base}?ep=libcoap&lt=30&lwm2m=1.0&b=UQ`]);
  assert.equal(ok.code, '2.01', ok.out);
  const wrongMethod = coapClient(['-m', 'get', base]);
  assert.equal(wrongMethod.code, '4.05', wrongMethod.out);
  const noSuch = coapClient(['-m', 'delete', `${base}/nope`]);
  assert.equal(noSuch.code, '4.04', noSuch.out);
});

test('a registration expires after its lifetime; De-register ends one', async () => {
  const short = await FakeDevice.start();
  try {
    assert.equal(await short.register(peer(), ['ep=brief', 'lt=1']), 0x41);
    const expired = await server.waitFor((l) => l['event'] === 'expired' && l['endpoint'] === 'brief', 4000);
    assert.equal(expired['lifetime'], 1);
  } finally {
    await short.close();
  }
  assert.equal(await device.deregister(peer()), 0x42);
  await server.waitFor((l) => l['event'] === 'deregistered' && l['endpoint'] === 'dev1');
  assert.equal(await device.deregister(peer()), 0x84, 'a second De-register finds nothing');
});
