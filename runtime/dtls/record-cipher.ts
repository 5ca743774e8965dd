import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherGCMTypes, CipherCCMTypes } from 'node:crypto';
import type { CipherSuite } from './cipher-suite.js';
import { aeadAdditionalData, cidAdditionalData } from './record.js';

/** Protects the records of one direction of one epoch. */
export interface RecordCipher {
  /** Most bytes a record body grows by. */
  readonly overhead: number;
  /** The protected record body; `cid` switches to the RFC 9146 additional data. */
  seal(type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array;
  /** The plaintext, or null when the record does not authenticate (never throws). */
  open(type: number, version: number, epoch: number, sequence: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null;
}

/** AEAD record protection (RFC 5246 6.2.3.3, RFC 5288, RFC 6655): CCM, CCM_8, GCM. */
export class AeadRecordCipher implements RecordCipher {
  constructor(
    private readonly suite: CipherSuite,
    private readonly key: Uint8Array,
    private readonly salt: Uint8Array,
  ) {}

  /** Overhead a record body grows by: explicit nonce plus tag. */
  get overhead(): number { return this.suite.recordIvLength + this.suite.tagLength; }

  private nonce(epoch: number, sequence: number): Buffer {
    const n = Buffer.alloc(12);
    n.set(this.salt, 0);
    n.writeUInt16BE(epoch, 4);
    n.writeUIntBE(sequence, 6, 6);
    return n;
  }

  seal(type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array, cid?: Uint8Array): Uint8Array {
    const nonce = this.nonce(epoch, sequence);
    const aad = cid === undefined
      ? aeadAdditionalData(type, version, epoch, sequence, plaintext.length)
      : cidAdditionalData(version, epoch, sequence, cid, plaintext.length);
    const tagLength = this.suite.tagLength;
    let body: Buffer;
    let tag: Buffer;
    if (this.suite.cipher === 'aes-128-ccm') {
      const c = createCipheriv(this.suite.cipher as CipherCCMTypes, this.key, nonce, { authTagLength: tagLength });
      c.setAAD(aad, { plaintextLength: plaintext.length });
      body = Buffer.concat([c.update(plaintext), c.final()]);
      tag = c.getAuthTag();
    } else {
      const c = createCipheriv(this.suite.cipher as CipherGCMTypes, this.key, nonce, { authTagLength: tagLength });
      c.setAAD(aad);
      body = Buffer.concat([c.update(plaintext), c.final()]);
      tag = c.getAuthTag();
    }
    const out = new Uint8Array(8 + body.length + tag.length);
    out.set(nonce.subarray(4), 0);
    out.set(body, 8);
    out.set(tag, 8 + body.length);
    return out;
  }

  /** The plaintext, or null when the record does not authenticate (never throws). */
  open(type: number, version: number, epoch: number, sequence: number, fragment: Uint8Array, cid?: Uint8Array): Uint8Array | null {
    const tagLength = this.suite.tagLength;
    if (fragment.length < 8 + tagLength) return null;
    // The explicit nonce is taken from the record, as the sender chose it.
    const nonce = Buffer.alloc(12);
    nonce.set(this.salt, 0);
    nonce.set(fragment.subarray(0, 8), 4);
    const body = fragment.subarray(8, fragment.length - tagLength);
    const tag = fragment.subarray(fragment.length - tagLength);
    const aad = cid === undefined
      ? aeadAdditionalData(type, version, epoch, sequence, body.length)
      : cidAdditionalData(version, epoch, sequence, cid, body.length);
    try {
      if (this.suite.cipher === 'aes-128-ccm') {
        const d = createDecipheriv(this.suite.cipher as CipherCCMTypes, this.key, nonce, { authTagLength: tagLength });
        d.setAuthTag(tag);
        d.setAAD(aad, { plaintextLength: body.length });
        const out = d.update(body);
        d.final();
        return out;
      }
      const d = createDecipheriv(this.suite.cipher as CipherGCMTypes, this.key, nonce, { authTagLength: tagLength });
      d.setAuthTag(tag);
      d.setAAD(aad);
      const out = Buffer.concat([d.update(body), d.final()]);
      return out;
    } catch {
      return null;
    }
  }
}
