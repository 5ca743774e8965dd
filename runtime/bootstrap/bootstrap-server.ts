/**
 * The LwM2M bootstrap server: answers Bootstrap-Request (POST /bs?ep=NAME[&pct=F]) with 2.04,
 * then configures the client from the same socket: Bootstrap-Delete of /0 and /1 (the client
 * keeps its own bootstrap-server account), Bootstrap-Discover of /0 to learn which instance ids
 * are taken, Write of one Security and one Server instance per configured server, and
 * Bootstrap-Finish. Events tell how each client fared.
 */
import { EventEmitter } from 'node:events';
import { coreRegistry, LwM2MSecurity, LwM2MServer as ServerObject } from '../../registry/index.js';
import { encode } from '../codec/codec.js';
import { ContentFormat } from '../codec/content-format.js';
import { decodeCoreLinks } from '../codec/core-link.js';
import { ResponseCode, codeText } from '../coap/codes.js';
import { CoapEndpoint } from '../coap/endpoint.js';
import { silentLogger, type Logger } from '../coap/logger.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { instanceNode, resourceNode } from '../model/node.js';
import { objectResolver } from '../model/object-resolver.js';
import type { DatagramTransport, PeerAddress } from '../transport/datagram-transport.js';
import { UdpTransport } from '../transport/udp.js';
import type { BootstrapConfig, BootstrapServerEntry } from './bootstrap-config.js';

export interface BootstrapServerOptions {
  readonly config: BootstrapConfig;
  /** UDP port; 5683 by default, 0 for any. */
  readonly port?: number;
  readonly address?: string;
  readonly transport?: DatagramTransport;
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

const resolve = objectResolver(coreRegistry, new Map([[0, LwM2MSecurity.descriptor.version], [1, ServerObject.descriptor.version]]));

export class BootstrapServer extends EventEmitter<BootstrapEvents> {
  #coap: CoapEndpoint | undefined;
  readonly #log: Logger;
  /** Endpoints being configured: a repeated Bootstrap-Request does not start a second run. */
  readonly #running = new Set<string>();

  constructor(private readonly options: BootstrapServerOptions) {
    super();
    this.#log = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.#coap) return;
    const transport = this.options.transport ?? (await UdpTransport.bind({ address: this.options.address ?? '127.0.0.1', port: this.options.port ?? 5683 }));
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

  #onRequest(req: IncomingRequest): OutgoingResponse {
    if (req.path.length !== 1 || req.path[0] !== 'bs') return { code: ResponseCode.NotFound };
    if (req.method !== 'POST') return { code: ResponseCode.MethodNotAllowed };
    const ep = req.query.find((q) => q.startsWith('ep='))?.slice(3);
    if (ep === undefined || ep === '') return { code: ResponseCode.BadRequest, payload: 'the endpoint name (ep) is missing', contentFormat: 0 };
    const servers = this.options.config.endpoints[ep]?.servers ?? this.options.config.default?.servers;
    if (servers === undefined) {
      this.#log.warn({ endpoint: ep, peer: req.peer }, 'bootstrap refused: no configuration for this endpoint');
      return { code: ResponseCode.BadRequest, payload: 'no bootstrap configuration for this endpoint', contentFormat: 0 };
    }
    const pct = Number(req.query.find((q) => q.startsWith('pct='))?.slice(4));
    const format = pct === ContentFormat.SENML_CBOR || pct === ContentFormat.SENML_JSON ? pct : ContentFormat.TLV;
    this.emit('request', ep, req.peer);
    if (!this.#running.has(ep)) {
      this.#running.add(ep);
      // After the 2.04: the configuration goes out from this socket once the answer is sent.
      setImmediate(() => {
        this.#configure(ep, req.peer, servers, format)
          .then(() => this.emit('bootstrapped', ep, servers))
          .catch((e: Error) => {
            this.#log.warn({ endpoint: ep, err: e.message }, 'bootstrap failed');
            this.emit('failed', ep, e);
          })
          .finally(() => this.#running.delete(ep));
      });
    }
    return { code: ResponseCode.Changed };
  }

  async #configure(ep: string, peer: PeerAddress, servers: readonly BootstrapServerEntry[], format: number): Promise<void> {
    const coap = this.#coap;
    if (!coap) throw new Error('stopped');
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const expect = async (what: string, code: number, p: Promise<{ code: number }>): Promise<void> => {
      const r = await p;
      if (r.code !== code) throw new Error(`${what} answered ${codeText(r.code)}`);
    };
    await expect('Bootstrap-Delete /0', ResponseCode.Deleted, coap.request(peer, { method: 'DELETE', path: '/0', timeoutMs }));
    await expect('Bootstrap-Delete /1', ResponseCode.Deleted, coap.request(peer, { method: 'DELETE', path: '/1', timeoutMs }));
    // The client's own bootstrap account stays in /0: new Security instances take other ids.
    const discovered = await coap.request(peer, { method: 'GET', path: '/0', accept: ContentFormat.LINK, timeoutMs });
    const taken = new Set<number>();
    if (discovered.code === ResponseCode.Content) {
      for (const l of decodeCoreLinks(discovered.payload)) {
        const m = /^\/0\/(\d+)$/.exec(l.target);
        if (m) taken.add(Number(m[1]));
      }
    }
    let next = 0;
    const freeId = (): number => {
      while (taken.has(next)) next++;
      taken.add(next);
      return next;
    };
    for (const [k, s] of servers.entries()) {
      const secId = freeId();
      const psk = s.security.mode === 'psk' ? s.security : undefined;
      const security = instanceNode(secId, [
        resourceNode(0, s.uri), resourceNode(1, false), resourceNode(2, psk ? 0 : 3),
        resourceNode(3, psk ? new TextEncoder().encode(psk.identity) : new Uint8Array(0)),
        resourceNode(4, new Uint8Array(0)),
        resourceNode(5, psk ? Buffer.from(psk.key, 'hex') : new Uint8Array(0)),
        resourceNode(10, s.shortServerId),
      ]);
      const path0 = { objectId: 0, instanceId: secId };
      await expect(`Write /0/${secId}`, ResponseCode.Changed, coap.request(peer, { method: 'PUT', path: `/0/${secId}`, contentFormat: format, payload: encode(format, path0, security, { resolve }), timeoutMs }));
      const server = instanceNode(k, [resourceNode(0, s.shortServerId), resourceNode(1, s.lifetime), resourceNode(6, false), resourceNode(7, s.binding)]);
      const path1 = { objectId: 1, instanceId: k };
      await expect(`Write /1/${k}`, ResponseCode.Changed, coap.request(peer, { method: 'PUT', path: `/1/${k}`, contentFormat: format, payload: encode(format, path1, server, { resolve }), timeoutMs }));
    }
    await expect('Bootstrap-Finish', ResponseCode.Changed, coap.request(peer, { method: 'POST', path: '/bs', timeoutMs }));
    this.#log.info({ endpoint: ep, servers: servers.map((s) => s.uri) }, 'bootstrapped');
  }
}
