import { X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ByteReader, ByteWriter } from './bytes.js';
import { DtlsError } from './dtls-error.js';
import { loadRpk } from './rpk.js';
import type { PrivateKeySource } from './rpk.js';

/** Certificates as PEM text (one or more blocks) or DER. */
export type CertificateSource = string | Uint8Array;

/** Our X.509 credentials: the chain we send (leaf first) and its P-256 private key. */
export interface X509Credentials {
  readonly certificateChain: CertificateSource | readonly CertificateSource[];
  readonly privateKey: PrivateKeySource;
  /** The roots a peer's chain must lead to. */
  readonly trustedRoots: CertificateSource | readonly CertificateSource[];
}

export interface LoadedX509 {
  readonly chain: readonly X509Certificate[];
  readonly privateKey: KeyObject;
  readonly roots: readonly X509Certificate[];
}

/** Each certificate of PEM text or DER, in order. */
export function readCertificates(src: CertificateSource | readonly CertificateSource[]): X509Certificate[] {
  const list = typeof src === 'string' || src instanceof Uint8Array ? [src] : src;
  const out: X509Certificate[] = [];
  for (const item of list) {
    try {
      if (typeof item === 'string') {
        const blocks = item.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
        for (const b of blocks) out.push(new X509Certificate(b));
      } else {
        out.push(new X509Certificate(Buffer.from(item)));
      }
    } catch (e) {
      throw new DtlsError('E_DTLS_CONFIG', 'unreadable certificate', { cause: e });
    }
  }
  return out;
}

/** The DER of the first certificate of PEM text or DER. */
export function certificateDer(src: CertificateSource): Uint8Array {
  const c = readCertificates(src)[0];
  if (c === undefined) throw new DtlsError('E_DTLS_CONFIG', 'no certificate found');
  return new Uint8Array(c.raw);
}

export function loadX509(creds: X509Credentials): LoadedX509 {
  const chain = readCertificates(creds.certificateChain);
  const roots = readCertificates(creds.trustedRoots);
  if (chain.length === 0) throw new DtlsError('E_DTLS_CONFIG', 'no certificate in certificateChain');
  if (roots.length === 0) throw new DtlsError('E_DTLS_CONFIG', 'no certificate in trustedRoots');
  const { privateKey } = loadRpk({ privateKey: creds.privateKey });
  if (!chain[0]!.checkPrivateKey(privateKey)) throw new DtlsError('E_DTLS_CONFIG', 'the private key does not match the leaf certificate');
  return { chain, privateKey, roots };
}

/** Certificate message body for X.509: a list of DER certificates, leaf first (RFC 5246 7.4.2). */
export function encodeCertificateList(chain: readonly X509Certificate[]): Uint8Array {
  const inner = new ByteWriter();
  for (const c of chain) inner.vec24(new Uint8Array(c.raw));
  return new ByteWriter().vec24(inner.finish()).finish();
}

export function parseCertificateList(body: Uint8Array): Uint8Array[] {
  const r = new ByteReader(body);
  const list = r.sub(r.u24());
  r.expectEnd('Certificate');
  const out: Uint8Array[] = [];
  while (list.remaining > 0) {
    out.push(list.vec24());
    if (out.length > 10) throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'certificate chain longer than 10');
  }
  return out;
}

export interface ChainCheck {
  /** A DNS name or IP address the leaf must carry (the server, seen from a client). */
  readonly name?: string;
  readonly now?: Date;
}

/**
 * Validates a peer's chain (leaf first) against trusted roots: every signature up to a root,
 * validity periods, CA flags on issuers, and an optional name. Returns the leaf.
 */
export function verifyChain(ders: readonly Uint8Array[], roots: readonly X509Certificate[], check: ChainCheck = {}): X509Certificate {
  if (ders.length === 0) throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'empty certificate chain');
  let chain: X509Certificate[];
  try {
    chain = ders.map((d) => new X509Certificate(Buffer.from(d)));
  } catch (e) {
    throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'a certificate does not parse', { cause: e });
  }
  const now = (check.now ?? new Date()).getTime();
  for (const c of chain) {
    if (Date.parse(c.validFrom) > now || Date.parse(c.validTo) < now) {
      throw new DtlsError('E_DTLS_CERTIFICATE_EXPIRED', `certificate ${c.subject.replace(/\n/g, ', ')} is outside its validity period`);
    }
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const issuer = chain[i + 1]!;
    if (!issuer.ca || !chain[i]!.checkIssued(issuer) || !chain[i]!.verify(issuer.publicKey)) {
      throw new DtlsError('E_DTLS_BAD_CERTIFICATE', 'the chain is not signed in order by CAs');
    }
  }
  const top = chain[chain.length - 1]!;
  const anchored = roots.some((root) =>
    (top.fingerprint256 === root.fingerprint256) || (root.ca && top.checkIssued(root) && top.verify(root.publicKey)));
  if (!anchored) throw new DtlsError('E_DTLS_UNKNOWN_CA', 'the chain does not lead to a trusted root');
  const leaf = chain[0]!;
  if (check.name !== undefined) {
    const isIp = /^[0-9.]+$|:/.test(check.name);
    const ok = isIp ? leaf.checkIP(check.name) !== undefined : leaf.checkHost(check.name) !== undefined;
    if (!ok) throw new DtlsError('E_DTLS_BAD_CERTIFICATE', `the certificate is not for ${check.name}`);
  }
  return leaf;
}
