/** StoredReports: order, the hqmax and per-server bounds, and a flush that stops where delivery fails. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoredReports, type StoredReport } from '../../runtime/client/stored-reports.js';

function recorder() {
  const lines: string[] = [];
  const log = { debug: () => {}, info: () => {}, error: () => {}, warn: (o: object, m?: string) => { lines.push(`${m} ${JSON.stringify(o)}`); } };
  return { lines, log };
}

test('a flush sends oldest first and stops at the first that does not get through; the next flush goes on from there', async () => {
  const { log } = recorder();
  const s = new StoredReports(log, 10);
  const delivered: string[] = [];
  let reachable = true;
  const report = (what: string, owner?: object): StoredReport => ({ owner, what, deliver: async () => {
    if (!reachable) return false;
    delivered.push(what);
    if (what === 'b') reachable = false; // the server goes away again after b
    return true;
  } });
  for (const w of ['a', 'b', 'c', 'd']) s.store(1, report(w));
  assert.equal(await s.flush(1), 2);
  assert.deepEqual(delivered, ['a', 'b']);
  assert.equal(s.size(1), 2);
  s.store(1, report('e'));
  reachable = true;
  assert.equal(await s.flush(1), 3);
  assert.deepEqual(delivered, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(s.size(1), 0);
});

test('hqmax per observation and the per-server cap drop the oldest with a log line; hqmax=0 keeps nothing; servers apart', async () => {
  const { lines, log } = recorder();
  const s = new StoredReports(log, 4);
  const sent: string[] = [];
  const r = (what: string, owner?: object): StoredReport => ({ owner, what, deliver: async () => { sent.push(what); return true; } });
  const x = {};
  const y = {};
  s.store(1, r('x1', x), 2);
  s.store(1, r('y1', y), 2);
  s.store(1, r('x2', x), 2);
  s.store(1, r('x3', x), 2); // x1 goes (hqmax 2)
  assert.equal(s.store(1, r('y0', y), 0), false);
  s.store(1, r('send1'));
  s.store(1, r('send2')); // the cap of 4: y1 goes
  s.store(2, r('other'));
  await s.flush(1);
  assert.deepEqual(sent, ['x2', 'x3', 'send1', 'send2']);
  assert.equal(s.size(2), 1);
  assert.equal(lines.filter((l) => l.includes('hqmax')).length, 1);
  assert.equal(lines.filter((l) => l.includes('full')).length, 1);
});
