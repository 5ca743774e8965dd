/** 1,000 observations on one client: all accepted, and a change reaches exactly its own observer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRegistry } from '../../registry/create-registry.js';
import { coreRegistry } from '../../registry/index.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { TestObject } from './fixtures.js';
import { cleanup, client } from './helpers.js';

test('1,000 observations of 1,000 instances', { timeout: 60_000 }, async () => {
  const server = new LwM2MServer({ port: 0, registry: createRegistry(coreRegistry, TestObject) });
  await server.start();
  const instances = Array.from({ length: 1000 }, (_, i) => new TestObject.Instance(i, { value: 0 }));
  const c = client({ endpoint: 'many', objects: instances, servers: [{ uri: `coap://127.0.0.1:${server.address().port}`, shortServerId: 1, lifetime: 60 }] });
  try {
    const registered = new Promise<void>((ok) => c.once('registered', () => ok()));
    await c.start();
    await registered;
    const remote = server.client('many');
    const seen = new Map<number, number[]>();
    const handles = [];
    for (let i = 0; i < 1000; i++) {
      handles.push(await remote.observe(`/33000/${i}/0`, (node) => {
        if (node.kind === 'resource') seen.set(i, [...(seen.get(i) ?? []), node.value as number]);
      }));
    }
    assert.equal(seen.size, 1000, 'every observation answered with its first value');
    const picked = [0, 1, 499, 998, 999];
    const arrived = new Promise<void>((ok) => {
      const t = setInterval(() => { if (picked.every((i) => seen.get(i)!.length === 2)) { clearInterval(t); ok(); } }, 20);
    });
    for (const i of picked) instances[i]!.write(0, i / 10);
    await arrived;
    for (const i of picked) assert.deepEqual(seen.get(i), [0, i / 10]);
    assert.equal([...seen.values()].filter((v) => v.length > 1).length, picked.length, 'no other observer was told');
    await Promise.all(handles.map((h) => h.cancel()));
  } finally {
    await cleanup();
    await server.stop();
  }
});
