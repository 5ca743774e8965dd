/** BasicDevice: the ready Device a client starts from, read and written by a server. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { codeText } from '../../runtime/coap/codes.js';
import { BasicDevice } from '../../runtime/client/index.js';
import { cleanup, client, FakeServer } from './helpers.js';

after(cleanup);

test('BasicDevice: mandatory resources filled in, a settable clock, Reset Error Code', async () => {
  let rebooted = 0;
  const dev = new BasicDevice({ manufacturer: 'Acme', reboot: () => { rebooted++; } });
  dev.errorCode.set(new Map([[0, 5]]));
  const server = await FakeServer.start();
  const c = client({ endpoint: 'basic', objects: [dev], servers: [{ uri: server.uri, shortServerId: 1 }] });
  await c.start();
  await c.next('registered');
  const req = (init: Parameters<typeof server.endpoint.request>[1]) => server.endpoint.request(c.address(), init);
  const text = async (path: string): Promise<string> => new TextDecoder().decode((await req({ method: 'GET', path })).payload);

  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(Number(await text('/3/0/13')) - now) <= 1);
  assert.equal(codeText((await req({ method: 'PUT', path: '/3/0/13', contentFormat: 0, payload: '1000000000' })).code), '2.04');
  const t = Number(await text('/3/0/13'));
  assert.ok(t >= 1000000000 && t <= 1000000002, `the clock runs on from the written time (${t})`);
  assert.equal(await text('/3/0/16'), 'U');
  assert.equal(await text('/3/0/11/0'), '5');
  assert.equal(codeText((await req({ method: 'POST', path: '/3/0/12' })).code), '2.04');
  assert.equal(await text('/3/0/11/0'), '0');
  assert.equal(codeText((await req({ method: 'POST', path: '/3/0/4' })).code), '2.04');
  assert.equal(rebooted, 1);
  assert.equal(codeText((await req({ method: 'POST', path: '/3/0/5' })).code), '4.04', 'no Factory Reset unless the application gives one');
});
