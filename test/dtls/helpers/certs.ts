import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a small test PKI made with the openssl CLI (P-256 keys, two days of validity). */
export interface TestPki {
  readonly dir: string;
  readonly file: (name: string) => string;
  readonly pem: (name: string) => string;
  cleanup(): void;
}

function ossl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

function key(dir: string, name: string): void {
  ossl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
}

function ca(dir: string, name: string, cn: string): void {
  key(dir, name);
  ossl(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '2', '-out', `${name}.pem`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function leaf(dir: string, name: string, cn: string, issuer: string, san: string): void {
  key(dir, name);
  ossl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nsubjectAltName=${san}\n`);
  ossl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
    '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`]);
}

/** ca, server (localhost, 127.0.0.1), client (urn:dev:1); rogue-ca and rogue-client beside them. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'dtls-pki-'));
  ca(dir, 'ca', 'Test Root');
  leaf(dir, 'server', 'localhost', 'ca', 'DNS:localhost,IP:127.0.0.1');
  leaf(dir, 'client', 'urn:dev:1', 'ca', 'URI:urn:dev:1');
  ca(dir, 'rogue-ca', 'Rogue Root');
  leaf(dir, 'rogue-client', 'urn:dev:1', 'rogue-ca', 'URI:urn:dev:1');
  return {
    dir,
    file: (name) => join(dir, name),
    pem: (name) => readFileSync(join(dir, name), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
