/**
 * LwM2MClient: a device built from object instances (instances of generated classes or
 * application subclasses). Its servers are its Security (/0) and Server (/1) instances,
 * or the `servers` option that creates them. One CoAP endpoint on one UDP socket
 * registers with every server at once and answers their device-management requests.
 */
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import { codeText } from '../coap/codes.js';
import { CoapEndpoint } from '../coap/endpoint.js';
import { type Clock, systemClock } from '../coap/clock.js';
import { type Logger, silentLogger } from '../coap/logger.js';
import type { TransmissionParameters } from '../coap/parameters.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import type { DatagramTransport, PeerAddress } from '../transport/datagram-transport.js';
import { peerKey } from '../transport/datagram-transport.js';
import { UdpTransport } from '../transport/udp.js';
import { createDtlsClient } from '../dtls/dtls-client.js';
import { ClientError } from './client-error.js';
import type { CreateHook, DmContext, Requester } from './dm-context.js';
import { createDmHandler } from './dm-handler.js';
import { ObjectTree, type InstanceConstructor } from './object-tree.js';
import { registerPayload, type Lwm2mVersion } from './register-payload.js';
import { ServerRegistration, type RegistrationHost, type RegistrationState } from './registration.js';
import type { RetryPolicy } from './retry-policy.js';
import { bootstrapAccount, findBootstrapAccount, serverObjectFor, instancesFromConfig, readServerAccounts, type PskConfig, type ServerAccount, type ServerConfig } from './server-accounts.js';
import { BootstrapClient, readBootstrapAccount, type BootstrapHost } from './bootstrap-client.js';
import type { RequestHandler } from '../coap/request.js';
import type { FactoryBootstrap } from './factory-bootstrap.js';
import { TypedEmitter } from './typed-emitter.js';
import { AttributeStore } from './write-attributes.js';
import { AccessControl } from './access-control.js';
import { read } from './dm-read.js';
import { Observations, type ServerLink, type ServerPolicy } from './observations.js';
import { postSend, prepareSend, type SendFormat } from './send.js';
import { StoredReports } from './stored-reports.js';
import { ContentFormat } from '../codec/content-format.js';
import { parsePath } from '../model/path.js';

export interface LwM2MClientOptions {
  /** The endpoint client name (ep). */
  readonly endpoint: string;
  /** The client's instances; Security/Server instances here describe its servers. */
  readonly objects: readonly ObjectInstance[];
  /** Objects supported without an instance yet (a server may Create them): generated object types or their classes. */
  readonly objectTypes?: readonly ({ readonly descriptor: ObjectDescriptor; readonly Instance?: InstanceConstructor })[];
  /** Servers to create Security (/0) and Server (/1) instances for (ids after any given ones). */
  readonly servers?: readonly ServerConfig[];
  /**
   * A bootstrap server (coap://, or coaps:// with a PSK). With no DM server configured, the
   * client asks it for its servers first (client-initiated bootstrap: after `holdOffS`, the
   * Client Hold Off Time /0/x/11; retried with `retry`), then registers with them. It also
   * accepts a bootstrap the server starts itself, and bootstraps again when a DM server
   * executes /1/x/9 or when every registration has failed for good.
   */
  readonly bootstrap?: {
    readonly uri: string;
    readonly psk?: PskConfig;
    /** Seconds before a client-initiated Bootstrap-Request (default 0). */
    readonly holdOffS?: number;
    /** Time the server has to send Bootstrap-Finish after the request, ms (default 60 s). */
    readonly finishTimeoutMs?: number;
    /** Back-off of failed Bootstrap-Requests (default: 2 s doubling up to 300 s, never giving up). */
    readonly retry?: RetryPolicy;
  };
  /** A factory bootstrap (readFactoryBootstrap(file)): its servers, bootstrap server and ACLs, loaded before the first registration. */
  readonly factory?: FactoryBootstrap;
  /** The LwM2M version registered with first (default "1.1"); 4.12 makes it fall back. */
  readonly lwm2mVersion?: Lwm2mVersion;
  /** MSISDN sent as the sms parameter. */
  readonly sms?: string;
  /** Local address and port of the UDP socket (127.0.0.1, 0). */
  readonly address?: string;
  readonly port?: number;
  /** A transport to use instead of a UDP socket of its own (DTLS, tests). */
  readonly transport?: DatagramTransport;
  /** CoAP transmission parameters (ACK_TIMEOUT, MAX_RETRANSMIT...). */
  readonly coap?: Partial<TransmissionParameters>;
  /** Back-off of failed registrations. */
  readonly retry?: RetryPolicy;
  /** Deadline of each Register/Update/De-register, ms (default CoAP MAX_TRANSMIT_WAIT). */
  readonly requestTimeoutMs?: number;
  /** Builds instances a server creates (default: the object's class, with the values sent). */
  readonly onCreate?: CreateHook;
  /**
   * Answer device-management requests from peers that are not one of the client's servers,
   * as if from the first server (tools like coap-client, tests). Off by default: others get 4.01.
   */
  readonly acceptUnknownPeers?: boolean;
  /** Largest request payload decoded, bytes (codec default 1 MiB). */
  readonly maxPayloadBytes?: number;
  /** pino-shaped logger; silent by default. */
  readonly logger?: Logger;
  /** Time for notification attributes (pmin, pmax); the system clock by default, a manual one in tests. */
  readonly clock?: Clock;
  /** Notifications and Sends kept per server while it is offline or disabled (/1/x/6), oldest dropped first (default 1000). */
  readonly maxStoredReports?: number;
}

