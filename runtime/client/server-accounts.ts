/**
 * The servers a client registers with, read from its Security (/0) and Server (/1)
 * instances: each non-bootstrap Security instance names a URI and a Short Server ID, and
 * the Server instance with that SSID gives lifetime and binding. Also builds those two
 * instances from the convenient `servers` option.
 */
import {
  LwM2MSecurity, LwM2MSecurity_v1_0, LwM2MSecurity_v1_1, LwM2MServer, LwM2MServer_v1_0, LwM2MServer_v1_1,
} from '../../registry/index.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import { ClientError } from './client-error.js';
import type { ObjectTree } from './object-tree.js';
import type { Lwm2mVersion } from './register-payload.js';

/** A pre-shared key for DTLS (security mode 0). */
export interface PskConfig {
  readonly identity: string;
  readonly key: Uint8Array;
}

/** One server as the `servers` option describes it. */
export interface ServerConfig {
  /** coap://host[:port] (5683) or coaps://host[:port] (5684, needs `psk`). */
  readonly uri: string;
  /** DTLS pre-shared key for a coaps:// server. */
  readonly psk?: PskConfig;
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
  /** coaps: DTLS with `psk`. */
  readonly secure: boolean;
  readonly psk: PskConfig | undefined;
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
    const { secure } = parseServerUri(c.uri);
    if (secure && c.psk === undefined) throw new ClientError('E_CLIENT_CONFIG', `server ${c.uri}: coaps:// needs a psk (identity and key)`);
    const psk = secure ? c.psk : undefined;
    out.push(new Security.Instance(id, {
      lwm2mServerUri: c.uri, bootstrapServer: false, securityMode: psk === undefined ? SECURITY_NOSEC : SECURITY_PSK,
      publicKeyOrIdentity: psk === undefined ? new Uint8Array(0) : new TextEncoder().encode(psk.identity),
      serverPublicKey: new Uint8Array(0), secretKey: psk === undefined ? new Uint8Array(0) : psk.key,
      shortServerId: c.shortServerId,
    }));
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
const SECURITY_NOSEC = 3;

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
    let psk: PskConfig | undefined;
    if (secure) {
      const mode = await value(sec, 2);
      const identity = await value(sec, 3);
      const key = await value(sec, 5);
      if (mode !== SECURITY_PSK) throw new ClientError('E_CLIENT_CONFIG', `${sec.path}: security mode ${String(mode)} is not supported by the client yet (PSK, mode 0, is)`);
      if (!(identity instanceof Uint8Array) || !(key instanceof Uint8Array) || key.length === 0) throw new ClientError('E_CLIENT_CONFIG', `${sec.path}: PSK mode needs an identity (/0/x/3) and a key (/0/x/5)`);
      psk = { identity: new TextDecoder().decode(identity), key };
    }
    const lifetime = await value(server, 1);
    const binding = await value(server, 7);
    const initialDelay = await value(server, 14);
    const letters = typeof binding === 'string' ? binding : 'U';
    out.push({
      shortServerId: ssid, uri, host, port, secure, psk,
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
