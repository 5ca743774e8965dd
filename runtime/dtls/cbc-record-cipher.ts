import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { ByteWriter } from './bytes.js';
import type { RecordCipher } from './record-cipher.js';

const BLOCK = 16;
const MAC_LENGTH = 32;

/**
 * AES-CBC with HMAC-SHA256 and an explicit random IV per record: MAC-then-encrypt (RFC 5246
 * 6.2.3.2), or encrypt-then-MAC (RFC 7366) when negotiated, which checks the MAC before any
 * decryption. Every failure (length, padding, MAC) looks the same to the caller: null. In
 * MAC-then-encrypt the MAC is computed even when the padding is bad, to keep the timing
 * difference small (Lucky 13); not a constant-time implementation.
 */
export class CbcRecordCipher implements RecordCipher {
  constructor(private readonly key: Uint8Array, private readonly macKey: Uint8Array, private readonly encryptThenMac = false) {}

  get overhead(): number { return BLOCK + MAC_LENGTH + BLOCK; }

  private mac(type: number, version: number, epoch: number, sequence: number, content: Uint8Array): Buffer {
    const header = new ByteWriter(13).u16(epoch).u48(sequence).u8(type).u16(version).u16(content.length).finish();
    return createHmac('sha256', this.macKey).update(header).update(content).digest();
  }

  sealInto(out: Uint8Array, offset: number, type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array): number {
    const body = this.seal(type, version, epoch, sequence, plaintext);
    out.set(body, offset);
    return body.length;
  }

  seal(type: number, version: number, epoch: number, sequence: number, plaintext: Uint8Array): Uint8Array {
    if (this.encryptThenMac) {
      const pad = (BLOCK - ((plaintext.length + 1) % BLOCK)) % BLOCK;
      const body = Buffer.alloc(plaintext.length + pad + 1, pad);
      body.set(plaintext, 0);
      const iv = randomBytes(BLOCK);
      const c = createCipheriv('aes-128-cbc', this.key, iv).setAutoPadding(false);
      const sealed = Buffer.concat([iv, c.update(body), c.final()]);
      return Buffer.concat([sealed, this.mac(type, version, epoch, sequence, sealed)]);
    }
    const mac = this.mac(type, version, epoch, sequence, plaintext);
    const unpadded = plaintext.length + MAC_LENGTH + 1;
    const pad = (BLOCK - (unpadded % BLOCK)) % BLOCK;
    const body = Buffer.alloc(plaintext.length + MAC_LENGTH + pad + 1, pad);
    body.set(plaintext, 0);
    body.set(mac, plaintext.length);
    const iv = randomBytes(BLOCK);
    const c = createCipheriv('aes-128-cbc', this.key, iv).setAutoPadding(false);
    return Buffer.concat([iv, c.update(body), c.final()]);
  }

  open(type: number, version: number, epoch: number, sequence: number, fragment: Uint8Array): Uint8Array | null {
    if (this.encryptThenMac) return this.openEtm(type, version, epoch, sequence, fragment);
    if (fragment.length < BLOCK + MAC_LENGTH + BLOCK || (fragment.length - BLOCK) % BLOCK !== 0) return null;
    let body: Buffer;
    try {
      const d = createDecipheriv('aes-128-cbc', this.key, fragment.subarray(0, BLOCK)).setAutoPadding(false);
      body = Buffer.concat([d.update(fragment.subarray(BLOCK)), d.final()]);
    } catch {
      return null;
    }
    const pad = body[body.length - 1]!;
    let padOk = pad + 1 + MAC_LENGTH <= body.length ? 1 : 0;
    const padLength = padOk === 1 ? pad : 0;
    for (let i = body.length - 1 - padLength; i < body.length; i++) padOk &= body[i] === pad ? 1 : 0;
    const contentLength = body.length - 1 - padLength - MAC_LENGTH;
    const content = body.subarray(0, contentLength);
    const expected = this.mac(type, version, epoch, sequence, content);
    let diff = 0;
    for (let i = 0; i < MAC_LENGTH; i++) diff |= expected[i]! ^ body[contentLength + i]!;
    return padOk === 1 && diff === 0 ? content : null;
  }

  private openEtm(type: number, version: number, epoch: number, sequence: number, fragment: Uint8Array): Uint8Array | null {
    if (fragment.length < BLOCK + BLOCK + MAC_LENGTH || (fragment.length - MAC_LENGTH) % BLOCK !== 0) return null;
    const sealed = fragment.subarray(0, fragment.length - MAC_LENGTH);
    const expected = this.mac(type, version, epoch, sequence, sealed);
    let diff = 0;
    for (let i = 0; i < MAC_LENGTH; i++) diff |= expected[i]! ^ fragment[sealed.length + i]!;
    if (diff !== 0) return null;
    let body: Buffer;
    try {
      const d = createDecipheriv('aes-128-cbc', this.key, sealed.subarray(0, BLOCK)).setAutoPadding(false);
      body = Buffer.concat([d.update(sealed.subarray(BLOCK)), d.final()]);
    } catch {
      return null;
    }
    const pad = body[body.length - 1]!;
    if (pad + 1 > body.length) return null;
    for (let i = body.length - 1 - pad; i < body.length; i++) if (body[i] !== pad) return null;
    return body.subarray(0, body.length - 1 - pad);
  }
}