/** Where a Send went, by short server id: delivered now, or stored until the server is back (/1/x/6). */
export interface SendResult {
  readonly delivered: readonly number[];
  readonly stored: readonly number[];
}

export interface RegistrationInfo {
  readonly shortServerId: number;
  readonly uri: string;
  readonly lwm2mVersion: Lwm2mVersion;
  /** "/rd/5a3f" */
  readonly location: string;
}

export interface ClientEvents {
  registered: RegistrationInfo;
  updated: RegistrationInfo;
  deregistered: { readonly shortServerId: number; readonly uri: string };
  /**
   * A Register or Update failed. After a failed Update the client registers anew at once;
   * after a failed Register it retries in `retryInMs`, or gives up on this server when undefined.
   */
  registrationFailed: {
    readonly shortServerId: number; readonly uri: string; readonly operation: 'register' | 'update';
    readonly error: ClientError; readonly attempt: number; readonly retryInMs: number | undefined;
  };
  /** The server answered 4.12: the client registers with an older LwM2M version. */
  versionFallback: { readonly shortServerId: number; readonly from: Lwm2mVersion; readonly to: Lwm2mVersion };
  /** A bootstrap finished (asked for or started by the server): the client registers with these servers. */
  bootstrapped: { readonly servers: readonly { readonly shortServerId: number; readonly uri: string }[] };
  /** A Bootstrap-Request failed (unreachable, refused, no Finish in time); retried in `retryInMs`, or given up when undefined. */
  bootstrapFailed: { readonly error: ClientError; readonly attempt: number; readonly retryInMs: number | undefined };
}

export interface ServerStatus {
  readonly shortServerId: number;
  readonly uri: string;
  readonly state: RegistrationState;
  readonly lwm2mVersion: Lwm2mVersion;
  readonly location: string | undefined;
}

