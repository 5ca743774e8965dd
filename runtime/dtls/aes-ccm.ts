import { createCipheriv } from 'node:crypto';
import type { Cipher } from 'node:crypto';
import { DtlsError } from './dtls-error.js';

const BLOCK = 16;
/** TLS AEAD nonces are 12 bytes (RFC 6655 3), which leaves L = 3 bytes of block counter. */
const NONCE_LENGTH = 12;
const L = 15 - NONCE_LENGTH;

/** Scratch space shared by every instance: all calls are synchronous and never nest. */
let counterScratch: Buffer = Buffer.alloc(2048);
let macScratch: Buffer = Buffer.alloc(2048);

function room(buf: Buffer, n: number): Buffer {
  return buf.length >= n ? buf : Buffer.alloc(Math.max(n, buf.length * 2));
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
  private chain: Buffer = Buffer.alloc(BLOCK);

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
    const tag = this.mac(nonce, aad, plaintext);
    for (let i = 0; i < n; i++) out[offset + i] = plaintext[i]! ^ keystream[BLOCK + i]!;
    for (let i = 0; i < this.tagLength; i++) out[offset + n + i] = tag[i]! ^ keystream[i]!;
  }

  /** The plaintext of ciphertext-and-tag, or null when the tag does not match. */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    const n = sealed.length - this.tagLength;
    if (n < 0) return null;
    const keystream = this.keystream(nonce, n);
    const plain = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) plain[i] = sealed[i]! ^ keystream[BLOCK + i]!;
    const tag = this.mac(nonce, aad, plain);
    // Constant time: every byte of the tag is compared whatever the first difference.
    let diff = 0;
    for (let i = 0; i < this.tagLength; i++) diff |= (tag[i]! ^ keystream[i]!) ^ sealed[n + i]!;
    return diff === 0 ? plain : null;
  }

  /** E(A0) .. E(An): the first block masks the tag, the rest the n bytes of text. */
  private keystream(nonce: Uint8Array, n: number): Buffer {
    const blocks = ((n + BLOCK - 1) >>> 4) + 1;
    const len = blocks * BLOCK;
    counterScratch = room(counterScratch, len);
    const a = counterScratch;
    for (let i = 0, o = 0; i < blocks; i++, o += BLOCK) {
      a[o] = L - 1;
      a.set(nonce, o + 1);
      a[o + 13] = (i >>> 16) & 0xff;
      a[o + 14] = (i >>> 8) & 0xff;
      a[o + 15] = i & 0xff;
    }
    return this.ecb.update(a.subarray(0, len));
  }

  /** CBC-MAC over B0, the length-prefixed AAD and the text, each zero-padded to whole blocks. */
  private mac(nonce: Uint8Array, aad: Uint8Array, text: Uint8Array): Buffer {
    const n = text.length;
    // 2-byte AAD length prefix: enough for every AAD a record has (< 2^16 - 2^8 bytes).
    const aadBlocks = aad.length === 0 ? 0 : (2 + aad.length + BLOCK - 1) >>> 4;
    const len = (1 + aadBlocks + ((n + BLOCK - 1) >>> 4)) * BLOCK;
    macScratch = room(macScratch, len);
    const m = macScratch;
    m.fill(0, 0, len);
    m[0] = (aad.length > 0 ? 0x40 : 0) | (((this.tagLength - 2) / 2) << 3) | (L - 1);
    m.set(nonce, 1);
    m[13] = (n >>> 16) & 0xff;
    m[14] = (n >>> 8) & 0xff;
    m[15] = n & 0xff;
    if (aad.length > 0) {
      m[16] = aad.length >>> 8;
      m[17] = aad.length & 0xff;
      m.set(aad, 18);
    }
    m.set(text, (1 + aadBlocks) * BLOCK);
    const chain = this.chain;
    for (let i = 0; i < BLOCK; i++) m[i]! ^= chain[i]!;
    const c = this.cbc.update(m.subarray(0, len));
    // With padding off and whole blocks OpenSSL returns every block at once; anything else
    // would break the chaining above.
    if (c.length !== len) throw new DtlsError('E_DTLS_INTERNAL', 'CBC-MAC context returned a partial output');
    this.chain = c.subarray(len - BLOCK);
    return this.chain;
  }
}
