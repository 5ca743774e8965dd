/** The cipher suites this stack speaks; all PSK with an AEAD cipher and the SHA-256 PRF. */
export interface CipherSuite {
  readonly id: number;
  readonly name: string;
  readonly keyExchange: 'psk' | 'ecdhe_ecdsa';
  /** AEAD, or CBC with HMAC-SHA256 (MAC-then-encrypt, RFC 5246 6.2.3.2). */
  readonly kind: 'aead' | 'cbc';
  /** node:crypto cipher name. */
  readonly cipher: 'aes-128-ccm' | 'aes-128-gcm' | 'aes-128-cbc';
  readonly macKeyLength: number;
  readonly keyLength: number;
  /** Implicit part of the nonce taken from the key block (RFC 5116 salt). */
  readonly fixedIvLength: number;
  readonly recordIvLength: number;
  readonly tagLength: number;
}

export const TLS_PSK_WITH_AES_128_CCM_8: CipherSuite = {
  id: 0xc0a8, name: 'TLS_PSK_WITH_AES_128_CCM_8', keyExchange: 'psk', kind: 'aead', cipher: 'aes-128-ccm', macKeyLength: 0,
  keyLength: 16, fixedIvLength: 4, recordIvLength: 8, tagLength: 8,
};

export const TLS_PSK_WITH_AES_128_GCM_SHA256: CipherSuite = {
  id: 0x00a8, name: 'TLS_PSK_WITH_AES_128_GCM_SHA256', keyExchange: 'psk', kind: 'aead', cipher: 'aes-128-gcm', macKeyLength: 0,
  keyLength: 16, fixedIvLength: 4, recordIvLength: 8, tagLength: 16,
};

/** RFC 7251; with raw public keys (RFC 7250), the LwM2M certificate-less public-key mode. */
export const TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: CipherSuite = {
  id: 0xc0ae, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', keyExchange: 'ecdhe_ecdsa', kind: 'aead', cipher: 'aes-128-ccm', macKeyLength: 0,
  keyLength: 16, fixedIvLength: 4, recordIvLength: 8, tagLength: 8,
};

/** RFC 5487; for peers without AEAD. tagLength here is the MAC length. */
export const TLS_PSK_WITH_AES_128_CBC_SHA256: CipherSuite = {
  id: 0x00ae, name: 'TLS_PSK_WITH_AES_128_CBC_SHA256', keyExchange: 'psk', kind: 'cbc', cipher: 'aes-128-cbc', macKeyLength: 32,
  keyLength: 16, fixedIvLength: 0, recordIvLength: 16, tagLength: 32,
};

export const CIPHER_SUITES: readonly CipherSuite[] = [
  TLS_PSK_WITH_AES_128_CCM_8, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_GCM_SHA256, TLS_PSK_WITH_AES_128_CBC_SHA256,
];
export type CipherSuiteName =
  | 'TLS_PSK_WITH_AES_128_CCM_8' | 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8'
  | 'TLS_PSK_WITH_AES_128_GCM_SHA256' | 'TLS_PSK_WITH_AES_128_CBC_SHA256';

export function suiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.id === id);
}

export function suiteByName(name: string): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.name === name);
}

/** RFC 5746 signalling suite value, offered instead of an empty renegotiation_info. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
