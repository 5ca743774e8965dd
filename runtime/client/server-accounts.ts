/**
 * The servers a client registers with, read from its Security (/0) and Server (/1)
 * instances: each non-bootstrap Security instance names a URI and a Short Server ID, and
 * the Server instance with that SSID gives lifetime and binding. Also builds those two
 * instances from the convenient `servers` option.
 */
import { createPrivateKey } from 'node:crypto';
import {
  LwM2MSecurity, LwM2MSecurity_v1_0, LwM2MSecurity_v1_1, LwM2MServer, LwM2MServer_v1_0, LwM2MServer_v1_1,
} from '../../registry/index.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import {
  certificateDer, checkPeerCredentials, isDtlsError, pkcs8Of, spkiOf, suiteById,
  type CertificateSource, type CipherSuiteName, type DtlsPeerCredentials, type PrivateKeySource,
} from '../dtls/index.js';
import { ClientError } from './client-error.js';
import type { ObjectTree } from './object-tree.js';
import type { Lwm2mVersion } from './register-payload.js';

/** A pre-shared key for DTLS (security mode 0). */
export interface PskConfig {
  readonly identity: string;
  readonly key: Uint8Array;
}

/** Raw public key mode (security mode 1): our P-256 key and the server's public key. */
export interface RpkConfig {
  /** PEM, DER (PKCS#8 or SEC1) or a KeyObject; stored in /0/x/5 as PKCS#8, its public key in /0/x/3. */
  readonly privateKey: PrivateKeySource;
  /** The server's public key, PEM or SPKI DER (/0/x/4). */
  readonly serverPublicKey: string | Uint8Array;
}

/** Certificate mode (security mode 2). */
export interface X509Config {
  /** Our certificate, PEM or DER (/0/x/3), and its private key (/0/x/5). */
  readonly certificate: CertificateSource;
  readonly privateKey: PrivateKeySource;
  /**
   * /0/x/4: with certificateUsage 3 (the default, "domain-issued certificate") the server's own
   * certificate, which must be exactly the one it shows; with 2 ("trust anchor assertion") the
   * root its chain must lead to, the URI's host then being checked against the certificate.
   */
  readonly serverCertificate: CertificateSource;
  /** /0/x/15 (LwM2M 1.1+): 2 or 3. */
  readonly certificateUsage?: 2 | 3;
}

/** One server as the `servers` option describes it. */
export interface ServerConfig {
  /** coap://host[:port] (5683) or coaps://host[:port] (5684, needs `psk`, `rpk` or `x509`). */
  readonly uri: string;
  /** DTLS pre-shared key for a coaps:// server (security mode 0). */
  readonly psk?: PskConfig;
  /** DTLS with raw public keys (security mode 1). */
  readonly rpk?: RpkConfig;
  /** DTLS with X.509 certificates (security mode 2). */
  readonly x509?: X509Config;
  /** Cipher suites to offer, IANA values (/0/x/16, LwM2M 1.1+), e.g. 0xC0A8 for TLS_PSK_WITH_AES_128_CCM_8. */
  readonly cipherSuites?: readonly number[];
  /** 1..65534. */
  readonly shortServerId: number;
  /** Seconds; 86400 when absent. */
  readonly lifetime?: number;
  /** Binding letters (U, T, S, N; Q for queue mode); "U" when absent. */
  readonly binding?: string;
}

/** A server account as registration uses it. */
export interface ServerAccount {
  readonly shortServerId: number;
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  /** coaps: DTLS with the credentials of `dtls`. */
  readonly secure: boolean;
  /** What the client proves and trusts with this server, from /0/x/2..5, /0/x/15 and /0/x/16. */
  readonly dtls: DtlsPeerCredentials | undefined;
  readonly lifetime: number;
  /** Binding letters without Q. */
  readonly binding: string;
  readonly queueMode: boolean;
  /** Initial Registration Delay Timer (/1/x/14, 1.1+), seconds before the first Register. */
  readonly initialDelayS: number;
  /** The /1 instance of this server. */
  readonly server: ObjectInstance;
}

