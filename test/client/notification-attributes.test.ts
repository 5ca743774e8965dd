import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeMatters, effectiveAttributes } from '../../runtime/client/notification-attributes.js';
import { AttributeError, AttributeStore, mergeAttributes, parseAttributeQuery } from '../../runtime/client/write-attributes.js';
import { parsePath } from '../../runtime/model/path.js';

test('inheritance: resource instance, resource, instance, object, then the server defaults', () => {
  const s = new AttributeStore();
  s.set(1, '/3', { pmin: 5, pmax: 100 });
  s.set(1, '/3/0', { pmax: 60 });
  s.set(1, '/3/0/9', { gt: 80, st: 2 });
  s.set(1, '/3/0/6/1', { lt: 3 });
  s.set(2, '/3/0/9', { pmin: 1 });
  assert.deepEqual(effectiveAttributes(s, 1, parsePath('/3/0/9'), { pmin: 30, pmax: 300 }), { pmin: 5, pmax: 60, gt: 80, st: 2 });
  assert.deepEqual(effectiveAttributes(s, 1, parsePath('/3/0/6/1'), {}), { pmin: 5, pmax: 60, lt: 3 });
  // gt/lt/st set on a resource do not reach an observation of the whole instance.
  assert.deepEqual(effectiveAttributes(s, 1, parsePath('/3/0'), {}), { pmin: 5, pmax: 60 });
  // Per server; the server's defaults fill what is not set.
  assert.deepEqual(effectiveAttributes(s, 2, parsePath('/3/0/9'), { pmin: 30, pmax: 300 }), { pmin: 1, pmax: 300 });
  assert.deepEqual(effectiveAttributes(s, 3, parsePath('/4/0'), {}), { pmin: 0 });
});

test('changeMatters: crossings both ways, steps, and every change without gt/lt/st', () => {
  assert.equal(changeMatters({ pmin: 0 }, 1, 1), true);
  assert.equal(changeMatters({ pmin: 0, gt: 10 }, 5, 9), false);
  assert.equal(changeMatters({ pmin: 0, gt: 10 }, 5, 11), true);
  assert.equal(changeMatters({ pmin: 0, gt: 10 }, 11, 9), true);
  assert.equal(changeMatters({ pmin: 0, lt: 0 }, -1, -5), false);
  assert.equal(changeMatters({ pmin: 0, lt: 0 }, -1, 1), true);
  assert.equal(changeMatters({ pmin: 0, st: 2 }, 10, 11.5), false);
  assert.equal(changeMatters({ pmin: 0, st: 2 }, 10, 8), true);
  assert.equal(changeMatters({ pmin: 0, gt: 10, st: 5 }, 0, 6), true, 'st alone suffices');
  assert.equal(changeMatters({ pmin: 0, gt: 10 }, undefined, 3), true, 'nothing sent yet');
});

test('edge on booleans: only the chosen transition; con and epmax are inherited like pmax', () => {
  assert.equal(changeMatters({ pmin: 0, edge: 1 }, false, true), true);
  assert.equal(changeMatters({ pmin: 0, edge: 1 }, true, false), false);
  assert.equal(changeMatters({ pmin: 0, edge: 0 }, true, false), true);
  assert.equal(changeMatters({ pmin: 0 }, true, false), true, 'without edge every change');
  const s = new AttributeStore();
  s.set(1, '/5', { con: 1, epmax: 30 });
  s.set(1, '/5/0/7', { edge: 1 });
  assert.deepEqual(effectiveAttributes(s, 1, parsePath('/5/0/7'), {}), { pmin: 0, edge: 1, epmax: 30, con: 1 });
  assert.deepEqual(effectiveAttributes(s, 1, parsePath('/5/0'), {}), { pmin: 0, epmax: 30, con: 1 });
});

test('epmin and hqmax are inherited like pmin; a pmax below pmin and an epmin not below epmax are ignored', () => {
  const s = new AttributeStore();
  s.set(1, '/3', { epmin: 5, hqmax: 10, pmax: 30 });
  s.set(1, '/3/0/9', { pmin: 60, epmax: 5 });
  s.set(1, '/3/0/7', { hqmax: 0 });
  // pmax 30 < pmin 60: ignored; epmin 5 is not below epmax 5: ignored.
  assert.deepEqual(effectiveAttributes(s, 1, parsePath('/3/0/9'), {}), { pmin: 60, epmax: 5, hqmax: 10 });
  assert.deepEqual(effectiveAttributes(s, 1, parsePath('/3/0/7'), {}), { pmin: 0, pmax: 30, epmin: 5, hqmax: 0 });
  // The server's default pmax below an attached pmin is ignored too.
  assert.deepEqual(effectiveAttributes(s, 2, parsePath('/3/0/9'), { pmin: 10, pmax: 5 }), { pmin: 10 });
});

test('validity: epmin must be below epmax; hqmax is a 1.2 non-negative integer; epmin is 1.1+', () => {
  const res = { level: 'resource' as const };
  assert.throws(() => mergeAttributes({ epmax: 5 }, parseAttributeQuery(['epmin=5'], res, '1.1')), AttributeError);
  assert.deepEqual(mergeAttributes({ epmax: 5 }, parseAttributeQuery(['epmin=4'], res, '1.1')), { epmax: 5, epmin: 4 });
  assert.throws(() => parseAttributeQuery(['epmin=1'], res, '1.0'), AttributeError);
  assert.throws(() => parseAttributeQuery(['hqmax=3'], res, '1.1'), AttributeError);
  assert.throws(() => parseAttributeQuery(['hqmax=-1'], res, '1.2'), AttributeError);
  assert.throws(() => parseAttributeQuery(['hqmax=1.5'], res, '1.2'), AttributeError);
  assert.deepEqual([...parseAttributeQuery(['hqmax=0', 'epmin=2'], { level: 'object' }, '1.2')], [['hqmax', 0], ['epmin', 2]]);
});
