/**
 * 4.12 fall-back across processes: our client asks for a newer LwM2M version than our server
 * (configured with `lwm2mVersions`) accepts; the server answers 4.12 Precondition Failed, the
 * client falls back one version at a time and registers with the payload of the version it
 * reached (1.0: no root link, so no content formats; 1.1: the root link's ct without LwM2M CBOR).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ok, startClient, startServer } from './fixtures/e2e-setup.js';
import type { Line, LineProcess } from './fixtures/line-process.js';

const processes: LineProcess[] = [];
after(async () => {
  await Promise.all(processes.map((p) => p.stop()));
});

const registered = (endpoint: string) => (l: Line): boolean => l['event'] === 'registered' && l['endpoint'] === endpoint;

test('a 1.2 client falls back to 1.0 against a server that takes only 1.0, and is managed in 1.0 formats', async () => {
  const server = await startServer({ lwm2mVersions: ['1.0'] });
  processes.push(server);
  const client = await startClient(server, { endpoint: 'fallback-12', lwm2mVersion: '1.2' });
  processes.push(client);

  // The server refused 1.2 and 1.1 with 4.12 (E_REG_VERSION), in that order, and nothing else.
  const refused = server.events.filter((l) => l['event'] === 'refused');
  assert.deepEqual(refused.map((l) => [l['code'], (l['query'] as string[]).find((q) => q.startsWith('lwm2m='))]), [['E_REG_VERSION', 'lwm2m=1.2'], ['E_REG_VERSION', 'lwm2m=1.1']]);
  assert.deepEqual(client.events.filter((l) => l['event'] === 'versionFallback').map((l) => `${String(l['from'])}->${String(l['to'])}`), ['1.2->1.1', '1.1->1.0']);
  assert.equal(client.events.find((l) => l['event'] === 'registered')?.['lwm2m'], '1.0');

  const reg = await server.waitFor(registered('fallback-12'));
  assert.equal(reg['lwm2m'], '1.0');
  // A 1.0 payload has no root link: no content formats announced. A 1.1/1.2 payload always has one.
  assert.deepEqual(reg['contentFormats'], []);
  const objects = (reg['objects'] as { id: number; version: string; instances: number[] }[]).map((o) => o.id);
  assert.ok(objects.includes(3) && objects.includes(33100), `objects ${objects.join(',')}`);
  assert.ok(!objects.includes(0), 'Security is never announced');

  // Managed as a 1.0 client: the server reads in TLV, the client answers.
  const info = (await ok(server, 'registration', 'fallback-12')) as { lwm2mVersion: string };
  assert.equal(info.lwm2mVersion, '1.0');
  assert.deepEqual(await ok(server, 'read', 'fallback-12', { path: '/3/0/0' }), { kind: 'resource', id: 0, value: 'Acme' });
  const device = (await ok(server, 'read', 'fallback-12', { path: '/3/0', format: 11542 })) as { kind: string; resources: Map<number, { value?: unknown }> };
  assert.equal(device.kind, 'instance');
  assert.equal(device.resources.get(1)?.value, 'E2E-1');
});

test('a 1.2 client stops at 1.1 against a server that takes 1.0 and 1.1, announcing the 1.1 content formats', async () => {
  const server = await startServer({ lwm2mVersions: ['1.0', '1.1'] });
  processes.push(server);
  const client = await startClient(server, { endpoint: 'fallback-11', lwm2mVersion: '1.2' });
  processes.push(client);
  assert.deepEqual(client.events.filter((l) => l['event'] === 'versionFallback').map((l) => `${String(l['from'])}->${String(l['to'])}`), ['1.2->1.1']);
  const reg = await server.waitFor(registered('fallback-11'));
  assert.equal(reg['lwm2m'], '1.1');
  // The root link of a 1.1 payload: LwM2M CBOR (11544) is a 1.2 format and is not listed.
  const formats = reg['contentFormats'] as number[];
  assert.ok(formats.includes(112) && formats.includes(11542), `ct ${formats.join(' ')}`);
  assert.ok(!formats.includes(11544), `ct ${formats.join(' ')}`);
  assert.deepEqual(await ok(server, 'read', 'fallback-11', { path: '/3/0/0' }), { kind: 'resource', id: 0, value: 'Acme' });
});

test('a 1.1 client that no accepted version fits keeps failing with E_CLIENT_VERSION, and the server holds no registration', async () => {
  const server = await startServer({ lwm2mVersions: ['1.2'] });
  processes.push(server);
  const { LineProcess } = await import('./fixtures/line-process.js');
  const client = await LineProcess.start('client-process.ts', { serverPort: server.port, endpoint: 'too-old', lwm2mVersion: '1.1' });
  processes.push(client);
  const failed = await client.waitFor((l) => l['event'] === 'registrationFailed', 10_000);
  assert.equal(failed['code'], 'E_CLIENT_VERSION');
  assert.deepEqual(client.events.filter((l) => l['event'] === 'versionFallback').map((l) => `${String(l['from'])}->${String(l['to'])}`), ['1.1->1.0']);
  const refused = server.events.filter((l) => l['event'] === 'refused').map((l) => (l['query'] as string[]).find((q) => q.startsWith('lwm2m=')));
  assert.deepEqual(refused.slice(0, 2), ['lwm2m=1.1', 'lwm2m=1.0']);
  assert.equal(server.events.some(registered('too-old')), false);
});
