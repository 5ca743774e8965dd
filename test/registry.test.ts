import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectDescriptor } from '../registry/descriptor.js';
import { createRegistry } from '../registry/create-registry.js';
import { RegistryError } from '../registry/registry-error.js';

const obj = (id: number, version: string, name = `Object ${id}`): ObjectDescriptor => ({
  id, version, name, lwm2mVersion: '1.1', urn: `urn:oma:lwm2m:x:${id}:${version}`, multiple: true, mandatory: false,
  resources: [{ id: 0, name: 'Value', identifier: 'value', operations: 'R', multiple: false, mandatory: true, type: 'float' }],
});

test('lookup by id gives the newest version, by (id, version) the exact one', () => {
  const r = createRegistry(obj(3, '1.0'), obj(3, '1.10'), obj(3, '1.2'), obj(1, '1.1'));
  assert.equal(r.size, 4);
  assert.equal(r.get(3)?.version, '1.10');
  assert.equal(r.get(3, '1.2')?.version, '1.2');
  assert.equal(r.get(3, '9.9'), undefined);
  assert.equal(r.get(4), undefined);
  assert.deepEqual(r.versions(3), ['1.0', '1.2', '1.10']);
  assert.deepEqual(r.ids(), [1, 3]);
  assert.deepEqual([...r].map((d) => `${d.id}@${d.version}`), ['1@1.1', '3@1.0', '3@1.2', '3@1.10']);
});

test('registries compose, identical duplicates are accepted, conflicts throw', () => {
  const a = createRegistry(obj(3, '1.0'));
  const b = createRegistry(a, { descriptor: obj(3, '1.0') }, [obj(4, '1.0')]);
  assert.equal(b.size, 2);
  assert.throws(() => createRegistry(a, obj(3, '1.0', 'Other')), (e) => e instanceof RegistryError && e.code === 'E_REGISTRY_CONFLICT');
  assert.throws(() => createRegistry(42 as never), (e) => e instanceof RegistryError && e.code === 'E_REGISTRY_INPUT');
});

test('a registry and its descriptors are immutable', () => {
  const r = createRegistry(obj(3, '1.0'));
  const d = r.get(3)!;
  assert.throws(() => { (d as { name: string }).name = 'x'; });
  assert.throws(() => { (d.resources[0] as { id: number }).id = 9; });
  assert.ok(Object.isFrozen(r));
});