/** Instances of the Security and Server objects in the version matching the client's LwM2M version. */
export function instancesFromConfig(configs: readonly ServerConfig[], version: Lwm2mVersion, instanceIdBase = 0): ObjectInstance[] {
  const Security = version === '1.0' ? LwM2MSecurity_v1_0 : version === '1.1' ? LwM2MSecurity_v1_1 : LwM2MSecurity;
  const Server = serverObjectFor(version);
  const out: ObjectInstance[] = [];
  configs.forEach((c, k) => {
    const id = instanceIdBase + k;
    out.push(new Security.Instance(id, { ...securityValues(c, version), lwm2mServerUri: c.uri, bootstrapServer: false, shortServerId: c.shortServerId }));
    out.push(new Server.Instance(id, {
      shortServerId: c.shortServerId, lifetime: c.lifetime ?? 86400, notificationStoringWhenDisabledOrOffline: true,
      // Mute Send absent means muted (its definition): a configured server may be sent to.
      ...(version === '1.0' ? {} : { muteSend: false }),
      binding: c.binding ?? 'U',
      // The client itself acts on an executed /1/x/8 and /1/x/4 (client.ts), whatever the handlers do.
      registrationUpdateTrigger: () => {},
      disable: () => {},
      // Bootstrap-Request Trigger (1.1+): the client bootstraps again when it has a bootstrap server.
      ...(version === '1.0' ? {} : { bootstrapRequestTrigger: () => {} }),
    }));
  });
  return out;
}

/** Security mode, keys and suites of a `servers` entry, as /0 holds them. */
function securityValues(c: ServerConfig, version: Lwm2mVersion): {
  securityMode: number; publicKeyOrIdentity: Uint8Array; serverPublicKey: Uint8Array; secretKey: Uint8Array;
  certificateUsage?: number; dtlsTlsCiphersuite?: ReadonlyMap<number, number>;
} {
  const none = new Uint8Array(0);
  if (!parseServerUri(c.uri).secure) return { securityMode: SECURITY_NOSEC, publicKeyOrIdentity: none, serverPublicKey: none, secretKey: none };
  const modes = [c.psk, c.rpk, c.x509].filter((m) => m !== undefined).length;
  if (modes !== 1) throw new ClientError('E_CLIENT_CONFIG', `server ${c.uri}: coaps:// needs a psk, rpk or x509 (identity and keys), one of them`);
  const oneOneOrLater = version !== '1.0';
  if (c.cipherSuites !== undefined && !oneOneOrLater) throw new ClientError('E_CLIENT_CONFIG', `server ${c.uri}: cipher suites (/0/x/16) need LwM2M 1.1 or later`);
  const suites = c.cipherSuites === undefined ? {} : { dtlsTlsCiphersuite: new Map(c.cipherSuites.map((s, i) => [i, s])) };
  try {
    if (c.psk !== undefined) {
      return { securityMode: SECURITY_PSK, publicKeyOrIdentity: new TextEncoder().encode(c.psk.identity), serverPublicKey: none, secretKey: c.psk.key, ...suites };
    }
    if (c.rpk !== undefined) {
      const secretKey = pkcs8Of(c.rpk.privateKey);
      return { securityMode: SECURITY_RPK, publicKeyOrIdentity: spkiOf(pkcs8Key(secretKey)), serverPublicKey: spkiOf(c.rpk.serverPublicKey), secretKey, ...suites };
    }
    const x = c.x509!;
    const usage = x.certificateUsage ?? 3;
    if (usage !== 3 && !oneOneOrLater) throw new ClientError('E_CLIENT_CONFIG', `server ${c.uri}: certificate usage ${usage} (/0/x/15) needs LwM2M 1.1 or later`);
    return {
      securityMode: SECURITY_CERTIFICATE, publicKeyOrIdentity: certificateDer(x.certificate), serverPublicKey: certificateDer(x.serverCertificate),
      secretKey: pkcs8Of(x.privateKey), ...(oneOneOrLater ? { certificateUsage: usage } : {}), ...suites,
    };
  } catch (e) {
    if (isDtlsError(e)) throw new ClientError('E_CLIENT_CONFIG', `server ${c.uri}: ${e.message}`);
    throw e;
  }
}

