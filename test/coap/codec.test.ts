import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as coapPacket from 'coap-packet';
import fc from 'fast-check';
import { decodeBlock, encodeBlock, szxForSize } from '../../runtime/coap/block-option.js';
import { decode, encode, encodeEmpty } from '../../runtime/coap/codec.js';
import { MessageType, codeText, parseCodeText } from '../../runtime/coap/codes.js';
import type { CoapMessage } from '../../runtime/coap/message.js';
import { decodeUint, encodeUint, firstBadCriticalOption } from '../../runtime/coap/options.js';

const arbMessage: fc.Arbitrary<CoapMessage> = fc.record({
  type: fc.constantFrom(MessageType.CON, MessageType.NON, MessageType.ACK, MessageType.RST),
  code: fc.integer({ min: 1, max: 255 }),
  messageId: fc.integer({ min: 0, max: 0xffff }),
  token: fc.uint8Array({ maxLength: 8 }),
  options: fc.array(fc.record({ number: fc.integer({ min: 1, max: 2000 }), value: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 8 })
    .map((os) => [...os].sort((a, b) => a.number - b.number)),
  payload: fc.uint8Array({ maxLength: 200 }),
});

function plain(m: CoapMessage): unknown {
  return { ...m, token: [...m.token], payload: [...m.payload], options: m.options.map((o) => ({ number: o.number, value: [...o.value] })) };
}

test('encode then decode is the identity (property)', () => {
  fc.assert(fc.property(arbMessage, (m) => {
    const r = decode(encode(m));
    assert.ok(r.ok);
    assert.deepEqual(plain(r.message), plain(m));
  }), { numRuns: 2000, seed: 42 });
});

test('coap-packet agrees with our encoder and decoder (property)', () => {
  fc.assert(fc.property(arbMessage, (m) => {
    const theirs = coapPacket.parse(Buffer.from(encode(m)));
    assert.equal(theirs.messageId, m.messageId);
    assert.deepEqual([...theirs.token], [...m.token]);
    assert.deepEqual([...theirs.payload], [...m.payload]);
    assert.equal(theirs.options.length, m.options.length);
    const back = coapPacket.generate({
      messageId: m.messageId, token: Buffer.from(m.token), code: codeText(m.code), confirmable: m.type === 0, ack: m.type === 2, reset: m.type === 3,
      options: m.options.map((o) => ({ name: o.number, value: Buffer.from(o.value) })), payload: Buffer.from(m.payload),
    }, 65535);
    const r = decode(back);
    assert.ok(r.ok);
    assert.deepEqual(plain(r.message), plain(m));
  }), { numRuns: 500, seed: 7 });
});

test('extended option deltas and lengths (13, 14 nibbles) round-trip at their edges', () => {
  for (const number of [12, 13, 268, 269, 270, 65535]) {
    for (const len of [0, 12, 13, 268, 269, 1034]) {
      const m: CoapMessage = { type: 0, code: 1, messageId: 1, token: new Uint8Array(0), options: [{ number, value: new Uint8Array(len).fill(7) }], payload: new Uint8Array(0) };
      const r = decode(encode(m));
      assert.ok(r.ok, `${number}/${len}`);
      assert.equal(r.message.options[0]?.number, number);
      assert.equal(r.message.options[0]?.value.length, len);
    }
  }
});

test('format errors are reported with the header so a CON can be reset', () => {
  const cases: [number[], string][] = [
    [[0x40, 1, 0], 'shorter than the header'],
    [[0x80, 1, 0, 1], 'unknown version'],
    [[0x49, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'token length 9-15'],
    [[0x41, 0, 0, 1, 9], 'empty message with content'],
    [[0x40, 0, 0, 1, 0xff], 'empty message with content'],
    [[0x40, 1, 0, 1, 0xff], 'payload marker without payload'],
    [[0x40, 1, 0, 1, 0xf1, 0], 'option delta 15'],
    [[0x40, 1, 0, 1, 0x1f, 0], 'option length 15'],
    [[0x40, 1, 0, 1, 0xb5, 1, 2], 'truncated option value'],
    [[0x40, 1, 0, 1, 0xd0], 'truncated option delta'],
    [[0x44, 1, 0, 1, 1], 'truncated token'],
  ];
  for (const [bytes, reason] of cases) {
    const r = decode(Uint8Array.from(bytes));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.reason, reason);
      if (bytes.length >= 4 && bytes[0]! >> 6 === 1) assert.deepEqual(r.header, { type: (bytes[0]! >> 4) & 3, messageId: 1 });
    }
  }
  assert.deepEqual([...encodeEmpty(MessageType.RST, 0x1234)], [0x70, 0, 0x12, 0x34]);
});

test('uint options, block values and codes', () => {
  for (const n of [0, 1, 255, 256, 65535, 65536, 0xffffff, 0x1000000, 0xffffffff]) assert.equal(decodeUint(encodeUint(n)), n);
  assert.equal(encodeUint(0).length, 0);
  assert.equal(encodeUint(256).length, 2);
  for (const b of [{ num: 0, more: false, szx: 0 }, { num: 1, more: true, szx: 6 }, { num: 0xfffff, more: true, szx: 2 }]) {
    assert.deepEqual(decodeBlock(encodeBlock(b)), b);
  }
  assert.equal(decodeBlock(Uint8Array.of(0x0f)), undefined, 'SZX 7 (BERT) is not supported');
  assert.equal(decodeBlock(Uint8Array.of(1, 2, 3, 4)), undefined);
  assert.equal(szxForSize(1024), 6);
  assert.equal(szxForSize(1000), 5);
  assert.equal(szxForSize(16), 0);
  assert.equal(codeText(0x45), '2.05');
  assert.equal(codeText(0x8d), '4.13');
  assert.equal(parseCodeText('4.04'), 0x84);
  assert.equal(parseCodeText('4.4'), undefined);
  assert.equal(firstBadCriticalOption([{ number: 11, value: new Uint8Array(3) }]), undefined);
  assert.equal(firstBadCriticalOption([{ number: 9, value: new Uint8Array(0) }]), 9, 'unknown critical');
  assert.equal(firstBadCriticalOption([{ number: 27, value: new Uint8Array(4) }]), 27, 'Block1 too long');
  assert.equal(firstBadCriticalOption([{ number: 2, value: new Uint8Array(0) }]), undefined, 'elective is ignored');
});
