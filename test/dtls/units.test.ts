import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prf } from '../../runtime/dtls/prf.js';
import { ReplayWindow } from '../../runtime/dtls/replay-window.js';
import { parseRecords, encodeRecord, ContentType, DTLS_1_2, MAX_SEQUENCE } from '../../runtime/dtls/record.js';
import { HandshakeReassembler } from '../../runtime/dtls/handshake-reassembler.js';
import { fragmentHandshakeMessage, parseHandshakeFragments } from '../../runtime/dtls/handshake-fragment.js';
import { CookieJar } from '../../runtime/dtls/cookie.js';
import { parseClientHello, encodeClientHello } from '../../runtime/dtls/handshake-hello.js';
import { AeadRecordCipher } from '../../runtime/dtls/record-cipher.js';
import { CbcRecordCipher } from '../../runtime/dtls/cbc-record-cipher.js';
import { TLS_PSK_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_GCM_SHA256 } from '../../runtime/dtls/cipher-suite.js';
import { DtlsError } from '../../runtime/dtls/dtls-error.js';
import { RetransmitTimer } from '../../runtime/dtls/retransmit-timer.js';

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('PRF (TLS 1.2, SHA-256) matches the published test vector', () => {
  const out = prf(hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100);
  assert.equal(Buffer.from(out).toString('hex'),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66');
});

test('replay window: new numbers pass, repeats and numbers left of the window fail', () => {
  const w = new ReplayWindow();
  assert.ok(w.check(0));
  w.accept(0);
  assert.equal(w.check(0), false);
  w.accept(5);
  assert.ok(w.check(3));
  w.accept(3);
  assert.equal(w.check(3), false);
  w.accept(200);
  assert.equal(w.check(136), false, 'left of the 64-wide window');
  assert.ok(w.check(137));
  assert.equal(w.check(200), false);
  w.accept(MAX_SEQUENCE);
  assert.equal(w.check(MAX_SEQUENCE), false, '48-bit numbers are exact');
  assert.ok(w.check(MAX_SEQUENCE - 1));
});

test('record parsing is strict about bounds, type and version', () => {
  const rec = encodeRecord(ContentType.handshake, DTLS_1_2, 1, 0x123456789a, Uint8Array.of(1, 2, 3));
  const two = Buffer.concat([rec, rec]);
  const { records, error } = parseRecords(two);
  assert.equal(error, undefined);
  assert.equal(records.length, 2);
  assert.equal(records[0]!.sequence, 0x123456789a);
  assert.equal(records[0]!.epoch, 1);
  assert.deepEqual([...records[1]!.fragment], [1, 2, 3]);
  assert.equal(parseRecords(rec.subarray(0, 12)).error?.code, 'E_DTLS_BAD_RECORD');
  assert.equal(parseRecords(rec.subarray(0, rec.length - 1)).error?.code, 'E_DTLS_BAD_RECORD');
  const badType = Uint8Array.from(rec); badType[0] = 99;
  assert.equal(parseRecords(badType).error?.code, 'E_DTLS_BAD_RECORD');
  const badVersion = Uint8Array.from(rec); badVersion[1] = 3;
  assert.equal(parseRecords(badVersion).error?.code, 'E_DTLS_BAD_RECORD');
  const partial = parseRecords(Buffer.concat([rec, Uint8Array.of(22, 0xfe)]));
  assert.equal(partial.records.length, 1, 'records before a bad one are kept');
  assert.ok(partial.error instanceof DtlsError);
});

test('handshake fragmentation and reassembly, in any order, with overlaps and duplicates', () => {
  const body = new Uint8Array(1000).map((_, i) => i & 0xff);
  const frags = fragmentHandshakeMessage({ type: 11, messageSeq: 2, body }, 170);
  assert.equal(frags.length, 6);
  const r = new HandshakeReassembler(4096);
  r.reset(2);
  const parsed = frags.flatMap((f) => parseHandshakeFragments(f, 4096));
  for (const f of [...parsed].reverse()) {
    assert.equal(r.add(f), 'stored');
    if (f !== parsed[0]) assert.equal(r.pop(), null);
  }
  r.add(parsed[3]!);
  const msg = r.pop();
  assert.ok(msg !== null);
  assert.equal(msg.messageSeq, 2);
  assert.deepEqual(msg.body, body);
  assert.equal(r.add(parsed[0]!), 'old', 'a fragment of a delivered message is a retransmission');
  assert.equal(r.add({ ...parsed[0]!, messageSeq: 40 }), 'ignored', 'far-future messages are not buffered');
});

test('reassembly is bounded: oversized messages and disagreeing fragments throw', () => {
  assert.throws(() => parseHandshakeFragments(Uint8Array.from([1, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 8192), (e) => e instanceof DtlsError && e.code === 'E_DTLS_HANDSHAKE_TOO_LARGE');
  assert.throws(() => parseHandshakeFragments(Uint8Array.from([1, 0, 0, 10, 0, 0, 0, 0, 0, 8, 0, 0, 3]), 8192), (e) => e instanceof DtlsError && e.code === 'E_DTLS_DECODE');
  const r = new HandshakeReassembler(100);
  assert.throws(() => r.add({ type: 1, length: 200, messageSeq: 0, fragmentOffset: 0, body: new Uint8Array(10) }), (e) => e instanceof DtlsError && e.code === 'E_DTLS_HANDSHAKE_TOO_LARGE');
  r.add({ type: 1, length: 50, messageSeq: 0, fragmentOffset: 0, body: new Uint8Array(10) });
  assert.throws(() => r.add({ type: 2, length: 50, messageSeq: 0, fragmentOffset: 10, body: new Uint8Array(10) }), (e) => e instanceof DtlsError && e.code === 'E_DTLS_ILLEGAL_PARAMETER');
});

test('cookies bind the address and hello, survive one rotation, not two', () => {
  let now = 0;
  const jar = new CookieJar(1000, () => now);
  const hello = parseClientHello(encodeClientHello({
    version: DTLS_1_2, random: new Uint8Array(32).fill(7), sessionId: new Uint8Array(0), cookie: new Uint8Array(0),
    cipherSuites: [0xc0a8], compressionMethods: Uint8Array.of(0), extensions: [],
  }));
  const peer = { address: '127.0.0.1', port: 5684 };
  const cookie = jar.issue(peer, hello);
  const withCookie = { ...hello, cookie };
  assert.ok(jar.verify(peer, withCookie));
  assert.equal(jar.verify({ ...peer, port: 5685 }, withCookie), false, 'another port');
  assert.equal(jar.verify(peer, { ...withCookie, random: new Uint8Array(32) }), false, 'another hello');
  now = 1500;
  assert.ok(jar.verify(peer, withCookie), 'previous secret still valid');
  now = 2600;
  assert.equal(jar.verify(peer, withCookie), false, 'two rotations later');
});

test('AEAD record protection: CCM_8 and GCM round-trip; any flipped bit fails', () => {
  for (const suite of [TLS_PSK_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_GCM_SHA256]) {
    const c = new AeadRecordCipher(suite, new Uint8Array(16).fill(1), Uint8Array.of(1, 2, 3, 4));
    const sealed = c.seal(23, DTLS_1_2, 1, 7, Buffer.from('payload'));
    assert.equal(sealed.length, 8 + 7 + suite.tagLength);
    assert.equal(Buffer.from(c.open(23, DTLS_1_2, 1, 7, sealed)!).toString(), 'payload');
    assert.equal(c.open(23, DTLS_1_2, 1, 8, sealed), null, 'another sequence number (AAD)');
    assert.equal(c.open(22, DTLS_1_2, 1, 7, sealed), null, 'another content type (AAD)');
    for (let i = 0; i < sealed.length; i++) {
      const t = Uint8Array.from(sealed); t[i]! ^= 0x01;
      assert.equal(c.open(23, DTLS_1_2, 1, 7, t), null, `bit flipped at ${i}`);
    }
    assert.equal(c.open(23, DTLS_1_2, 1, 7, sealed.subarray(0, 10)), null);
  }
});

test('CBC-SHA256 record protection: round-trips any length; flipped bits, bad padding and truncation fail', () => {
  const c = new CbcRecordCipher(new Uint8Array(16).fill(2), new Uint8Array(32).fill(3));
  for (let n = 0; n < 40; n++) {
    const p = new Uint8Array(n).fill(n);
    const sealed = c.seal(23, DTLS_1_2, 1, n, p);
    assert.equal((sealed.length - 16) % 16, 0);
    assert.deepEqual(new Uint8Array(c.open(23, DTLS_1_2, 1, n, sealed)!), p);
    assert.equal(c.open(23, DTLS_1_2, 1, n + 1, sealed), null);
  }
  const sealed = c.seal(23, DTLS_1_2, 1, 5, Buffer.from('hello cbc'));
  for (let i = 0; i < sealed.length; i++) {
    const t = Uint8Array.from(sealed); t[i]! ^= 0x80;
    assert.equal(c.open(23, DTLS_1_2, 1, 5, t), null, `bit flipped at ${i}`);
  }
  assert.equal(c.open(23, DTLS_1_2, 1, 5, sealed.subarray(0, sealed.length - 16)), null);
  assert.equal(c.open(23, DTLS_1_2, 1, 5, sealed.subarray(0, 20)), null);
});

test('CBC-SHA256 with encrypt-then-MAC (RFC 7366): round-trips; the MAC covers IV and ciphertext', () => {
  const c = new CbcRecordCipher(new Uint8Array(16).fill(2), new Uint8Array(32).fill(3), true);
  for (let n = 0; n < 40; n++) {
    const p = new Uint8Array(n).fill(n);
    const sealed = c.seal(23, DTLS_1_2, 1, n, p);
    assert.equal((sealed.length - 32) % 16, 0);
    assert.deepEqual(new Uint8Array(c.open(23, DTLS_1_2, 1, n, sealed)!), p);
    assert.equal(c.open(22, DTLS_1_2, 1, n, sealed), null);
  }
  const sealed = c.seal(23, DTLS_1_2, 1, 5, Buffer.from('hello etm'));
  for (let i = 0; i < sealed.length; i++) {
    const t = Uint8Array.from(sealed); t[i]! ^= 0x01;
    assert.equal(c.open(23, DTLS_1_2, 1, 5, t), null, `bit flipped at ${i}`);
  }
  const mte = new CbcRecordCipher(new Uint8Array(16).fill(2), new Uint8Array(32).fill(3), false);
  assert.equal(mte.open(23, DTLS_1_2, 1, 5, sealed), null, 'the two layouts do not mix');
});

test('retransmission timer doubles its delay and gives up after maxAttempts', async () => {
  const fired: number[] = [];
  const start = Date.now();
  // The timer is unref'd (it must not hold a process open): keep the loop alive meanwhile.
  const keepAlive = setTimeout(() => undefined, 5000);
  await new Promise<void>((resolve) => {
    const t = new RetransmitTimer({ initialMs: 20, maxMs: 60, maxAttempts: 3 }, () => fired.push(Date.now() - start), resolve);
    t.start();
  });
  clearTimeout(keepAlive);
  assert.equal(fired.length, 3);
  // 20, then 40, then 60 (capped), then give up after 60 more.
  assert.ok(fired[0]! >= 18 && fired[1]! >= 55 && fired[2]! >= 110, JSON.stringify(fired));
});
