/** ObjectInstance's server-side write path: all-or-nothing applyWrite, the validateWrite/validateDelete hooks, resource instances. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Device } from '../../registry/index.js';
import { ModelError } from '../../runtime/model/model-error.js';
import { RefusedError } from '../../runtime/genv1/object-instance.js';

const base = { errorCode: new Map([[0, 0]]), supportedBindingAndModes: 'U', reboot: () => {} };

test('applyWrite checks every value first, then stores all and tells the listeners', async () => {
  const d = new Device.Instance(0, { ...base, utcOffset: '+01:00' });
  const changed: number[] = [];
  d.onChange((_, id) => changed.push(id));
  await d.applyWrite(new Map<number, unknown>([[14, '+02:00'], [15, 'Europe/Paris']]) as never);
  assert.equal(await d.utcOffset.get(), '+02:00');
  assert.equal(await d.timezone.get(), 'Europe/Paris');
  assert.deepEqual(changed, [14, 15]);
  await assert.rejects(d.applyWrite(new Map<number, unknown>([[15, 'UTC'], [13, 'not a date']]) as never), (e: unknown) => e instanceof ModelError && e.code === 'E_VALUE_TYPE');
  assert.equal(await d.timezone.get(), 'Europe/Paris', 'nothing stored when one value is bad');
  await d.applyWrite(new Map([[14, undefined]]));
  assert.equal(d.has(14), false, 'undefined removes an optional value');
  await assert.rejects(d.applyWrite(new Map([[11, undefined]])), /mandatory and cannot be removed/);
  await assert.rejects(d.applyWrite(new Map([[4, 'x']])), /Execute resource/);
  assert.deepEqual(changed, [14, 15, 14]);
});

test('validateWrite sees the checked values and may refuse; validateDelete may refuse', async () => {
  class Strict extends Device.Instance {
    seen: unknown[] = [];
    override validateWrite(changes: ReadonlyMap<number, unknown>): void {
      this.seen.push(...changes.values());
      if (changes.get(15) === 'Mars/Olympus') throw new RefusedError('no such zone');
    }
    override async validateDelete(): Promise<void> {
      throw new RefusedError('never', '4.05');
    }
  }
  const d = new Strict(0, base);
  await d.applyWrite(new Map([[15, 'UTC']]));
  await assert.rejects(d.applyWrite(new Map([[15, 'Mars/Olympus']])), (e: unknown) => e instanceof RefusedError && e.status === '4.00');
  assert.equal(await d.timezone.get(), 'UTC');
  assert.deepEqual(d.seen, ['UTC', 'Mars/Olympus']);
  await assert.rejects(d.validateDelete(), (e: unknown) => e instanceof RefusedError && e.status === '4.05');
});

test('resource instances and presence', async () => {
  const d = new Device.Instance(0, { ...base, errorCode: () => new Map([[0, 1], [4, 2]]) });
  assert.equal(await d.readInstance(11, 4), 2);
  assert.equal(await d.readInstance(11, 9), undefined);
  assert.equal(await d.readInstance(0, 0), undefined, 'not a multiple resource');
  assert.equal(d.has(11), true);
  assert.equal(d.has(4), true, 'an Execute handler counts');
  assert.equal(d.has(2), false);
});
