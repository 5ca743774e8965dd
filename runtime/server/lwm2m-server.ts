/**
 * The LwM2M server: the registration interface on one CoAP endpoint, registrations in a
 * store (in memory by default), lifetime expiry, events, and device management of each
 * registered client by path or through generated object types.
 */
import { EventEmitter } from 'node:events';
import type { Registry } from '../../registry/create-registry.js';
import { coreRegistry } from '../../registry/index.js';
import { ResponseCode } from '../coap/codes.js';
import { CoapEndpoint, type EndpointOptions } from '../coap/endpoint.js';
import { silentLogger, type Logger } from '../coap/logger.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import type { DatagramTransport, PeerAddress } from '../transport/datagram-transport.js';
import { UdpTransport } from '../transport/udp.js';
import { createServerDtlsTransport, type ServerDtlsOptions } from './dtls-transport.js';
import type { LwM2MNode } from '../model/node.js';
import type { LwM2MRecord } from '../model/record.js';
import { MemoryObservationStore, type ObservationStore, type StoredObservation } from './observation-store.js';
import { ServerObservations } from './server-observations.js';
import { handleRegistration, type RegistrationContext } from './registration-interface.js';
import { handleSend } from './send-interface.js';
import type { Registration } from './registration.js';
import { QueueMode } from './queue-mode.js';
import { supportedVersions, type Lwm2mVersion } from './registration-params.js';
import { MemoryRegistrationStore, type RegistrationStore } from './registration-store.js';
import { RemoteClient } from './remote-client.js';
import type { SecurityStore } from './security-store.js';
import { ServerError } from './server-error.js';

export interface LwM2MServerOptions {
  /** UDP port to listen on; 5683 by default (5684 with `dtls`), 0 for any. Ignored when `transport` is given. */
  readonly port?: number;
  /** Local address; 127.0.0.1 by default. */
  readonly address?: string;
  /** A transport of your own (a DTLS server you built, or UDP bound elsewhere). */
  readonly transport?: DatagramTransport;
  /**
   * Receive buffer of the server's UDP socket, bytes; the OS default when absent (208 KiB on
   * Linux, a few hundred datagrams). Notifications of many clients come in bursts: give a few MiB
   * (Linux caps it at net.core.rmem_max) or the kernel drops what does not fit.
   */
  readonly recvBufferSize?: number;
  /**
   * Per endpoint name: its DTLS credentials and whether NoSec is allowed. With it, a Register
   * whose DTLS identity is not the endpoint's, or a plain one where NoSec is not allowed, is
   * refused with 4.03. Without it, any identity (or none) may register as any endpoint.
   */
  readonly securityStore?: SecurityStore;
  /** Listen on DTLS (coaps) with the credentials of `securityStore`, which it needs. */
  readonly dtls?: ServerDtlsOptions;
  readonly store?: RegistrationStore;
  /** What the server observes, by token; in memory by default. Share it (Redis) so that a restarted or second process matches notifications again. */
  readonly observationStore?: ObservationStore;
  /**
   * LwM2M versions accepted in a Register (all of 1.0, 1.1, 1.2 by default). A client asking for
   * another gets 4.12 Precondition Failed, and a client that can falls back to an older version.
   */
  readonly lwm2mVersions?: readonly Lwm2mVersion[];
  /** Object descriptors of the objects clients may register; the core objects by default. */
  readonly registry?: Registry;
  /** pino-shaped; silent by default. */
  readonly logger?: Logger;
  /** Deadline of each request to a client (ms); 30 s by default. */
  readonly requestTimeoutMs?: number;
  /** How often lifetimes are checked (ms); 1 s by default. */
  readonly expiryCheckMs?: number;
  /** How long a queue-mode client stays reachable after a message from it (ms); MAX_TRANSMIT_WAIT, 93 s, by default. */
  readonly queueAwakeMs?: number;
  /** Wall clock in ms; Date.now by default (tests give their own). */
  readonly now?: () => number;
  /** Options of the CoAP endpoint (transmission parameters, limits; coalesceSends is on unless set false). */
  readonly coap?: Omit<EndpointOptions, 'transport' | 'logger'>;
}

