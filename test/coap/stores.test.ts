import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedStore } from '../../runtime/coap/bounded-store.js';
import { DedupCache } from '../../runtime/coap/dedup-cache.js';

test('dedup cache: expiry, cap (oldest first), replaced entries, many deletes stay fast', () => {
  const c = new DedupCache(3);
  c.add('a', 't', 100, 0);
  c.add('b', 't', 100, 0);
  c.add('a', 'u', 150, 10); // replaced: the stale 'a' must not evict the new one
  c.add('c', 't', 100, 20);
  c.add('d', 't', 100, 30);
  assert.equal(c.size, 3);
  assert.equal(c.get('b', 30), undefined, 'oldest live entry evicted');
  assert.equal(c.get('a', 30)?.token, 'u');
  // The sweep stops at the first live entry (a, expiring later); c and d expire when looked up.
  c.sweep(100);
  assert.equal(c.get('c', 100), undefined);
  assert.equal(c.get('d', 100), undefined);
  assert.equal(c.size, 1);
  assert.equal(c.get('a', 149)?.token, 'u');
  assert.equal(c.get('a', 150), undefined);
  const big = new DedupCache(1000);
  const t0 = performance.now();
  for (let i = 0; i < 300_000; i++) big.add(`k${i}`, 't', i + 10_000, i);
  assert.equal(big.size, 1000);
  assert.ok(performance.now() - t0 < 3000, 'linear, not quadratic');
});

test('bounded store: entry cap, weight cap, expiry, re-insert re-weighs', () => {
  const s = new BoundedStore<{ n: number }>(3, 100, 10, (v) => v.n);
  s.set('a', { n: 4 }, 0);
  s.set('b', { n: 4 }, 0);
  assert.equal(s.weight, 8);
  s.set('c', { n: 4 }, 0);
  assert.equal(s.get('a', 0), undefined, 'weight 12 > 10 drops the oldest');
  assert.equal(s.weight, 8);
  const b = s.get('b', 0)!;
  b.n = 9;
  s.set('b', b, 1);
  assert.equal(s.get('c', 1), undefined, 'b grew to 9: c goes');
  assert.equal(s.weight, 9);
  assert.equal(s.get('b', 100)?.n, 9, 'alive until its TTL from the last set (1 + 100)');
  assert.equal(s.get('b', 101), undefined, 'expired');
  const many = new BoundedStore<number>(2, 1000);
  for (let i = 0; i < 10; i++) many.set(`k${i}`, i, i);
  assert.equal(many.size, 2);
  assert.equal(many.get('k9', 10), 9);
});
