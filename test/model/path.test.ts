import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelError } from '../../runtime/model/model-error.js';
import { comparePaths, formatPath, isPathPrefix, parsePath, pathFromIds, pathLevel, validatePath, type LwM2MPath } from '../../runtime/model/path.js';

const code = (c: string) => (e: unknown) => e instanceof ModelError && e.code === c;

test('parsePath reads the four levels, with or without the leading slash', () => {
  assert.deepEqual(parsePath('/3'), { objectId: 3 });
  assert.deepEqual(parsePath('/3/0'), { objectId: 3, instanceId: 0 });
  assert.deepEqual(parsePath('3/0/9'), { objectId: 3, instanceId: 0, resourceId: 9 });
  assert.deepEqual(parsePath('/3/0/11/2'), { objectId: 3, instanceId: 0, resourceId: 11, resourceInstanceId: 2 });
  assert.equal(pathLevel(parsePath('/3')), 'object');
  assert.equal(pathLevel(parsePath('/3/0')), 'instance');
  assert.equal(pathLevel(parsePath('/3/0/1')), 'resource');
  assert.equal(pathLevel(parsePath('/3/0/1/0')), 'resourceInstance');
});

test('parsePath refuses malformed paths with E_PATH_INVALID', () => {
  for (const bad of ['', '/', '//3', '/3/', '/3//0', '/a', '/3/0/1/2/3', '/03', '/3/-1', '/65535', '/3/65535', '/1.5', '/3/0 ', '/99999', '/3/0/70000']) {
    assert.throws(() => parsePath(bad), code('E_PATH_INVALID'), bad);
  }
});

test('formatPath is the inverse of parsePath', () => {
  for (const s of ['/0', '/3/0', '/3/0/9', '/3/0/11/2', '/65534/65534/65534/65534']) assert.equal(formatPath(parsePath(s)), s);
});

test('pathFromIds and validatePath check ids and shape', () => {
  assert.deepEqual(pathFromIds([1, 2]), { objectId: 1, instanceId: 2 });
  assert.throws(() => pathFromIds([]), code('E_PATH_INVALID'));
  assert.throws(() => pathFromIds([1, 2.5]), code('E_PATH_INVALID'));
  assert.throws(() => validatePath({ objectId: 3, resourceId: 1 }), code('E_PATH_INVALID'));
  assert.throws(() => validatePath({ objectId: 3, instanceId: 0, resourceInstanceId: 1 }), code('E_PATH_INVALID'));
});

test('comparePaths orders numerically, parents first; isPathPrefix', () => {
  const ps: LwM2MPath[] = ['/3/0/11/0', '/10', '/3/0', '/3', '/3/0/2', '/3/0/11', '/1/0/1', '/3/1'].map(parsePath);
  assert.deepEqual(ps.sort(comparePaths).map(formatPath), ['/1/0/1', '/3', '/3/0', '/3/0/2', '/3/0/11', '/3/0/11/0', '/3/1', '/10']);
  assert.ok(isPathPrefix(parsePath('/3/0'), parsePath('/3/0/1')));
  assert.ok(isPathPrefix(parsePath('/3/0'), parsePath('/3/0')));
  assert.ok(!isPathPrefix(parsePath('/3/0/1'), parsePath('/3/0')));
  assert.ok(!isPathPrefix(parsePath('/3/1'), parsePath('/3/10/1')));
});

test('property: format/parse round-trip, and comparePaths is a total order consistent with the ids', async () => {
  const fc = (await import('fast-check')).default;
  const ids = fc.array(fc.integer({ min: 0, max: 65534 }), { minLength: 1, maxLength: 4 });
  fc.assert(fc.property(ids, ids, (a, b) => {
    const pa = pathFromIds(a);
    const pb = pathFromIds(b);
    assert.deepEqual(parsePath(formatPath(pa)), pa);
    const c = comparePaths(pa, pb);
    assert.equal(Math.sign(c), -Math.sign(comparePaths(pb, pa)));
    assert.equal(c === 0, formatPath(pa) === formatPath(pb));
    if (isPathPrefix(pa, pb) && a.length < b.length) assert.ok(c < 0);
  }), { numRuns: 2000, seed: 5 });
});
