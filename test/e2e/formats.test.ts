/**
 * Every content format the codec offers, between the server process and LwM2M 1.0, 1.1 and
 * 1.2 client processes over UDP: each format forced per request for Read and Write, the
 * formats a version does not have answered 4.06 (Read) or 4.15 (Write), link format for
 * Discover, and the server's default choice per registration.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { failure, ok, startClient, startServer } from './fixtures/e2e-setup.js';
import type { LineProcess } from './fixtures/line-process.js';

const TEXT = 0, OPAQUE = 42, CBOR = 60, SENML_JSON = 110, SENML_CBOR = 112, TLV = 11542, LWM2M_JSON = 11543, LWM2M_CBOR = 11544, TLV_OLD = 1542, JSON_OLD = 1543;
const MULTI: Record<string, number[]> = {
  '1.0': [TLV, LWM2M_JSON, TLV_OLD, JSON_OLD],
  '1.1': [TLV, LWM2M_JSON, SENML_JSON, SENML_CBOR],
  '1.2': [TLV, LWM2M_JSON, SENML_JSON, SENML_CBOR, LWM2M_CBOR],
};
const SINGLE: Record<string, number[]> = { '1.0': [TEXT], '1.1': [TEXT, CBOR], '1.2': [TEXT, CBOR] };
const MISSING: Record<string, number[]> = { '1.0': [CBOR, SENML_JSON, SENML_CBOR, LWM2M_CBOR], '1.1': [LWM2M_CBOR], '1.2': [] };

let server: LineProcess;
const clients = new Map<string, LineProcess>();

before(async () => {
  server = await startServer();
  const started = await Promise.all((['1.0', '1.1', '1.2'] as const).map((v) => startClient(server, { endpoint: `formats-${v}`, lwm2mVersion: v })));
  started.forEach((c, k) => clients.set(['1.0', '1.1', '1.2'][k]!, c));
});
after(async () => {
  await Promise.all([...clients.values()].map((c) => c.stop()));
  await server?.stop();
});

type Instance = { kind: 'instance'; resources: Map<number, { value?: unknown; instances?: Map<number, unknown> }> };

for (const version of ['1.0', '1.1', '1.2'] as const) {
  const ep = `formats-${version}`;

  test(`LwM2M ${version}: Read in every format the version has gives the same values`, async () => {
    const reference = (await ok(server, 'read', ep, { path: '/33100/0' })) as Instance;
    assert.equal(reference.resources.get(0)?.value, 'hello');
    for (const format of MULTI[version]!) {
      const inst = (await ok(server, 'read', ep, { path: '/33100/0', format })) as Instance;
      assert.deepEqual(inst, reference, `instance in ${format}`);
      assert.deepEqual(await ok(server, 'read', ep, { path: '/33100/0/8', format }), { kind: 'multipleResource', id: 8, instances: new Map([[0, 10], [1, 20]]) }, `multiple resource in ${format}`);
    }
    for (const format of [...SINGLE[version]!, ...MULTI[version]!]) {
      for (const [path, value] of [['/33100/0/0', 'hello'], ['/33100/0/2', 1.5], ['/33100/0/3', true], ['/33100/0/5', new Date(1_700_000_000_000)], ['/33100/0/6', { objectId: 3, instanceId: 0 }], ['/33100/0/7', 2n ** 63n + 5n]] as const) {
        const node = (await ok(server, 'read', ep, { path, format })) as { value: unknown };
        assert.deepEqual(node.value, value, `${path} in ${format}`);
      }
      assert.deepEqual(await ok(server, 'read', ep, { path: '/33100/0/8/1', format }), { kind: 'resourceInstance', id: 1, value: 20 }, `resource instance in ${format}`);
    }
    assert.deepEqual(await ok(server, 'read', ep, { path: '/33100/0/4', format: OPAQUE }), { kind: 'resource', id: 4, value: new Uint8Array([1, 2, 3]) });
  });

  test(`LwM2M ${version}: Write in every format the version has`, async () => {
    const client = clients.get(version)!;
    for (const format of [...SINGLE[version]!, ...MULTI[version]!]) {
      await ok(server, 'write', ep, { path: '/33100/0/0', format, node: { kind: 'resource', id: 0, value: `t${format}` } });
      assert.equal((await client.command('get', { path: '/33100/0/0' }))['result'], `t${format}`, `single value in ${format}`);
    }
    for (const format of MULTI[version]!) {
      const stamp = new Date(1_600_000_000_000 + format * 1000);
      await ok(server, 'write', ep, { path: '/33100/0', format, replace: false, node: { kind: 'instance', id: 0, resources: new Map<number, unknown>([
        [1, { kind: 'resource', id: 1, value: format % 10 }], [5, { kind: 'resource', id: 5, value: stamp }],
        [8, { kind: 'multipleResource', id: 8, instances: new Map([[4, format % 100]]) }],
      ]) } });
      assert.equal((await client.command('get', { path: '/33100/0/1' }))['result'], format % 10, `instance in ${format}`);
      assert.deepEqual((await client.command('get', { path: '/33100/0/5' }))['result'], stamp, `time in ${format}`);
      assert.equal(((await client.command('get', { path: '/33100/0/8' }))['result'] as Map<number, number>).get(4), format % 100, `multiple resource in ${format}`);
    }
    await ok(server, 'write', ep, { path: '/33100/0/4', format: OPAQUE, node: { kind: 'resource', id: 4, value: new Uint8Array([7, 7]) } });
    assert.deepEqual((await client.command('get', { path: '/33100/0/4' }))['result'], new Uint8Array([7, 7]));
  });

  test(`LwM2M ${version}: formats the version lacks: Read 4.06, Write 4.15`, async () => {
    for (const format of MISSING[version]!) {
      assert.deepEqual((await failure(server, 'read', ep, { path: '/33100/0/0', format })).slice(0, 2), ['E_CLIENT_RESPONSE', '4.06'], `read in ${format}`);
      assert.deepEqual((await failure(server, 'write', ep, { path: '/33100/0/0', format, node: { kind: 'resource', id: 0, value: 'x' } })).slice(0, 2), ['E_CLIENT_RESPONSE', '4.15'], `write in ${format}`);
    }
    // Octet-stream only carries Opaque resources, text/plain only single values.
    assert.deepEqual((await failure(server, 'read', ep, { path: '/33100/0/0', format: OPAQUE })).slice(0, 2), ['E_CLIENT_RESPONSE', '4.06']);
    assert.deepEqual((await failure(server, 'read', ep, { path: '/33100/0', format: TEXT })).slice(0, 2), ['E_CLIENT_RESPONSE', '4.06']);
  });
}

test('the server asks each version in its own format by default: the registration carries what it listed', async () => {
  const r10 = (await ok(server, 'registration', 'formats-1.0')) as { objects: { contentFormats: number[] } };
  assert.deepEqual(r10.objects.contentFormats, [], 'a 1.0 client sends no root link: TLV is assumed');
  const r11 = (await ok(server, 'registration', 'formats-1.1')) as { objects: { contentFormats: number[] } };
  assert.ok(r11.objects.contentFormats.includes(SENML_CBOR));
  const r12 = (await ok(server, 'registration', 'formats-1.2')) as { objects: { contentFormats: number[] } };
  assert.ok(r12.objects.contentFormats.includes(LWM2M_CBOR));
});

test('Discover answers link format for every version', async () => {
  for (const version of ['1.0', '1.1', '1.2'] as const) {
    const links = (await ok(server, 'discover', `formats-${version}`, { path: '/3' })) as Array<{ target: string; attributes: Record<string, unknown> }>;
    assert.equal(links[0]?.target, '/3');
    assert.ok(links.some((l) => l.target === '/3/0/9'), version);
  }
});
