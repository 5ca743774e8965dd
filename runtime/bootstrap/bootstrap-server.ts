/**
 * The LwM2M bootstrap server: answers Bootstrap-Request (POST /bs?ep=NAME[&pct=F]) with 2.04,
 * then configures the client from the same socket, or configures a client that did not ask
 * (server-initiated bootstrap, `bootstrap(endpoint)`). The default run: Bootstrap-Delete of /0
 * and /1 (the client keeps its own bootstrap-server account), Bootstrap-Discover of /0 to
 * learn which instance ids are taken, Write of one Security and one Server instance per
 * configured server, Bootstrap-Finish; `configure` replaces it with any script of
 * Discover/Read/Write/Delete. Configurations come from a BootstrapConfigStore (memory by
 * default, filled from a parsed JSON file). Over DTLS (`dtls` + `securityStore`), only a
 * client whose identity the security store gives to the endpoint it names is bootstrapped.
 */
import { EventEmitter } from 'node:events';
import { coreRegistry, LwM2MAccessControl, LwM2MSecurity, LwM2MServer as ServerObject } from '../../registry/index.js';
import { ResponseCode } from '../coap/codes.js';
import { CoapEndpoint } from '../coap/endpoint.js';
import { silentLogger, type Logger } from '../coap/logger.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { ContentFormat } from '../codec/content-format.js';
import { instanceNode, multipleResourceNode, resourceNode, type InstanceNode } from '../model/node.js';
import { objectResolver } from '../model/object-resolver.js';
import { createServerDtlsTransport, type ServerDtlsOptions } from '../server/dtls-transport.js';
import { describeIdentity, identityBelongsTo } from '../server/endpoint-identity.js';
import type { SecurityStore } from '../server/security-store.js';
import type { DatagramTransport, PeerAddress, PeerIdentity } from '../transport/datagram-transport.js';
import { UdpTransport } from '../transport/udp.js';
import type { BootstrapAclEntry, BootstrapConfig, BootstrapEndpointConfig, BootstrapServerEntry } from './bootstrap-config.js';
import { MemoryBootstrapConfigStore, type BootstrapConfigStore } from './bootstrap-config-store.js';
import { BootstrapError } from './bootstrap-error.js';
import { BootstrapExchange } from './bootstrap-exchange.js';

/** A bootstrap script: what to do with a client between its request and Finish (Finish included). */
export type BootstrapScript = (exchange: BootstrapExchange, config: BootstrapEndpointConfig) => Promise<void>;

export interface BootstrapServerOptions {
  /** Per-endpoint configurations (readBootstrapConfig / parseBootstrapConfig); they fill the default store. */
  readonly config?: BootstrapConfig;
  /** Where configurations are looked up; a MemoryBootstrapConfigStore of `config` by default. */
  readonly store?: BootstrapConfigStore;
  /** UDP port; 5683 by default (5684 with `dtls`), 0 for any. */
  readonly port?: number;
  readonly address?: string;
  readonly transport?: DatagramTransport;
  /**
   * Which DTLS identity may bootstrap as which endpoint, and where plain CoAP is allowed
   * (`allowNoSec`). Without it any peer may ask for any endpoint's configuration.
   */
  readonly securityStore?: SecurityStore;
  /** Listen on DTLS (coaps) with the credentials of `securityStore`, which it needs. */
  readonly dtls?: ServerDtlsOptions;
  /** Replaces the default run (Delete, Discover, Writes, Finish). */
  readonly configure?: BootstrapScript;
  readonly logger?: Logger;
  /** Deadline of each request to a client, ms (default 30 s). */
  readonly requestTimeoutMs?: number;
}

export interface BootstrapEvents {
  /** A client asked (Bootstrap-Request); its configuration is on its way. */
  request: [endpoint: string, peer: PeerAddress];
  /** Bootstrap-Finish was accepted: the client now has its servers. */
  bootstrapped: [endpoint: string, servers: readonly BootstrapServerEntry[]];
  failed: [endpoint: string, error: Error];
}

/** Writes and Reads use the newest core objects: older clients' payloads are subsets of them. */
const resolve = objectResolver(coreRegistry, new Map([
  [0, LwM2MSecurity.descriptor.version], [1, ServerObject.descriptor.version], [2, LwM2MAccessControl.descriptor.version],
]));