export class LwM2MClient extends TypedEmitter<ClientEvents> {
  readonly endpointName: string;
  readonly tree = new ObjectTree();
  readonly attributes = new AttributeStore();
  readonly access = new AccessControl(this.tree, () => this.#registrations.length);
  readonly #options: LwM2MClientOptions;
  readonly #log: Logger;
  readonly #version: Lwm2mVersion;
  #endpoint: CoapEndpoint | undefined;
  #secureEndpoint: CoapEndpoint | undefined;
  #registrations: ServerRegistration[] = [];
  #started = false;
  #starting: Promise<void> | undefined;
  #structureTimer: NodeJS.Immediate | undefined;
  readonly #unsubscribe: (() => void)[] = [];
  #observations: Observations | undefined;
  #dm: DmContext | undefined;
  #bootstrap: BootstrapClient | undefined;
  /** Sockets being opened: plain (false) and DTLS (true). */
  readonly #opening = new Map<boolean, Promise<CoapEndpoint>>();
  readonly #defaults = new Map<number, ServerPolicy>();
  readonly #stored: StoredReports;
  /** Servers a report to went unanswered, or whose registration failed: reports to them are stored until they answer. */
  readonly #offline = new Set<number>();

  constructor(options: LwM2MClientOptions) {
    super();
    if (typeof options.endpoint !== 'string' || options.endpoint === '') throw new ClientError('E_CLIENT_CONFIG', 'an endpoint name is required');
    this.#options = options;
    this.endpointName = options.endpoint;
    this.#log = options.logger ?? silentLogger;
    this.#stored = new StoredReports(this.#log, options.maxStoredReports);
    this.#version = options.lwm2mVersion ?? '1.1';
    for (const t of options.objectTypes ?? []) this.tree.addType(t.descriptor, t.Instance);
    for (const i of options.objects) this.tree.add(i);
    if (options.factory !== undefined) {
      // The factory's servers join those given; an explicit bootstrap option wins over the factory's.
      const { servers, bootstrap } = options.factory;
      options = { ...options, servers: [...(options.servers ?? []), ...servers], ...(options.bootstrap === undefined && bootstrap !== undefined ? { bootstrap } : {}) };
      this.#options = options;
    }
    if (options.servers !== undefined && options.servers.length > 0) {
      const base = Math.max(-1, ...this.tree.instances(0).map((i) => i.id), ...this.tree.instances(1).map((i) => i.id)) + 1;
      for (const i of instancesFromConfig(options.servers, this.#version, base)) this.tree.add(i);
    }
    if (options.bootstrap !== undefined) {
      const id = Math.max(-1, ...this.tree.instances(0).map((i) => i.id)) + 1;
      this.tree.add(bootstrapAccount(options.bootstrap.uri, this.#version, id, options.bootstrap));
      // The bootstrap server writes Server instances: the client must know the object.
      if (this.tree.object(1) === undefined) this.tree.addType(serverObjectFor(this.#version).descriptor, serverObjectFor(this.#version).Instance);
    }
    this.tree.onStructureChange(() => this.#structureChanged());
  }

  /** The local address of the client's plain CoAP socket, or of its DTLS one when it has only coaps servers (after start()). */
  address(): PeerAddress {
    const ep = this.#endpoint ?? this.#secureEndpoint;
    if (ep === undefined) throw new ClientError('E_CLIENT_CONFIG', 'the client is not started');
    return ep.address();
  }

  /** Registration state per server, by ascending SSID. */
  status(): ServerStatus[] {
    return this.#registrations.map((r) => ({
      shortServerId: r.shortServerId, uri: r.account.uri, state: r.state, lwm2mVersion: r.version,
      location: r.location === undefined ? undefined : '/' + r.location.join('/'),
    }));
  }

  /** Opens the socket(s) and starts registering with every server; resolves before they answer. */
  start(): Promise<void> {
    // Two calls in a row share one start.
    this.#starting ??= this.#start().finally(() => { this.#starting = undefined; });
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#started) return;
    for (const g of this.#options.factory?.acl ?? []) await this.access.grant(g);
    const accounts = await readServerAccounts(this.tree);
    const bootstrapInstance = await findBootstrapAccount(this.tree);
    if (accounts.length === 0 && bootstrapInstance === undefined) throw new ClientError('E_CLIENT_CONFIG', 'no server: give Security (/0) and Server (/1) instances, the servers option, or a bootstrap server');
    this.#bootstrap = bootstrapInstance === undefined ? undefined : new BootstrapClient(this.#bootstrapHost(), await readBootstrapAccount(bootstrapInstance));
    this.#started = true;
    this.#dm = this.#dmContext();
    if (this.#bootstrap !== undefined) {
      // Known before any request comes in: a server-initiated bootstrap is recognised by it.
      await this.#bootstrap.resolvePeer().catch((e: Error) => this.#log.warn({ err: e.message }, 'bootstrap server address not resolved yet'));
    }
    if (accounts.length > 0) return this.#startRegistrations(accounts);
    // Only a bootstrap server: ask it first; its Finish starts the registrations (#bootstrapped).
    await this.#endpointFor(this.#bootstrap!.account.secure);
    void this.#runBootstrap();
  }

  /** The socket for plain (coap) or DTLS (coaps) servers, opened once when first needed. */
  #endpointFor(secure: boolean): Promise<CoapEndpoint> {
    let p = this.#opening.get(secure);
    if (p === undefined) {
      p = this.#openEndpoint(secure);
      this.#opening.set(secure, p);
    }
    return p;
  }

  async #openEndpoint(secure: boolean): Promise<CoapEndpoint> {
    const coap = { logger: this.#log, ...(this.#options.coap === undefined ? {} : { parameters: this.#options.coap }) };
    let endpoint: CoapEndpoint;
    if (!secure) {
      const transport = this.#options.transport ?? (await UdpTransport.bind({ address: this.#options.address ?? '127.0.0.1', port: this.#options.port ?? 0 }));
      endpoint = this.#endpoint = new CoapEndpoint({ transport, ...coap });
    } else {
      const udp = await UdpTransport.bind({ address: this.#options.address ?? '127.0.0.1', port: 0 });
      // The credentials (/0/x/2..5, 15, 16) of the server a handshake goes to: found by the address its registration resolved (or the bootstrap server's PSK).
      const dtls = createDtlsClient(udp, {
        credentials: (peer) => {
          const account = this.#registrations.find((r) => r.account.secure && r.peer !== undefined && peerKey(r.peer) === peerKey(peer))?.account.dtls;
          const psk = account === undefined ? this.#bootstrap?.pskFor(peer) : undefined;
          return account ?? (psk === undefined ? undefined : { psk });
        },
      });
      endpoint = this.#secureEndpoint = new CoapEndpoint({ transport: dtls, ...coap });
    }
    endpoint.onRequest(this.#router(secure));
    return endpoint;
  }

  /**
   * Requests from the bootstrap server go to its session; the others are device management.
   * A request counts as from a server only on that server's socket: plain CoAP cannot pass for a DTLS peer.
   */
  #router(secure: boolean): RequestHandler {
    // The context is looked up per request: a bootstrap replaces it (and the observations in it).
    let ctx: DmContext | undefined;
    let dm: RequestHandler | undefined;
    return (req) => {
      if (this.#bootstrap?.isPeer(req.peer, secure) === true) return this.#bootstrap.handle(req);
      if (ctx !== this.#dm || dm === undefined) {
        ctx = this.#dm!;
        dm = createDmHandler(ctx, (peer) => this.#requester(peer, secure));
      }
      return dm(req);
    };
  }

  async #startRegistrations(accounts: readonly ServerAccount[]): Promise<void> {
    for (const secure of new Set(accounts.map((a) => a.secure))) await this.#endpointFor(secure);
    if (!this.#started) return;
    const host = this.#host();
    this.#registrations = accounts.map((a) => new ServerRegistration(host, (a.secure ? this.#secureEndpoint : this.#endpoint)!, a, this.#version));
    // Lifetime or binding written by a server: tell it with an Update.
    for (const r of this.#registrations) {
      this.#unsubscribe.push(r.account.server.onChange((_, id) => { if (id === 1 || id === 7) this.#registrationOf(r.account.server)?.update(); }));
    }
    for (const r of this.#registrations) r.start();
  }

  /** Client-initiated bootstrap in the background; failures are told through `bootstrapFailed`. */
  async #runBootstrap(): Promise<void> {
    const bs = this.#bootstrap;
    if (bs === undefined || !this.#started) return;
    try {
      await bs.run();
    } catch (e) {
      if (!(e instanceof ClientError)) this.#log.error({ err: (e as Error).message }, 'bootstrap failed');
    }
  }

  /**
   * After an applied Bootstrap-Finish: De-register from the servers of before, then register
   * with those the tree now holds.
   */
  async #bootstrapped(): Promise<void> {
    if (!this.#started) return;
    for (const u of this.#unsubscribe.splice(0)) u();
    const old = this.#registrations;
    this.#registrations = [];
    await Promise.all(old.map((r) => r.stop(true)));
    this.#defaults.clear();
    // The servers of before were de-registered: their observations end with them.
    if (old.length > 0) this.#dm = this.#dmContext();
    let accounts: ServerAccount[];
    try {
      accounts = await readServerAccounts(this.tree);
    } catch (e) {
      this.#log.error({ err: (e as Error).message }, 'the bootstrapped configuration is not usable');
      return;
    }
    this.#log.info({ servers: accounts.map((a) => a.uri) }, 'bootstrapped');
    this.emit('bootstrapped', { servers: accounts.map((a) => ({ shortServerId: a.shortServerId, uri: a.uri })) });
    await this.#startRegistrations(accounts);
  }

  /**
   * Bootstrap on Registration Failure (/1/x/16, 1.1+; true when absent): once every
   * registration has failed for good, ask the bootstrap server again. A 1.0 client has no
   * such resource and always falls back to its bootstrap server.
   */
  async #bootstrapOnFailure(): Promise<void> {
    const regs = this.#registrations;
    if (this.#bootstrap === undefined || this.#bootstrap.running || regs.length === 0 || regs.some((r) => r.state !== 'failed')) return;
    for (const r of regs) {
      const s = r.account.server;
      if (s.has(16) && (await s.read(16)) === false) return;
    }
    this.#log.warn({}, 'every registration failed: bootstrapping again');
    await this.#runBootstrap();
  }

  #bootstrapHost(): BootstrapHost {
    const o = this.#options.bootstrap;
    return {
      endpointName: this.endpointName,
      version: this.#version,
      tree: this.tree,
      log: this.#log,
      retry: o?.retry ?? {},
      finishTimeoutMs: o?.finishTimeoutMs ?? 60_000,
      requestTimeoutMs: this.#options.requestTimeoutMs,
      endpoint: (secure) => this.#endpointFor(secure),
      bootstrapped: () => void this.#bootstrapped().catch((e: Error) => this.#log.error({ err: e.message }, 'registering after bootstrap failed')),
      failed: (error, attempt, retryInMs) => this.emit('bootstrapFailed', { error, attempt, retryInMs }),
    };
  }

  /** De-registers from every server (unless `deregister: false`), then closes the socket. */
  async stop(options: { deregister?: boolean } = {}): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#bootstrap?.stop();
    if (this.#structureTimer !== undefined) clearImmediate(this.#structureTimer);
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#observations?.close();
    this.#observations = undefined;
    await Promise.all(this.#registrations.map((r) => r.stop(options.deregister !== false)));
    await Promise.all([...this.#opening.values()].map((p) => p.then((e) => e.close(), () => undefined)));
    this.#opening.clear();
    this.#endpoint = undefined;
    this.#secureEndpoint = undefined;
  }

  /**
   * Send (LwM2M 1.1+): the values at these paths, time-stamped, to one server (by short server
   * id) or to every one it is registered with. A server that is offline or disabled gets it later
   * when its /1/x/6 (Notification Storing) is true: the values of now are stored and sent in
   * order once it is back. Rejects with ClientError E_CLIENT_SEND when the server cannot be sent
   * to (unknown, LwM2M 1.0, muted, offline without storing); with no server given, when none took it.
   */
  async send(paths: readonly string[], options: { shortServerId?: number; format?: SendFormat } = {}): Promise<SendResult> {
    const dm = this.#dm;
    if (dm === undefined || !this.#started) throw new ClientError('E_CLIENT_STOPPED', 'the client is not started');
    let parsed;
    try {
      parsed = paths.map((p) => parsePath(p));
    } catch (e) {
      throw new ClientError('E_CLIENT_SEND', (e as Error).message);
    }
    const one = options.shortServerId;
    const gone = (r: ServerRegistration): boolean => r.state === 'failed' || r.state === 'stopped' || r.state === 'idle';
    const targets = this.#registrations.filter((r) => (one === undefined ? !gone(r) && (r.location !== undefined || this.#link(r.shortServerId) !== 'online') : r.shortServerId === one));
    if (targets.length === 0) throw new ClientError('E_CLIENT_SEND', one === undefined ? 'no server is registered' : `no server ${one}`);
    const format = options.format ?? ContentFormat.SENML_CBOR;
    const now = Date.now();
    const outcomes = await Promise.allSettled(targets.map((r) => this.#sendOne(dm, r, parsed, format, now)));
    const delivered: number[] = [];
    const stored: number[] = [];
    outcomes.forEach((o, k) => { if (o.status === 'fulfilled') (o.value === 'stored' ? stored : delivered).push(targets[k]!.shortServerId); });
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed !== undefined && (one !== undefined || delivered.length + stored.length === 0)) throw failed.reason;
    return { delivered, stored };
  }

  async #sendOne(dm: DmContext, r: ServerRegistration, paths: readonly ReturnType<typeof parsePath>[], format: SendFormat, now: number): Promise<'delivered' | 'stored'> {
    const ssid = r.shortServerId;
    const timeout = this.#options.requestTimeoutMs ?? 93_000;
    const payload = await prepareSend(dm, r, paths, format, now);
    let link = this.#link(ssid);
    if (link === 'online' && r.state !== 'registered' && r.state !== 'updating') throw new ClientError('E_CLIENT_SEND', `server ${ssid} is not registered`);
    if (link === 'online') {
      try {
        await postSend(r, format, payload, timeout);
        return 'delivered';
      } catch (e) {
        if (!(e instanceof ClientError) || e.code !== 'E_CLIENT_UNREACHABLE' || !this.#started) throw e;
        this.#unreachable(ssid);
        link = 'offline';
      }
    }
    if (!(await this.#serverPolicy(ssid)).storing) throw new ClientError('E_CLIENT_SEND', `server ${ssid} is ${link} and its Notification Storing (/1/x/6) is false: the Send is dropped`);
    this.#stored.store(ssid, {
      owner: undefined, what: 'Send /dp',
      deliver: async () => {
        try {
          await postSend(r, format, payload, timeout);
        } catch (e) {
          if (e instanceof ClientError && e.code === 'E_CLIENT_UNREACHABLE') {
            this.#unreachable(ssid);
            return false;
          }
          this.#log.warn({ ssid, err: (e as Error).message }, 'stored Send refused');
        }
        return true;
      },
    });
    return 'stored';
  }

  /** Whether reports to a server can go out now; while some are stored, new ones queue behind them. */
  #link(ssid: number): ServerLink {
    const r = this.#registrations.find((x) => x.shortServerId === ssid);
    if (r === undefined) return 'online';
    if (r.state === 'disabled') return 'disabled';
    if (this.#offline.has(ssid) || (r.state !== 'registered' && r.state !== 'updating') || this.#stored.size(ssid) > 0) return 'offline';
    return 'online';
  }

  /** A report went unanswered: store until the server answers again; an Update finds out when. */
  #unreachable(ssid: number): void {
    if (this.#offline.has(ssid) || !this.#started) return;
    this.#offline.add(ssid);
    this.#log.warn({ ssid }, 'server unreachable: reports are stored until it answers');
    this.#registrations.find((x) => x.shortServerId === ssid)?.update();
  }

  /** The server answered a Register or Update: send what was stored for it, in order. */
  #online(ssid: number): void {
    this.#offline.delete(ssid);
    if (this.#stored.size(ssid) > 0) void this.#stored.flush(ssid);
  }

  /** Adds an instance; registered servers hear of it through an Update. */
  addInstance(instance: ObjectInstance): void {
    this.tree.add(instance);
  }

  /** Removes an instance; registered servers hear of it through an Update. */
  removeInstance(objectId: number, instanceId: number): boolean {
    return this.tree.remove(objectId, instanceId);
  }

  /** Sends an Update now to one server (by SSID) or to all. */
  triggerUpdate(shortServerId?: number): void {
    for (const r of this.#registrations) if (shortServerId === undefined || r.shortServerId === shortServerId) r.update();
  }

  #structureChanged(): void {
    if (!this.#started || this.#structureTimer !== undefined) return;
    // Several changes in one turn (a Create and its hook's instances) make one Update.
    this.#structureTimer = setImmediate(() => {
      this.#structureTimer = undefined;
      for (const r of this.#registrations) r.update({ payload: true });
    });
  }

  #registrationOf(server: ObjectInstance): ServerRegistration | undefined {
    return this.#registrations.find((r) => r.account.server === server);
  }

  #requester(peer: PeerAddress, secure: boolean): Requester | undefined {
    const key = peerKey(peer);
    const r = this.#registrations.find((x) => x.account.secure === secure && x.peer !== undefined && peerKey(x.peer) === key);
    // A disabled server is ignored, as the spec asks.
    if (r !== undefined) return r.state === 'disabled' ? undefined : { shortServerId: r.shortServerId, version: r.version };
    if (this.#options.acceptUnknownPeers !== true) return undefined;
    const first = this.#registrations[0];
    return { shortServerId: first?.shortServerId ?? 0, version: first?.version ?? this.#version };
  }

  /** Default pmin (/1/x/2), pmax (/1/x/3) and notification storing (/1/x/6) of the server with this short server id; the same object until they change. */
  async #serverPolicy(ssid: number): Promise<ServerPolicy> {
    const known = this.#defaults.get(ssid);
    if (known !== undefined) return known;
    let found: ServerPolicy = { storing: true };
    for (const server of this.tree.instances(1)) {
      if ((await server.read(0).catch(() => undefined)) !== ssid) continue;
      const number = async (id: number): Promise<number | undefined> => {
        if (!server.has(id)) return undefined;
        const v = await server.read(id).catch(() => undefined);
        return typeof v === 'number' ? v : undefined;
      };
      const [pmin, pmax] = await Promise.all([number(2), number(3)]);
      const storing = server.has(6) ? (await server.read(6).catch(() => true)) !== false : true;
      found = { ...(pmin !== undefined ? { pmin } : {}), ...(pmax !== undefined ? { pmax } : {}), storing };
      // A server writing its defaults (or any /1 change) makes them be read again.
      const off = server.onChange(() => {
        this.#defaults.delete(ssid);
        off();
      });
      break;
    }
    this.#defaults.set(ssid, found);
    return found;
  }

  #dmContext(): DmContext {
    const ctx: DmContext = {
      tree: this.tree,
      attributes: this.attributes,
      access: this.access,
      log: this.#log,
      create: this.#options.onCreate,
      maxPayloadBytes: this.#options.maxPayloadBytes,
      executed: (instance, resourceId) => {
        if (instance.descriptor.id !== 1) return;
        const r = this.#registrationOf(instance);
        if (r === undefined) return;
        // Registration Update Trigger: the client sends the Update itself, after the 2.04.
        if (resourceId === 8) setImmediate(() => r.update());
        // Bootstrap-Request Trigger: a client-initiated bootstrap, after the 2.04.
        if (resourceId === 9) {
          setImmediate(() => {
            if (this.#bootstrap === undefined) this.#log.warn({ ssid: r.shortServerId }, 'Bootstrap-Request Trigger executed, but the client has no bootstrap server');
            else void this.#runBootstrap();
          });
        }
        // Disable: answer first, then De-register and stay away for the Disable Timeout (86400 s by default).
        if (resourceId === 4) {
          setImmediate(() => {
            void (async () => {
              const t = instance.descriptor.resources.some((x) => x.id === 5) ? await instance.read(5) : undefined;
              await r.disable(typeof t === 'number' && t >= 0 ? t : 86400);
            })().catch((e: unknown) => this.#log.error({ err: (e as Error).message }, 'disable failed'));
          });
        }
      },
    };
    this.#observations?.close();
    // A notification is a Read of the observed path, made when the attributes say so.
    this.#observations = new Observations({
      tree: this.tree,
      attributes: this.attributes,
      clock: this.#options.clock ?? systemClock,
      log: this.#log,
      stored: this.#stored,
      serverPolicy: (ssid) => this.#serverPolicy(ssid),
      policyNow: (ssid) => this.#defaults.get(ssid),
      render: (who, path, accept) => read(ctx, who, path, accept),
      link: (ssid) => this.#link(ssid),
      unreachable: (ssid) => this.#unreachable(ssid),
    });
    return { ...ctx, observations: this.#observations };
  }

  #host(): RegistrationHost {
    const info = (r: ServerRegistration): RegistrationInfo => ({
      shortServerId: r.shortServerId, uri: r.account.uri, lwm2mVersion: r.version, location: '/' + (r.location ?? []).join('/'),
    });
    return {
      endpointName: this.endpointName,
      sms: this.#options.sms,
      retry: this.#options.retry ?? {},
      requestTimeoutMs: this.#options.requestTimeoutMs,
      log: this.#log,
      payload: (v) => registerPayload(this.tree, v),
      account: async (ssid) => (await readServerAccounts(this.tree)).find((a) => a.shortServerId === ssid),
      registered: (r) => {
        this.#log.info({ ssid: r.shortServerId, location: r.location }, 'registered');
        this.#online(r.shortServerId);
        this.emit('registered', info(r));
      },
      updated: (r) => {
        this.#online(r.shortServerId);
        this.emit('updated', info(r));
      },
      deregistered: (r) => this.emit('deregistered', { shortServerId: r.shortServerId, uri: r.account.uri }),
      failed: (r, operation, error, attempt, retryInMs) => {
        if (error.code !== 'E_CLIENT_STOPPED') this.#offline.add(r.shortServerId);
        this.#log.warn({ ssid: r.shortServerId, operation, code: error.code, err: error.message, retryInMs }, 'registration failed');
        this.emit('registrationFailed', { shortServerId: r.shortServerId, uri: r.account.uri, operation, error, attempt, retryInMs });
        if (operation === 'register' && retryInMs === undefined) setImmediate(() => void this.#bootstrapOnFailure());
      },
      versionFallback: (r, from, to) => this.emit('versionFallback', { shortServerId: r.shortServerId, from, to }),
      // A new Register would end the observations whose notifications are stored: keep the registration.
      keepRegistration: (r) => this.#stored.size(r.shortServerId) > 0,
    };
  }
}
