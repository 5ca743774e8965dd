import { createCipheriv } from 'node:crypto';
import type { Cipher } from 'node:crypto';
import { DtlsError } from './dtls-error.js';

const BLOCK = 16;
/** TLS AEAD nonces are 12 bytes (RFC 6655 3), which leaves L = 3 bytes of block counter. */
const NONCE_LENGTH = 12;
const L = 15 - NONCE_LENGTH;

/**
 * Scratch space shared by every instance: all calls are synchronous and never nest. Plain
 * Uint8Arrays: a Buffer's subarray() goes through Buffer's own constructor, a cost per record.
 */
let counterScratch: Uint8Array = new Uint8Array(2048);
let macScratch: Uint8Array = new Uint8Array(2048);

/** Records whose keystream is computed ahead in one AES call, and the blocks kept per record (text of up to 112 bytes). */
const AHEAD = 8;
const AHEAD_BLOCKS = 8;
/** Calls before computing ahead pays: a handshake's one Finished per direction would waste it. */
const AHEAD_AFTER = 4;

function room(buf: Uint8Array, n: number): Uint8Array {
  return buf.length >= n ? buf : new Uint8Array(Math.max(n, buf.length * 2));
}

/**
 * AES-CCM (RFC 3610, NIST SP 800-38C) for one key, 12-byte nonces and an 8- or 16-byte tag,
 * built on two AES contexts keyed once: ECB encrypts the counter blocks, CBC computes the MAC.
 * node:crypto's own aes-128-ccm takes a new cipher object (and key schedule) per record,
 * which cost more than the record itself. The output is byte for byte node:crypto's (a test
 * compares them on random inputs).
 */
export class AesCcm {
  private readonly ecb: Cipher;
  private readonly cbc: Cipher;
  /**
   * The CBC context chains across calls: the last ciphertext block of the previous MAC. XORed
   * into the next B0 it cancels out, so every MAC starts from a zero IV as CCM requires.
   */
  private readonly chain = new Uint8Array(BLOCK);
  /**
   * Keystreams of the records that follow: record nonces are a fixed prefix (salt, epoch) and a
   * 48-bit sequence number counting up, so the next AHEAD are known. A slot is used only for the
   * exact nonce it was made for.
   */
  private ahead: Buffer | null = null;
  private readonly aheadPrefix = new Uint8Array(6);
  private aheadSeq = -1;
  private calls = 0;
  /** Where E(A0) starts in the buffer keystream() returned. */
  private ksAt = 0;

  constructor(key: Uint8Array, private readonly tagLength: number) {
    if (key.length !== 16) throw new DtlsError('E_DTLS_INTERNAL', 'AES-128-CCM needs a 16-byte key');
    if (tagLength !== 8 && tagLength !== 16) throw new DtlsError('E_DTLS_INTERNAL', `CCM tag length ${tagLength}`);
    this.ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    this.cbc = createCipheriv('aes-128-cbc', key, Buffer.alloc(BLOCK)).setAutoPadding(false);
  }