export interface ServerEvents {
  registered: [registration: Registration, replaced: Registration | undefined];
  updated: [registration: Registration, previous: Registration];
  deregistered: [registration: Registration];
  expired: [registration: Registration];
  /** A queue-mode client can be reached: requests waiting for it go out. */
  awake: [endpoint: string];
  /** A queue-mode client's awake time is over: requests to it wait. */
  sleeping: [endpoint: string];
  /** A registered client sent values (Send, POST /dp), time-stamped records. */
  send: [registration: Registration, records: readonly LwM2MRecord[]];
  /**
   * Every notification of an observation of this server, decoded: those made in this process
   * (their observe() listener gets them too) and those taken up again from the observation
   * store after a restart. `path` is the observed path as formatPath writes it ("/3/0/9"); an
   * Observe-Composite notification fires once per path it carries.
   */
  notification: [endpoint: string, path: string, node: LwM2MNode, observation: StoredObservation];
}

export class LwM2MServer extends EventEmitter<ServerEvents> {
  readonly store: RegistrationStore;
  readonly observationStore: ObservationStore;
  readonly registry: Registry;
  readonly #options: LwM2MServerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #coap: CoapEndpoint | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  readonly #queue: QueueMode;
  readonly #observations: ServerObservations;
  readonly #registrationContext: RegistrationContext;

