import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CodecError } from '../../runtime/codec/codec-error.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { compositeFormats, formatsFor, negotiateFormat } from '../../runtime/codec/negotiate.js';
import { parsePath } from '../../runtime/model/path.js';
import { device, everyType } from './fixtures/descriptors.js';

const res = (id: number) => device.resources.find((r) => r.id === id)!;

test('no Accept: text for single values (octet-stream for Opaque), TLV for 1.0, SenML CBOR from 1.1', () => {
  assert.equal(negotiateFormat(undefined, parsePath('/3/0/9'), '1.0', res(9)), ContentFormat.TEXT);
  assert.equal(negotiateFormat(undefined, parsePath('/32769/0/10'), '1.1', everyType.resources[10]), ContentFormat.OPAQUE);
  assert.equal(negotiateFormat(undefined, parsePath('/3/0'), '1.0'), ContentFormat.TLV);
  assert.equal(negotiateFormat(undefined, parsePath('/3/0/6'), '1.0', res(6)), ContentFormat.TLV, 'a multiple resource is not a single value');
  assert.equal(negotiateFormat(undefined, parsePath('/3'), '1.1'), ContentFormat.SENML_CBOR);
  assert.equal(negotiateFormat(undefined, parsePath('/3/0/6/0'), '1.2', res(6)), ContentFormat.TEXT);
});

test('an Accept is honoured when the path and version allow it, else E_UNSUPPORTED_FORMAT (4.06)', () => {
  const no = (e: unknown) => e instanceof CodecError && e.code === 'E_UNSUPPORTED_FORMAT';
  assert.equal(negotiateFormat(ContentFormat.SENML_JSON, parsePath('/3/0'), '1.1'), ContentFormat.SENML_JSON);
  assert.equal(negotiateFormat(ContentFormat.TLV_LEGACY, parsePath('/3/0'), '1.0'), ContentFormat.TLV_LEGACY);
  assert.throws(() => negotiateFormat(ContentFormat.SENML_JSON, parsePath('/3/0'), '1.0'), no);
  assert.throws(() => negotiateFormat(ContentFormat.LWM2M_CBOR, parsePath('/3/0'), '1.1'), no);
  assert.equal(negotiateFormat(ContentFormat.LWM2M_CBOR, parsePath('/3/0'), '1.2'), ContentFormat.LWM2M_CBOR);
  assert.throws(() => negotiateFormat(ContentFormat.TEXT, parsePath('/3/0'), '1.1'), no);
  assert.throws(() => negotiateFormat(ContentFormat.OPAQUE, parsePath('/3/0/0'), '1.1', res(0)), no);
  assert.throws(() => negotiateFormat(ContentFormat.CBOR, parsePath('/3/0/0'), '1.0', res(0)), no);
  assert.throws(() => negotiateFormat(ContentFormat.LINK, parsePath('/3/0/0'), '1.1', res(0)), no);
  assert.throws(() => negotiateFormat(1234, parsePath('/3/0/0'), '1.1', res(0)), no);
});

test('formatsFor and compositeFormats list what each version allows', () => {
  assert.deepEqual(formatsFor(parsePath('/3/0/0'), '1.0', res(0)), [0, 11542, 11543, 1542, 1543]);
  assert.deepEqual(formatsFor(parsePath('/3/0'), '1.2'), [112, 110, 11544, 11542, 11543, 1542, 1543]);
  assert.deepEqual(compositeFormats('1.0'), []);
  assert.deepEqual(compositeFormats('1.1'), [112, 110]);
  assert.deepEqual(compositeFormats('1.2'), [112, 110, 11544]);
  assert.deepEqual(formatsFor(parsePath('/3/0/0'), '1.2', res(0)), [0, 60, 112, 110, 11544, 11542, 11543, 1542, 1543]);
  assert.deepEqual(formatsFor(parsePath('/32769/0/10'), '1.1', everyType.resources[10]), [42, 0, 60, 112, 110, 11542, 11543, 1542, 1543], 'Opaque prefers octet-stream');
  assert.deepEqual(formatsFor(parsePath('/3/0/6'), '1.1', res(6)), [112, 110, 11542, 11543, 1542, 1543], 'a multiple resource is no single value');
});
