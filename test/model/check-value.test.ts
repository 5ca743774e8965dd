import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceDescriptor } from '../../registry/descriptor.js';
import { checkValue, normalizeInteger } from '../../runtime/model/check-value.js';
import { ModelError } from '../../runtime/model/model-error.js';
import { device, everyType } from '../codec/fixtures/descriptors.js';

const res = (id: number): ResourceDescriptor => device.resources.find((r) => r.id === id)!;
const t = (id: number): ResourceDescriptor => everyType.resources.find((r) => r.id === id)!;
const code = (c: string, re?: RegExp) => (e: unknown) => e instanceof ModelError && e.code === c && (re === undefined || re.test(e.message));

test('a range error names object, resource, value and range', () => {
  assert.throws(() => checkValue(150, res(9), device), code('E_VALUE_RANGE', /^object 3 \(Device\) resource 9 \(Battery Level\): value 150 is outside the range 0\.\.100$/));
  assert.equal(checkValue(100, res(9), device), 100);
  assert.equal(checkValue(0, res(9), device), 0);
});

test('types are enforced', () => {
  assert.throws(() => checkValue('5', res(9), device), code('E_VALUE_TYPE', /Battery Level.*not of type integer/));
  assert.throws(() => checkValue(1.5, res(9), device), code('E_VALUE_TYPE'));
  assert.throws(() => checkValue(new Date(NaN), res(13), device), code('E_VALUE_TYPE'));
  assert.throws(() => checkValue({ objectId: 70000, instanceId: 0 }, res(22), device), code('E_VALUE_TYPE'));
  assert.throws(() => checkValue([{ target: 1 }], t(16), everyType), code('E_VALUE_TYPE'));
  assert.throws(() => checkValue(-1, t(4), everyType), code('E_VALUE_TYPE', /unsigned 64-bit/));
  assert.throws(() => checkValue(1n << 64n, t(4), everyType), code('E_VALUE_TYPE'));
  assert.throws(() => checkValue(1n << 63n, t(2), everyType), code('E_VALUE_TYPE'));
  assert.throws(() => checkValue(2 ** 60, t(2), everyType), code('E_VALUE_TYPE'), 'an unsafe integer number is refused: it is not exact');
  assert.equal(checkValue((1n << 64n) - 1n, t(4), everyType), (1n << 64n) - 1n);
  assert.equal(checkValue(-(1n << 63n), t(2), everyType), -(1n << 63n));
  assert.equal(checkValue(Number.NaN, t(6), everyType), Number.NaN);
});

test('integers normalise to number when safe, bigint beyond', () => {
  assert.equal(checkValue(5n, t(2), everyType), 5);
  assert.equal(normalizeInteger(9007199254740992n), 9007199254740992n);
  assert.equal(normalizeInteger(-0), 0);
});

test('64-bit bounds are compared exactly, length and enum constraints', () => {
  const big: ResourceDescriptor = { ...t(4), range: { raw: '0..18446744073709551614', parsed: { kind: 'range', intervals: [{ min: '0', max: '18446744073709551614' }] } } };
  assert.equal(checkValue(18446744073709551614n, big), 18446744073709551614n);
  assert.throws(() => checkValue(18446744073709551615n, big), code('E_VALUE_RANGE'));
  const len: ResourceDescriptor = { ...t(0), range: { raw: '0..3', parsed: { kind: 'length', min: 0, max: 3 } } };
  assert.equal(checkValue('a😀c', len), 'a😀c', 'length counts characters, not UTF-16 units');
  assert.throws(() => checkValue('abcd', len), code('E_VALUE_LENGTH'));
  const en: ResourceDescriptor = { ...t(0), range: { raw: 'U,UQ', parsed: { kind: 'enum', values: ['U', 'UQ'] } } };
  assert.throws(() => checkValue('S', en), code('E_VALUE_ENUM', /"U", "UQ"/));
  const multi: ResourceDescriptor = { ...t(2), range: { raw: '1,5..7', parsed: { kind: 'range', intervals: [{ min: '1', max: '1' }, { min: '5', max: '7' }] } } };
  assert.equal(checkValue(6, multi), 6);
  assert.throws(() => checkValue(3, multi), code('E_VALUE_RANGE', /1, 5\.\.7/));
  const fl: ResourceDescriptor = { ...t(6), range: { raw: '-1.5..1.5', parsed: { kind: 'range', intervals: [{ min: '-1.5', max: '1.5' }] } } };
  assert.equal(checkValue(1.5, fl), 1.5);
  assert.throws(() => checkValue(1.6, fl), code('E_VALUE_RANGE'));
  assert.throws(() => checkValue(Number.NaN, fl), code('E_VALUE_RANGE'));
});