  constructor(options: LwM2MServerOptions = {}) {
    super();
    if (options.dtls !== undefined && options.securityStore === undefined) throw new ServerError('E_ARGUMENT', 'the dtls option needs a securityStore');
    if (options.dtls !== undefined && options.transport !== undefined) throw new ServerError('E_ARGUMENT', 'give either dtls or transport, not both');
    const versions = options.lwm2mVersions;
    if (versions !== undefined && (versions.length === 0 || versions.some((v) => !supportedVersions.includes(v)))) {
      throw new ServerError('E_ARGUMENT', `lwm2mVersions must list some of ${supportedVersions.join(', ')}`);
    }
    this.#options = options;
    this.store = options.store ?? new MemoryRegistrationStore();
    this.observationStore = options.observationStore ?? new MemoryObservationStore();
    this.registry = options.registry ?? coreRegistry;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#queue = new QueueMode(options.queueAwakeMs ?? 93_000, this.#now, {
      awake: (endpoint) => this.#emit('awake', endpoint),
      sleeping: (endpoint) => this.#emit('sleeping', endpoint),
    });
    this.#observations = new ServerObservations({
      store: this.observationStore, registrations: this.store, log: this.#log,
      resume: (r, o) => this.client(r.endpoint).resumeObservation(r, o),
    });
    this.#registrationContext = this.#makeRegistrationContext();
  }

  async start(): Promise<void> {
    if (this.#coap) return;
    const transport = this.#options.transport ?? (await this.#bind());
    // Coalesced sends: a server answering and asking many clients at once wakes each peer process once per turn, not per datagram.
    const coap = new CoapEndpoint({ maxPeers: 1_000_000, coalesceSends: true, ...this.#options.coap, transport, logger: this.#log });
    coap.onRequest((req) => this.#onRequest(req));
    coap.onUnknownNotification((n) => this.#observations.unknown(n));
    this.#coap = coap;
    this.#expiryTimer = setInterval(() => void this.#expire(), this.#options.expiryCheckMs ?? 1000);
    this.#expiryTimer.unref();
  }

  async #bind(): Promise<DatagramTransport> {
    const { dtls, securityStore } = this.#options;
    const udp = await UdpTransport.bind({
      address: this.#options.address ?? '127.0.0.1', port: this.#options.port ?? (dtls ? 5684 : 5683),
      ...(this.#options.recvBufferSize === undefined ? {} : { recvBufferSize: this.#options.recvBufferSize }),
    });
    if (dtls === undefined || securityStore === undefined) return udp;
    try {
      return createServerDtlsTransport(udp, securityStore, dtls, this.#log);
    } catch (e) {
      await udp.close();
      throw e;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#expiryTimer);
    this.#expiryTimer = undefined;
    await this.#coap?.close();
    this.#coap = undefined;
    this.#observations.close();
  }

  address(): PeerAddress {
    return this.#endpoint().address();
  }

  /**
   * Device management of one endpoint. The handle is light and holds no state of its own: it
   * looks the registration up on each call, so it stays valid across re-registrations.
   */
  client(endpoint: string): RemoteClient {
    return new RemoteClient(endpoint, {
      coap: this.#endpoint(), store: this.store, registry: this.registry, timeoutMs: this.#options.requestTimeoutMs ?? 30_000, queue: this.#queue,
      observations: this.#observations, notify: (o, path, node) => this.#emit('notification', o.endpoint, path, node, o),
    });
  }

  /** Built once: a context object (and its closures) per request cost a Register more than its store update. */
  #makeRegistrationContext(): RegistrationContext {
    return {
      store: this.store,
      now: this.#now,
      log: this.#log,
      ...(this.#options.securityStore ? { security: this.#options.securityStore } : {}),
      ...(this.#options.lwm2mVersions ? { lwm2mVersions: this.#options.lwm2mVersions } : {}),
      events: {
        registered: (r, replaced) => {
          if (this.#log !== silentLogger) this.#log.info({ endpoint: r.endpoint, id: r.id, lifetime: r.lifetime, lwm2m: r.lwm2mVersion, binding: r.binding, objects: r.objects.objects.map((o) => `/${o.id}@${o.version}`) }, 'registered');
          this.#emit('registered', r, replaced);
          // A new Register starts afresh: the old registration's observations end with it.
          if (replaced !== undefined) this.#dropObservations(replaced);
          if (r.queueMode) this.#queue.wake(r.endpoint);
        },
        updated: (r, previous) => {
          this.#log.info({ endpoint: r.endpoint, id: r.id }, 'updated');
          this.#emit('updated', r, previous);
          if (r.queueMode) this.#queue.wake(r.endpoint);
        },
        deregistered: (r) => {
          this.#log.info({ endpoint: r.endpoint, id: r.id }, 'deregistered');
          this.#queue.forget(r.endpoint);
          this.#dropObservations(r);
          this.#emit('deregistered', r);
        },
      },
    };
  }

  async #onRequest(req: IncomingRequest): Promise<OutgoingResponse> {
    const answer = await handleRegistration(req, this.#registrationContext);
    if (answer) return answer;
    const sent = await handleSend(req, {
      store: this.store,
      registry: this.registry,
      log: this.#log,
      sent: (r, records) => {
        // Any message from a queue-mode client shows it awake.
        if (r.queueMode) this.#queue.wake(r.endpoint);
        this.#emit('send', r, records);
      },
    });
    return sent ?? { code: ResponseCode.NotFound };
  }

  async #expire(): Promise<void> {
    try {
      for (const r of await this.store.removeExpired(this.#now())) {
        this.#log.info({ endpoint: r.endpoint, id: r.id }, 'registration expired');
        this.#queue.forget(r.endpoint);
        this.#dropObservations(r);
        this.#emit('expired', r);
      }
    } catch (e) {
      this.#log.error({ err: e }, 'expiry check failed');
    }
  }

  #dropObservations(r: Registration): void {
    this.#observations.dropRegistration(r.id).catch((e: unknown) => this.#log.warn({ err: (e as Error).message, endpoint: r.endpoint, id: r.id }, 'observation store: removing a registration\'s observations failed'));
  }

  /** A listener that throws is the application's bug: logged, never the protocol's problem. */
  #emit<K extends keyof ServerEvents>(event: K, ...args: ServerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ServerEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      this.#log.error({ err: e, event }, 'an event listener threw');
    }
  }

  #endpoint(): CoapEndpoint {
    if (!this.#coap) throw new Error('the server is not started: call start() first');
    return this.#coap;
  }
}
