import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelError } from '../../runtime/model/model-error.js';
import { instanceNode, multipleResourceNode, objectNode, resourceNode } from '../../runtime/model/node.js';
import { nodeToRecords, recordsToNode } from '../../runtime/model/node-records.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { formatPath, parsePath } from '../../runtime/model/path.js';
import { createRegistry } from '../../registry/create-registry.js';
import { descriptors } from '../codec/fixtures/descriptors.js';

const resolve = objectResolver(createRegistry(descriptors));

test('nodes flatten to records in path order and rebuild from them', () => {
  const node = objectNode(3, [instanceNode(0, [resourceNode(9, 80), multipleResourceNode(6, [[1, 5], [0, 1]]), resourceNode(0, 'Acme')])]);
  const recs = nodeToRecords(parsePath('/3'), node);
  assert.deepEqual(recs.map((r) => formatPath(r.path)), ['/3/0/0', '/3/0/6/0', '/3/0/6/1', '/3/0/9']);
  assert.deepEqual(recordsToNode(parsePath('/3'), recs, resolve), objectNode(3, [instanceNode(0, [resourceNode(0, 'Acme'), multipleResourceNode(6, [[0, 1], [1, 5]]), resourceNode(9, 80)])]));
  assert.deepEqual(recordsToNode(parsePath('/3/0/6'), recs.slice(1, 3), resolve), multipleResourceNode(6, [[0, 1], [1, 5]]));
  assert.deepEqual(recordsToNode(parsePath('/3/0/6/1'), recs.slice(2, 3), resolve), { kind: 'resourceInstance', id: 1, value: 5 });
});

test('records that do not fit the path or the descriptor are E_NODE_SHAPE / E_UNKNOWN_RESOURCE', () => {
  const shape = (e: unknown) => e instanceof ModelError && e.code === 'E_NODE_SHAPE';
  assert.throws(() => recordsToNode(parsePath('/3/1'), [{ path: parsePath('/3/0/9'), value: 1 }], resolve), shape);
  assert.throws(() => recordsToNode(parsePath('/3/0'), [{ path: parsePath('/3/0/6'), value: 1 }], resolve), shape);
  assert.throws(() => recordsToNode(parsePath('/3/0'), [{ path: parsePath('/3/0/9/0'), value: 1 }], resolve), shape);
  assert.throws(() => recordsToNode(parsePath('/3/0'), [{ path: parsePath('/3/0/99'), value: 1 }], resolve), (e) => e instanceof ModelError && e.code === 'E_UNKNOWN_RESOURCE');
  assert.throws(() => nodeToRecords(parsePath('/3/0'), resourceNode(0, 'x')), shape);
});