export class BootstrapServer extends EventEmitter<BootstrapEvents> {
  #coap: CoapEndpoint | undefined;
  readonly #log: Logger;
  /** The configurations; give or change them at run time with `store.set(endpoint, config)`. */
  readonly store: BootstrapConfigStore;
  /** Endpoints being configured: a repeated Bootstrap-Request does not start a second run. */
  readonly #running = new Set<string>();
  /** Where each endpoint last asked from, and in which format: server-initiated runs go there. */
  readonly #last = new Map<string, { peer: PeerAddress; format: number }>();

  constructor(private readonly options: BootstrapServerOptions) {
    super();
    if (options.dtls !== undefined && options.securityStore === undefined) throw new BootstrapError('E_BS_CONFIG', 'the dtls option needs a securityStore');
    if (options.dtls !== undefined && options.transport !== undefined) throw new BootstrapError('E_BS_CONFIG', 'give either dtls or transport, not both');
    this.#log = options.logger ?? silentLogger;
    this.store = options.store ?? new MemoryBootstrapConfigStore(options.config);
  }

  async start(): Promise<void> {
    if (this.#coap) return;
    const { dtls, securityStore } = this.options;
    let transport = this.options.transport;
    if (transport === undefined) {
      const udp = await UdpTransport.bind({ address: this.options.address ?? '127.0.0.1', port: this.options.port ?? (dtls ? 5684 : 5683) });
      transport = dtls !== undefined && securityStore !== undefined ? createServerDtlsTransport(udp, securityStore, dtls, this.#log) : udp;
    }
    this.#coap = new CoapEndpoint({ transport, logger: this.#log });
    this.#coap.onRequest((req) => this.#onRequest(req));
  }

  async stop(): Promise<void> {
    await this.#coap?.close();
    this.#coap = undefined;
  }

  address(): PeerAddress {
    if (!this.#coap) throw new Error('the bootstrap server is not started');
    return this.#coap.address();
  }

  /**
   * Server-initiated bootstrap: configures `endpoint` at `peer` (by default the address of its
   * last Bootstrap-Request) without waiting for it to ask. Resolves once its Finish was
   * accepted. Over DTLS the client must hold a session with this server (the server does not
   * start handshakes).
   */
  async bootstrap(endpoint: string, peer?: PeerAddress): Promise<void> {
    const config = await this.store.get(endpoint);
    if (config === undefined) throw new BootstrapError('E_BS_UNKNOWN_ENDPOINT', `no bootstrap configuration for endpoint ${endpoint}`);
    const last = this.#last.get(endpoint);
    const to = peer ?? last?.peer;
    if (to === undefined) throw new BootstrapError('E_BS_UNREACHABLE', `the address of endpoint ${endpoint} is unknown: give it`);
    if (this.#running.has(endpoint)) throw new BootstrapError('E_BS_BUSY', `endpoint ${endpoint} is being bootstrapped`);
    await this.#run(endpoint, to, config, last?.format ?? ContentFormat.TLV);
  }

  async #onRequest(req: IncomingRequest): Promise<OutgoingResponse> {
    if (req.path.length !== 1 || req.path[0] !== 'bs') return { code: ResponseCode.NotFound };
    if (req.method !== 'POST') return { code: ResponseCode.MethodNotAllowed };
    const ep = req.query.find((q) => q.startsWith('ep='))?.slice(3);
    if (ep === undefined || ep === '') return { code: ResponseCode.BadRequest, payload: 'the endpoint name (ep) is missing', contentFormat: 0 };
    const refusal = await this.#checkIdentity(ep, req.identity);
    if (refusal !== undefined) {
      this.#log.warn({ endpoint: ep, peer: req.peer, identity: describeIdentity(req.identity) }, `bootstrap refused: ${refusal}`);
      return { code: ResponseCode.Forbidden, payload: refusal, contentFormat: 0 };
    }
    const config = await this.store.get(ep);
    if (config === undefined) {
      this.#log.warn({ endpoint: ep, peer: req.peer }, 'bootstrap refused: no configuration for this endpoint');
      return { code: ResponseCode.BadRequest, payload: 'no bootstrap configuration for this endpoint', contentFormat: 0 };
    }
    const pct = Number(req.query.find((q) => q.startsWith('pct='))?.slice(4));
    const format = pct === ContentFormat.SENML_CBOR || pct === ContentFormat.SENML_JSON ? pct : ContentFormat.TLV;
    this.#last.set(ep, { peer: req.peer, format });
    this.emit('request', ep, req.peer);
    if (!this.#running.has(ep)) {
      // Marked now, not when the run starts: a second request in the same turn starts nothing.
      this.#running.add(ep);
      // After the 2.04: the configuration goes out from this socket once the answer is sent.
      setImmediate(() => void this.#run(ep, req.peer, config, format).catch(() => {}));
    }
    return { code: ResponseCode.Changed };
  }

  /** Why this identity (undefined: plain CoAP) may not bootstrap as `endpoint`; undefined when it may. */
  async #checkIdentity(endpoint: string, identity: PeerIdentity | undefined): Promise<string | undefined> {
    const store = this.options.securityStore;
    if (store === undefined) return undefined;
    const entry = await store.get(endpoint);
    if (identity === undefined) return entry?.allowNoSec === true ? undefined : `endpoint ${endpoint} must bootstrap over DTLS`;
    return entry !== undefined && identityBelongsTo(entry, identity) ? undefined : `${describeIdentity(identity)} may not bootstrap as endpoint ${endpoint}`;
  }

  async #run(ep: string, peer: PeerAddress, config: BootstrapEndpointConfig, format: number): Promise<void> {
    const coap = this.#coap;
    if (!coap) throw new BootstrapError('E_BS_STOPPED', 'the bootstrap server is stopped');
    this.#running.add(ep);
    try {
      const exchange = new BootstrapExchange(coap, ep, peer, format, resolve, this.options.requestTimeoutMs ?? 30_000);
      await (this.options.configure ?? defaultScript)(exchange, config);
      this.#log.info({ endpoint: ep, servers: config.servers.map((s) => s.uri) }, 'bootstrapped');
      this.emit('bootstrapped', ep, config.servers);
    } catch (e) {
      this.#log.warn({ endpoint: ep, err: (e as Error).message }, 'bootstrap failed');
      this.emit('failed', ep, e as Error);
      throw e;
    } finally {
      this.#running.delete(ep);
    }
  }
}

/** The default run: the client's servers replaced by the configured ones. */
export const defaultScript: BootstrapScript = async (ex, config) => {
  await ex.delete('/0');
  await ex.delete('/1');
  // The client's own bootstrap account stays in /0: new Security instances take other ids.
  const taken = new Set<number>();
  for (const l of await ex.discover('/0')) {
    const m = /^\/0\/(\d+)$/.exec(l.target);
    if (m) taken.add(Number(m[1]));
  }
  let next = 0;
  const freeId = (): number => {
    while (taken.has(next)) next++;
    taken.add(next);
    return next;
  };
  for (const [k, s] of config.servers.entries()) {
    const secId = freeId();
    const psk = s.security.mode === 'psk' ? s.security : undefined;
    await ex.write(`/0/${secId}`, instanceNode(secId, [
      resourceNode(0, s.uri), resourceNode(1, false), resourceNode(2, psk ? 0 : 3),
      resourceNode(3, psk ? new TextEncoder().encode(psk.identity) : new Uint8Array(0)),
      resourceNode(4, new Uint8Array(0)),
      resourceNode(5, psk ? Uint8Array.from(Buffer.from(psk.key, 'hex')) : new Uint8Array(0)),
      resourceNode(10, s.shortServerId),
    ]));
    await ex.write(`/1/${k}`, instanceNode(k, [resourceNode(0, s.shortServerId), resourceNode(1, s.lifetime), resourceNode(6, false), resourceNode(7, s.binding)]));
  }
  if (config.acl !== undefined) {
    await ex.delete('/2');
    for (const [k, node] of accessControlInstances(config.acl).entries()) await ex.write(`/2/${k}`, node);
  }
  await ex.finish();
};

const RIGHT_BITS: Readonly<Record<BootstrapAclEntry['rights'][number], number>> = { read: 1, write: 2, execute: 4, delete: 8, create: 16 };

/** One Access Control instance per target (/o/i, or /o/65535 for the object itself), ids 0, 1, ... */
export function accessControlInstances(acl: readonly BootstrapAclEntry[]): InstanceNode[] {
  const byTarget = new Map<string, { objectId: number; instanceId: number; acl: Map<number, number>; owner: number | undefined }>();
  for (const e of acl) {
    const instanceId = e.instance === 'object' ? 65535 : e.instance;
    const key = `${e.object}/${instanceId}`;
    const t = byTarget.get(key) ?? { objectId: e.object, instanceId, acl: new Map<number, number>(), owner: undefined };
    t.acl.set(e.server, (t.acl.get(e.server) ?? 0) | e.rights.reduce((b, r) => b | RIGHT_BITS[r], 0));
    t.owner ??= e.owner;
    byTarget.set(key, t);
  }
  return [...byTarget.values()].map((t, k) => instanceNode(k, [
    resourceNode(0, t.objectId), resourceNode(1, t.instanceId), multipleResourceNode(2, t.acl), resourceNode(3, t.owner ?? 65535),
  ]));
}
