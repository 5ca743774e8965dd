import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherGCMTypes } from 'node:crypto';
import { AesCcm } from './aes-ccm.js';
import type { CipherSuite } from './cipher-suite.js';
import { writeAeadAdditionalData, writeCidAdditionalData } from './record.js';

/** Protects the records of one direction of one epoch. */
export interface RecordCipher {
  /** Most bytes a record body grows by. */
  readonly overhead: number;
  /**
   * Writes the protected record body at out[offset..] (there is room for plaintext.length +
   * overhead bytes) and returns its length; `cid` switches to the RFC 9146 additional data.
   */
  sealInto(out: Uint8Array, offset: number, type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array, cid?: Uint8Array): number;
  /** The protected record body, in a buffer of its own. */
  seal(type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array;
  /** The plaintext, or null when the record does not authenticate (never throws). */
  open(type: number, version: number, epoch: number, sequence: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null;
}

const EXPLICIT_NONCE_LENGTH = 8;
/** Scratch for the additional data (13 bytes, or 23 + a CID of at most 255); a plain Uint8Array, whose subarray() is cheap. */
const aadScratch = new Uint8Array(23 + 255);

/** AEAD record protection (RFC 5246 6.2.3.3, RFC 5288, RFC 6655): CCM, CCM_8, GCM. */
export class AeadRecordCipher implements RecordCipher {
  private readonly ccm: AesCcm | null;
  /** salt (4 bytes) + explicit part (8 bytes), rewritten for every record. */
  private readonly nonce = new Uint8Array(12);

  constructor(
    private readonly suite: CipherSuite,
    private readonly key: Uint8Array,
    salt: Uint8Array,
  ) {
    this.nonce.set(salt, 0);
    this.ccm = suite.cipher === 'aes-128-ccm' ? new AesCcm(key, suite.tagLength) : null;
  }

  /** Overhead a record body grows by: explicit nonce plus tag. */
  get overhead(): number { return this.suite.recordIvLength + this.suite.tagLength; }

  private aad(type: number, version: number, epoch: number, sequence: number, length: number, cid: Uint8Array | undefined): Uint8Array {
    const n = cid === undefined
      ? writeAeadAdditionalData(aadScratch, type, version, epoch, sequence, length)
      : writeCidAdditionalData(aadScratch, version, epoch, sequence, cid, length);
    return aadScratch.subarray(0, n);
  }

  sealInto(out: Uint8Array, offset: number, type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array, cid?: Uint8Array): number {
    // The explicit nonce is the record's epoch and sequence number: unique per key.
    const nonce = this.nonce;
    nonce[4] = (epoch >>> 8) & 0xff;
    nonce[5] = epoch & 0xff;
    const hi = Math.floor(sequence / 0x1_0000_0000);
    nonce[6] = (hi >>> 8) & 0xff;
    nonce[7] = hi & 0xff;
    nonce[8] = (sequence >>> 24) & 0xff;
    nonce[9] = (sequence >>> 16) & 0xff;
    nonce[10] = (sequence >>> 8) & 0xff;
    nonce[11] = sequence & 0xff;
    for (let i = 0; i < EXPLICIT_NONCE_LENGTH; i++) out[offset + i] = nonce[4 + i]!;
    const aad = this.aad(type, version, epoch, sequence, plaintext.length, cid);
    const bodyAt = offset + EXPLICIT_NONCE_LENGTH;
    if (this.ccm !== null) {
      this.ccm.sealInto(nonce, aad, plaintext, out, bodyAt);
    } else {
      const c = createCipheriv(this.suite.cipher as CipherGCMTypes, this.key, nonce, { authTagLength: this.suite.tagLength });
      c.setAAD(aad);
      const body = c.update(plaintext);
      c.final();
      out.set(body, bodyAt);
      out.set(c.getAuthTag(), bodyAt + body.length);
    }
    return EXPLICIT_NONCE_LENGTH + plaintext.length + this.suite.tagLength;
  }

  seal(type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array {
    const out = new Uint8Array(plaintext.length + this.overhead);
    this.sealInto(out, 0, type, version, epoch, sequence, plaintext, cid);
    return out;
  }

  /** The plaintext, or null when the record does not authenticate (never throws). */
  open(type: number, version: number, epoch: number, sequence: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null {
    const tagLength = this.suite.tagLength;
    if (fragment.length < EXPLICIT_NONCE_LENGTH + tagLength) return null;
    // The explicit nonce is taken from the record, as the sender chose it.
    const nonce = this.nonce;
    for (let i = 0; i < EXPLICIT_NONCE_LENGTH; i++) nonce[4 + i] = fragment[i]!;
    const sealed = fragment.subarray(EXPLICIT_NONCE_LENGTH);
    const aad = this.aad(type, version, epoch, sequence, sealed.length - tagLength, cid);
    if (this.ccm !== null) return this.ccm.open(nonce, aad, sealed);
    try {
      const d = createDecipheriv(this.suite.cipher as CipherGCMTypes, this.key, nonce, { authTagLength: tagLength });
      d.setAuthTag(sealed.subarray(sealed.length - tagLength));
      d.setAAD(aad);
      const out = d.update(sealed.subarray(0, sealed.length - tagLength));
      d.final();
      return out;
    } catch {
      return null;
    }
  }
}