  /** Writes ciphertext then tag (plaintext.length + tagLength bytes) at out[offset..]. */
  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    const n = plaintext.length;
    const keystream = this.keystream(nonce, n);
    const at = this.ksAt;
    const tag = this.mac(nonce, aad, plaintext);
    for (let i = 0; i < n; i++) out[offset + i] = plaintext[i]! ^ keystream[at + BLOCK + i]!;
    for (let i = 0; i < this.tagLength; i++) out[offset + n + i] = tag[i]! ^ keystream[at + i]!;
  }

  /** The plaintext of ciphertext-and-tag, or null when the tag does not match. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    const n = sealed.length - this.tagLength;
    if (n < 0) return null;
    const keystream = this.keystream(nonce, n);
    const at = this.ksAt;
    const plain = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) plain[i] = sealed[i]! ^ keystream[at + BLOCK + i]!;
    const tag = this.mac(nonce, aad, plain);
    // Constant time: every byte of the tag is compared whatever the first difference.
    let diff = 0;
    for (let i = 0; i < this.tagLength; i++) diff |= (tag[i]! ^ keystream[at + i]!) ^ sealed[n + i]!;
    return diff === 0 ? plain : null;
  }

  /** E(A0) .. E(An) from ksAt on: the first block masks the tag, the rest the n bytes of text. */
  private keystream(nonce: Uint8Array, n: number): Buffer {
    const blocks = ((n + BLOCK - 1) >>> 4) + 1;
    if (blocks <= AHEAD_BLOCKS && ++this.calls > AHEAD_AFTER) {
      const seq = (nonce[6]! * 0x100 + nonce[7]!) * 0x1_0000_0000 + ((nonce[8]! << 24) >>> 0) + (nonce[9]! << 16) + (nonce[10]! << 8) + nonce[11]!;
      let same = this.ahead !== null && seq >= this.aheadSeq && seq < this.aheadSeq + AHEAD;
      for (let k = 0; same && k < 6; k++) same = nonce[k] === this.aheadPrefix[k];
      if (!same) this.fillAhead(nonce, seq);
      this.ksAt = (seq - this.aheadSeq) * AHEAD_BLOCKS * BLOCK;
      return this.ahead!;
    }
    this.ksAt = 0;
    const len = blocks * BLOCK;
    counterScratch = room(counterScratch, len);
    const a = counterScratch;
    for (let i = 0, o = 0; i < blocks; i++, o += BLOCK) {
      a[o] = L - 1;
      for (let k = 0; k < NONCE_LENGTH; k++) a[o + 1 + k] = nonce[k]!;
      a[o + 13] = (i >>> 16) & 0xff;
      a[o + 14] = (i >>> 8) & 0xff;
      a[o + 15] = i & 0xff;
    }
    return this.ecb.update(a.subarray(0, len));
  }

  /** Counter blocks A0..A7 of the nonces prefix|seq .. prefix|seq+AHEAD-1, encrypted at once. */
  private fillAhead(nonce: Uint8Array, seq: number): void {
    const len = AHEAD * AHEAD_BLOCKS * BLOCK;
    counterScratch = room(counterScratch, len);
    const a = counterScratch;
    for (let r = 0, o = 0; r < AHEAD; r++) {
      // Past 2^48 - 1 a slot is never asked for (the connection stops first); its bytes do not matter.
      const s = seq + r;
      const hi = Math.floor(s / 0x1_0000_0000);
      for (let i = 0; i < AHEAD_BLOCKS; i++, o += BLOCK) {
        a[o] = L - 1;
        for (let k = 0; k < 6; k++) a[o + 1 + k] = nonce[k]!;
        a[o + 7] = (hi >>> 8) & 0xff;
        a[o + 8] = hi & 0xff;
        a[o + 9] = (s >>> 24) & 0xff;
        a[o + 10] = (s >>> 16) & 0xff;
        a[o + 11] = (s >>> 8) & 0xff;
        a[o + 12] = s & 0xff;
        a[o + 13] = 0;
        a[o + 14] = 0;
        a[o + 15] = i;
      }
    }
    this.ahead = this.ecb.update(a.subarray(0, len));
    for (let k = 0; k < 6; k++) this.aheadPrefix[k] = nonce[k]!;
    this.aheadSeq = seq;
  }

  /** CBC-MAC over B0, the length-prefixed AAD and the text, each zero-padded to whole blocks. */
  private mac(nonce: Uint8Array, aad: Uint8Array, text: Uint8Array): Uint8Array {
    const n = text.length;
    // 2-byte AAD length prefix: enough for every AAD a record has (< 2^16 - 2^8 bytes).
    const aadBlocks = aad.length === 0 ? 0 : (2 + aad.length + BLOCK - 1) >>> 4;
    const len = (1 + aadBlocks + ((n + BLOCK - 1) >>> 4)) * BLOCK;
    macScratch = room(macScratch, len);
    const m = macScratch;
    m[0] = (aad.length > 0 ? 0x40 : 0) | (((this.tagLength - 2) / 2) << 3) | (L - 1);
    for (let k = 0; k < NONCE_LENGTH; k++) m[1 + k] = nonce[k]!;
    m[13] = (n >>> 16) & 0xff;
    m[14] = (n >>> 8) & 0xff;
    m[15] = n & 0xff;
    const textAt = (1 + aadBlocks) * BLOCK;
    if (aad.length > 0) {
      m[16] = aad.length >>> 8;
      m[17] = aad.length & 0xff;
      for (let k = 0; k < aad.length; k++) m[18 + k] = aad[k]!;
      // Zero padding up to the text (the scratch holds the last record's bytes).
      m.fill(0, 18 + aad.length, textAt);
    }
    m.set(text, textAt);
    m.fill(0, textAt + n, len);
    const chain = this.chain;
    for (let i = 0; i < BLOCK; i++) m[i]! ^= chain[i]!;
    const c = this.cbc.update(m.subarray(0, len));
    // With padding off and whole blocks OpenSSL returns every block at once; anything else
    // would break the chaining above.
    if (c.length !== len) throw new DtlsError('E_DTLS_INTERNAL', 'CBC-MAC context returned a partial output');
    for (let i = 0; i < BLOCK; i++) chain[i] = c[len - BLOCK + i]!;
    return chain;
  }
}
