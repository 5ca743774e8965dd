import { ByteWriter, concat } from './bytes.js';
import type { CipherSuite } from './cipher-suite.js';
import { prf } from './prf.js';
import { AeadRecordCipher } from './record-cipher.js';
import type { RecordCipher } from './record-cipher.js';
import { CbcRecordCipher } from './cbc-record-cipher.js';

/** RFC 4279 2: the premaster secret of plain PSK: N zero bytes, then the key, each length-prefixed. */
export function pskPremaster(psk: Uint8Array): Uint8Array {
  return new ByteWriter(4 + 2 * psk.length).vec16(new Uint8Array(psk.length)).vec16(psk).finish();
}

/** RFC 5246 8.1, or RFC 7627 4 when the extended master secret was negotiated. */
export function masterSecret(premaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, sessionHash: Uint8Array | null): Uint8Array {
  return sessionHash === null
    ? prf(premaster, 'master secret', concat(clientRandom, serverRandom), 48)
    : prf(premaster, 'extended master secret', sessionHash, 48);
}

export interface KeyBlock {
  readonly clientWrite: RecordCipher;
  readonly serverWrite: RecordCipher;
}

/** RFC 5246 6.3: MAC keys (CBC only), keys, implicit IVs (AEAD only), in that order. */
export function keyBlock(suite: CipherSuite, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, encryptThenMac = false): KeyBlock {
  if (suite.kind === 'cbc') {
    const m = suite.macKeyLength;
    const kl = suite.keyLength;
    const b = prf(master, 'key expansion', concat(serverRandom, clientRandom), 2 * m + 2 * kl);
    return {
      clientWrite: new CbcRecordCipher(b.subarray(2 * m, 2 * m + kl), b.subarray(0, m), encryptThenMac),
      serverWrite: new CbcRecordCipher(b.subarray(2 * m + kl, 2 * m + 2 * kl), b.subarray(m, 2 * m), encryptThenMac),
    };
  }
  const k = suite.keyLength;
  const iv = suite.fixedIvLength;
  const block = prf(master, 'key expansion', concat(serverRandom, clientRandom), 2 * k + 2 * iv);
  return {
    clientWrite: new AeadRecordCipher(suite, block.subarray(0, k), block.subarray(2 * k, 2 * k + iv)),
    serverWrite: new AeadRecordCipher(suite, block.subarray(k, 2 * k), block.subarray(2 * k + iv, 2 * k + 2 * iv)),
  };
}

/** RFC 5246 7.4.9. */
export function finishedVerifyData(master: Uint8Array, role: 'client' | 'server', transcriptHash: Uint8Array): Uint8Array {
  return prf(master, role === 'client' ? 'client finished' : 'server finished', transcriptHash, 12);
}
