import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRange } from '../../codegen/range.js';

const parsed = (raw: string, type: Parameters<typeof parseRange>[1]) => {
  const r = parseRange(raw, type);
  assert.ok(r && 'parsed' in r, `${raw} should parse, got ${JSON.stringify(r)}`);
  return r.parsed;
};
const warning = (raw: string, type: Parameters<typeof parseRange>[1]) => {
  const r = parseRange(raw, type);
  assert.ok(r && 'warning' in r, `${raw} should not parse, got ${JSON.stringify(r)}`);
  return r.warning;
};

test('numeric ranges in the registry\'s free-text forms', () => {
  for (const raw of ['0..100', '0-100', '0...100', '0 - 100', '0 to 100', '[0:100]']) {
    assert.deepEqual(parsed(raw, 'integer'), { kind: 'range', intervals: [{ min: '0', max: '100' }] }, raw);
  }
  assert.deepEqual(parsed('-1..1', 'integer'), { kind: 'range', intervals: [{ min: '-1', max: '1' }] });
  assert.deepEqual(parsed('-180..180', 'float'), { kind: 'range', intervals: [{ min: '-180', max: '180' }] });
  assert.deepEqual(parsed('0.000001..1.0', 'float'), { kind: 'range', intervals: [{ min: '0.000001', max: '1.0' }] });
  assert.deepEqual(parsed('0..18446744073709551615', 'unsignedInteger'), { kind: 'range', intervals: [{ min: '0', max: '18446744073709551615' }] });
  assert.deepEqual(parsed('0..3, 99', 'integer'), { kind: 'range', intervals: [{ min: '0', max: '3' }, { min: '99', max: '99' }] });
  assert.deepEqual(parsed('10,26', 'integer'), { kind: 'range', intervals: [{ min: '10', max: '10' }, { min: '26', max: '26' }] });
  assert.deepEqual(parsed('0; 3.8..20.5', 'float'), { kind: 'range', intervals: [{ min: '0', max: '0' }, { min: '3.8', max: '20.5' }] });
  assert.deepEqual(parsed('0: Idle\n1: Downloading\n2: Downloaded', 'integer'), {
    kind: 'range',
    intervals: [{ min: '0', max: '0', label: 'Idle' }, { min: '1', max: '1', label: 'Downloading' }, { min: '2', max: '2', label: 'Downloaded' }],
  });
});

test('lengths and enumerations of strings and opaque values', () => {
  assert.deepEqual(parsed('0..255 bytes', 'opaque'), { kind: 'length', min: 0, max: 255 });
  assert.deepEqual(parsed('1..64 Bytes', 'string'), { kind: 'length', min: 1, max: 64 });
  assert.deepEqual(parsed('32 bytes', 'opaque'), { kind: 'length', min: 32, max: 32 });
  assert.deepEqual(parsed('0-255', 'string'), { kind: 'length', min: 0, max: 255 });
  assert.deepEqual(parsed('ON;OFF', 'string'), { kind: 'enum', values: ['ON', 'OFF'] });
});

test('what is not clear is kept as text, with a code saying why', () => {
  assert.equal(warning('255', 'integer'), 'W_RANGE_UNPARSED');
  assert.equal(warning('8-Bits', 'integer'), 'W_RANGE_UNPARSED');
  assert.equal(warning('2 Instances', 'integer'), 'W_RANGE_UNPARSED');
  assert.equal(warning('<7 to >12.5', 'float'), 'W_RANGE_UNPARSED');
  assert.equal(warning('The possible values are those listed in the LwM2M Core Specification', 'unsignedInteger'), 'W_RANGE_UNPARSED');
  assert.equal(warning('-30..-120', 'integer'), 'W_RANGE_MIN_GT_MAX');
  assert.equal(warning('0..1', 'boolean'), 'W_RANGE_ON_BOOLEAN');
  assert.equal(warning('0..1', 'objlnk'), 'W_RANGE_ON_TYPE');
  assert.equal(parseRange('  ', 'integer'), undefined);
});
