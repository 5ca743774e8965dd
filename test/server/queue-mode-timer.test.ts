import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueueMode } from '../../runtime/server/queue-mode.js';

test('every awake client gets its sleeping event, even when a timer fires before the wall clock', async () => {
  const asleep = new Set<string>();
  const q = new QueueMode(200, Date.now, { awake: () => {}, sleeping: (e) => asleep.add(e) });
  for (let i = 0; i < 50; i++) q.wake(`e${i}`);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(asleep.size, 50);
  assert.equal(q.isAwake('e0'), false);
});