/** The public key of a PKCS#8 DER private key, as spkiOf takes keys. */
function pkcs8Key(der: Uint8Array): ReturnType<typeof createPrivateKey> {
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

/** The Server object (/1) of an LwM2M version. */
export function serverObjectFor(version: Lwm2mVersion): typeof LwM2MServer | typeof LwM2MServer_v1_1 | typeof LwM2MServer_v1_0 {
  return version === '1.0' ? LwM2MServer_v1_0 : version === '1.1' ? LwM2MServer_v1_1 : LwM2MServer;
}

/** The Security instance of a bootstrap server: NoSec, or PSK for coaps://; `holdOffS` is its Client Hold Off Time (/0/x/11). */
export function bootstrapAccount(uri: string, version: Lwm2mVersion, id: number, options: { psk?: PskConfig; holdOffS?: number } = {}): ObjectInstance {
  const Security = version === '1.0' ? LwM2MSecurity_v1_0 : version === '1.1' ? LwM2MSecurity_v1_1 : LwM2MSecurity;
  const { secure } = parseServerUri(uri);
  if (secure && options.psk === undefined) throw new ClientError('E_CLIENT_CONFIG', `bootstrap server ${uri}: coaps:// needs a psk (identity and key)`);
  const psk = secure ? options.psk : undefined;
  return new Security.Instance(id, {
    lwm2mServerUri: uri, bootstrapServer: true, securityMode: psk === undefined ? SECURITY_NOSEC : SECURITY_PSK,
    publicKeyOrIdentity: psk === undefined ? new Uint8Array(0) : new TextEncoder().encode(psk.identity),
    serverPublicKey: new Uint8Array(0), secretKey: psk === undefined ? new Uint8Array(0) : psk.key,
    ...(options.holdOffS !== undefined ? { clientHoldOffTime: options.holdOffS } : {}),
  });
}

/** The first Security instance marked as a bootstrap server, if any. */
export async function findBootstrapAccount(tree: ObjectTree): Promise<ObjectInstance | undefined> {
  for (const sec of tree.instances(0)) if ((await value(sec, 1)) === true) return sec;
  return undefined;
}

const SECURITY_PSK = 0;
const SECURITY_RPK = 1;
const SECURITY_CERTIFICATE = 2;
const SECURITY_NOSEC = 3;
const USAGE_TRUST_ANCHOR = 2;
const USAGE_DOMAIN_ISSUED = 3;

/** Splits coap[s]://host:port; IPv6 literals in brackets. */
export function parseServerUri(uri: string): { host: string; port: number; secure: boolean } {
  const m = /^coap(s?):\/\/(\[[0-9A-Fa-f:.]+\]|[^/:?#\[\]]+)(?::([0-9]{1,5}))?\/?$/.exec(uri);
  if (m === null) throw new ClientError('E_CLIENT_CONFIG', `"${uri}" is not a coap://host[:port] or coaps://host[:port] URI`);
  const secure = m[1] === 's';
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  const port = m[3] === undefined ? (secure ? 5684 : 5683) : Number(m[3]);
  if (port < 1 || port > 65535) throw new ClientError('E_CLIENT_CONFIG', `"${uri}": port ${port} is out of range`);
  return { host, port, secure };
}

async function value(i: ObjectInstance, resourceId: number): Promise<unknown> {
  return i.descriptor.resources.some((r) => r.id === resourceId) ? i.read(resourceId) : undefined;
}

/** The DM servers of the tree (bootstrap servers are skipped), by ascending SSID. */
export async function readServerAccounts(tree: ObjectTree): Promise<ServerAccount[]> {
  const servers = new Map<number, ObjectInstance>();
  for (const s of tree.instances(1)) {
    const ssid = await value(s, 0);
    if (typeof ssid === 'number') servers.set(ssid, s);
  }
  const out: ServerAccount[] = [];
  for (const sec of tree.instances(0)) {
    if ((await value(sec, 1)) === true) continue;
    const uri = await value(sec, 0);
    const ssid = await value(sec, 10);
    if (typeof uri !== 'string' || typeof ssid !== 'number') throw new ClientError('E_CLIENT_CONFIG', `${sec.path}: a server account needs a URI (/0/x/0) and a Short Server ID (/0/x/10)`);
    const server = servers.get(ssid);
    if (server === undefined) throw new ClientError('E_CLIENT_CONFIG', `${sec.path}: no Server (/1) instance has Short Server ID ${ssid}`);
    const { host, port, secure } = parseServerUri(uri);
    const dtls = secure ? await readDtlsCredentials(sec, host) : undefined;
    const lifetime = await value(server, 1);
    const binding = await value(server, 7);
    const initialDelay = await value(server, 14);
    const letters = typeof binding === 'string' ? binding : 'U';
    out.push({
      shortServerId: ssid, uri, host, port, secure, dtls,
      lifetime: typeof lifetime === 'number' && lifetime > 0 ? lifetime : 86400,
      binding: letters.replace(/Q/g, '') || 'U',
      queueMode: letters.includes('Q'),
      initialDelayS: typeof initialDelay === 'number' && initialDelay > 0 ? initialDelay : 0,
      server,
    });
  }
  if (new Set(out.map((a) => a.shortServerId)).size !== out.length) throw new ClientError('E_CLIENT_CONFIG', 'two Security instances have the same Short Server ID');
  return out.sort((a, b) => a.shortServerId - b.shortServerId);
}

/**
 * The DTLS credentials of a coaps:// account, from its Security instance: mode (/0/x/2) 0 PSK
 * (identity /0/x/3, key /0/x/5), 1 raw public key (our public key /0/x/3, the server's
 * /0/x/4, our private key /0/x/5), 2 certificate (ours /0/x/3, the server's or its trust anchor
 * /0/x/4 per Certificate Usage /0/x/15, our private key /0/x/5); suites from /0/x/16. Keys and
 * certificates are parsed here, so that a bad Security instance fails start(), not a handshake.
 */
async function readDtlsCredentials(sec: ObjectInstance, host: string): Promise<DtlsPeerCredentials> {
  const [mode, identity, serverKey, secret] = [await value(sec, 2), await value(sec, 3), await value(sec, 4), await value(sec, 5)];
  const bytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length > 0;
  const fail = (why: string): never => { throw new ClientError('E_CLIENT_CONFIG', `${sec.path}: ${why}`); };
  const cipherSuites = await readCipherSuites(sec, fail);
  const suites = cipherSuites === undefined ? {} : { cipherSuites };
  let creds: DtlsPeerCredentials;
  if (mode === SECURITY_PSK) {
    if (!(identity instanceof Uint8Array) || !bytes(secret)) fail('PSK mode needs an identity (/0/x/3) and a key (/0/x/5)');
    creds = { psk: { identity: new TextDecoder().decode(identity as Uint8Array), key: secret as Uint8Array }, ...suites };
  } else if (mode === SECURITY_RPK) {
    if (!bytes(secret) || !bytes(serverKey)) fail('raw public key mode needs our private key (/0/x/5) and the server\'s public key (/0/x/4)');
    creds = { rpk: { privateKey: secret as Uint8Array, serverPublicKey: serverKey as Uint8Array }, ...suites };
    // /0/x/3 holds our public key: it must be the private key's, or the server would be told another.
    if (bytes(identity) && !checked(() => sameBytes(spkiOf(identity), spkiOf(pkcs8Key(pkcs8Of(secret as Uint8Array)))))) fail('the public key (/0/x/3) is not that of the private key (/0/x/5)');
  } else if (mode === SECURITY_CERTIFICATE) {
    if (!bytes(identity) || !bytes(secret) || !bytes(serverKey)) fail('certificate mode needs our certificate (/0/x/3), our private key (/0/x/5) and the server\'s certificate (/0/x/4)');
    const usage = (await value(sec, 15)) ?? USAGE_DOMAIN_ISSUED;
    const own = { certificateChain: identity as Uint8Array, privateKey: secret as Uint8Array };
    if (usage === USAGE_DOMAIN_ISSUED) creds = { x509: { ...own, serverCertificate: serverKey as Uint8Array }, ...suites };
    else if (usage === USAGE_TRUST_ANCHOR) creds = { x509: { ...own, trustedRoots: serverKey as Uint8Array, serverName: host }, ...suites };
    else creds = fail(`certificate usage ${String(usage)} (/0/x/15) is not supported (2, trust anchor assertion, and 3, domain-issued certificate, are)`);
  } else {
    creds = fail(`security mode ${String(mode)} (/0/x/2) cannot secure a coaps:// server here (0 PSK, 1 raw public key and 2 certificate can)`);
  }
  try {
    checkPeerCredentials(creds);
  } catch (e) {
    if (isDtlsError(e)) fail(e.message);
    throw e;
  }
  return creds;
}

/** /0/x/16 as suite names, in the order given; undefined when absent or empty. */
async function readCipherSuites(sec: ObjectInstance, fail: (why: string) => never): Promise<CipherSuiteName[] | undefined> {
  const v = sec.descriptor.resources.some((r) => r.id === 16) && sec.has(16) ? await sec.read(16) : undefined;
  if (!(v instanceof Map) || v.size === 0) return undefined;
  const ids = [...(v as ReadonlyMap<number, number | bigint>).entries()].sort((a, b) => a[0] - b[0]).map(([, id]) => Number(id));
  const names = ids.map((id) => suiteById(id)?.name as CipherSuiteName | undefined).filter((n): n is CipherSuiteName => n !== undefined);
  if (names.length === 0) fail(`none of the cipher suites of /0/x/16 (${ids.map((i) => `0x${i.toString(16)}`).join(', ')}) is supported`);
  return names;
}

function checked(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
