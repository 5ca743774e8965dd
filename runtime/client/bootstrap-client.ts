/**
 * The client's side of its bootstrap server account: client-initiated bootstrap (wait the
 * Client Hold Off Time /0/x/11, Bootstrap-Request, wait for Bootstrap-Finish, retry with
 * back-off when the server cannot be reached, refuses or does not finish), and
 * server-initiated bootstrap (requests from the bootstrap server's address that nobody asked
 * for open a session of their own). Every accepted Finish is reported once to the client,
 * which then registers with the servers it was given.
 */
import { lookup } from 'node:dns/promises';
import { ResponseCode, codeText } from '../coap/codes.js';
import type { CoapEndpoint } from '../coap/endpoint.js';
import type { Logger } from '../coap/logger.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { ContentFormat } from '../codec/content-format.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import { peerKey, type PeerAddress } from '../transport/datagram-transport.js';
import { BootstrapSession } from './bootstrap-session.js';
import { ClientError } from './client-error.js';
import type { ObjectTree } from './object-tree.js';
import type { Lwm2mVersion } from './register-payload.js';
import { isLastAttempt, retryDelayMs, type RetryPolicy } from './retry-policy.js';
import { parseServerUri, type PskConfig } from './server-accounts.js';

/** The bootstrap server as its Security instance (Bootstrap-Server = true) describes it. */
export interface BootstrapAccount {
  readonly instance: ObjectInstance;
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** coaps: the PSK of /0/x/3 (identity) and /0/x/5 (key), security mode 0. */
  readonly psk: PskConfig | undefined;
  /** Client Hold Off Time (/0/x/11), seconds; 0 when absent. */
  readonly holdOffS: number;
  /** Bootstrap-Server Account Timeout (/0/x/12), seconds after a finished bootstrap; 0 (never) when absent. */
  readonly accountTimeoutS: number;
}

async function value(i: ObjectInstance, id: number): Promise<unknown> {
  return i.descriptor.resources.some((r) => r.id === id) && i.has(id) ? i.read(id) : undefined;
}

export async function readBootstrapAccount(instance: ObjectInstance): Promise<BootstrapAccount> {
  const uri = await value(instance, 0);
  if (typeof uri !== 'string') throw new ClientError('E_CLIENT_CONFIG', `${instance.path}: the bootstrap account has no URI`);
  const { host, port, secure } = parseServerUri(uri);
  let psk: PskConfig | undefined;
  if (secure) {
    const [mode, identity, key] = [await value(instance, 2), await value(instance, 3), await value(instance, 5)];
    if (mode !== 0) throw new ClientError('E_CLIENT_CONFIG', `${instance.path}: a coaps:// bootstrap server needs PSK (security mode 0), not mode ${String(mode)}`);
    if (!(identity instanceof Uint8Array) || identity.length === 0 || !(key instanceof Uint8Array) || key.length === 0) {
      throw new ClientError('E_CLIENT_CONFIG', `${instance.path}: PSK mode needs an identity (/0/x/3) and a key (/0/x/5)`);
    }
    psk = { identity: new TextDecoder().decode(identity), key };
  }
  const [holdOff, timeout] = [await value(instance, 11), await value(instance, 12)];
  const seconds = (v: unknown): number => (typeof v === 'number' && v > 0 ? v : 0);
  return { instance, uri, host, port, secure, psk, holdOffS: seconds(holdOff), accountTimeoutS: seconds(timeout) };
}

/** What a bootstrap runner needs from its client. */
export interface BootstrapHost {
  readonly endpointName: string;
  readonly version: Lwm2mVersion;
  readonly tree: ObjectTree;
  readonly log: Logger;
  readonly retry: RetryPolicy;
  /** How long the bootstrap server has after the Bootstrap-Request to send Finish, ms. */
  readonly finishTimeoutMs: number;
  readonly requestTimeoutMs: number | undefined;
  /** The client's socket for this account (plain or DTLS), opened when needed. */
  endpoint(secure: boolean): Promise<CoapEndpoint>;
  /** A Finish was applied: the tree holds the new configuration. Called after the 2.04 is on its way. */
  bootstrapped(): void;
  /** A Bootstrap-Request attempt failed; retried in `retryInMs`, or given up when undefined. */
  failed(error: ClientError, attempt: number, retryInMs: number | undefined): void;
}

type Wake = 'elapsed' | 'finished' | 'stopped';

export class BootstrapClient {
  #peer: PeerAddress | undefined;
  #session: BootstrapSession | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** Woken by an applied Finish or by stop(). */
  #wake: ((w: Wake) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Purges the account once the Bootstrap-Server Account Timeout has run out. */
  #purgeTimer: NodeJS.Timeout | undefined;
  #purged = false;

  constructor(
    private readonly host: BootstrapHost,
    readonly account: BootstrapAccount,
  ) {}

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Resolves the server's address (requests from it are bootstrap requests). */
  async resolvePeer(): Promise<PeerAddress> {
    if (this.#peer !== undefined) return this.#peer;
    const { host, port } = this.account;
    const address = /^[0-9.]+$/.test(host) || host.includes(':') ? host : (await lookup(host, { family: 4 })).address;
    this.#peer = { address, port };
    return this.#peer;
  }

  /** Whether a request on the plain (secure = false) or DTLS socket comes from this bootstrap server. */
  isPeer(peer: PeerAddress, secure: boolean): boolean {
    return !this.#purged && secure === this.account.secure && this.#peer !== undefined && peerKey(peer) === peerKey(this.#peer);
  }

  /** The PSK for a DTLS handshake with `peer`, when it is this bootstrap server. */
  pskFor(peer: PeerAddress): PskConfig | undefined {
    return this.isPeer(peer, true) ? this.account.psk : undefined;
  }

  /**
   * A request from the bootstrap server. Outside a session the client asked for, it opens one
   * (server-initiated bootstrap): the client accepts its bootstrap server's writes at any time.
   */
  handle(req: IncomingRequest): Promise<OutgoingResponse> {
    if (this.#stopped) return Promise.resolve({ code: ResponseCode.ServiceUnavailable });
    if (this.#session === undefined || this.#session.closed) {
      this.host.log.info({ peer: req.peer }, 'server-initiated bootstrap');
      this.#open();
    }
    return this.#session!.handle(req);
  }

  /**
   * Client-initiated bootstrap: hold-off, then Bootstrap-Request until a Finish is applied
   * (also one of a server-initiated session meanwhile). Rejects with the last error when the
   * retry policy gives up, E_CLIENT_STOPPED when stopped. One run at a time.
   */
  run(): Promise<void> {
    this.#running ??= this.#run().finally(() => { this.#running = undefined; });
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    this.#session?.close();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#purgeTimer !== undefined) clearTimeout(this.#purgeTimer);
    this.#wake?.('stopped');
  }

  async #run(): Promise<void> {
    if (this.#purged) throw new ClientError('E_CLIENT_CONFIG', 'bootstrap: the bootstrap account was purged (Bootstrap-Server Account Timeout)');
    const holdOffMs = this.account.holdOffS * 1000;
    if (holdOffMs > 0) {
      this.host.log.debug({ holdOffS: this.account.holdOffS }, 'bootstrap hold-off');
      const w = await this.#sleep(holdOffMs);
      if (w === 'finished') return;
      if (w === 'stopped') throw stopped();
    }
    const p = this.host.retry;
    for (let attempt = 1; ; attempt++) {
      if (this.#stopped) throw stopped();
      let error: ClientError;
      try {
        await this.#attempt();
        return;
      } catch (e) {
        if (this.#stopped) throw stopped();
        error = e instanceof ClientError ? e : new ClientError('E_CLIENT_UNREACHABLE', `bootstrap: ${(e as Error).message}`, undefined, { cause: e });
      }
      const retryInMs = isLastAttempt(p, attempt) ? undefined : retryDelayMs(p, attempt);
      this.host.log.warn({ attempt, err: error.message, retryInMs }, 'bootstrap failed');
      this.host.failed(error, attempt, retryInMs);
      if (retryInMs === undefined) throw error;
      const w = await this.#sleep(retryInMs);
      if (w === 'finished') return;
      if (w === 'stopped') throw stopped();
    }
  }

  /** One Bootstrap-Request and the wait for its Finish. */
  async #attempt(): Promise<void> {
    const peer = await this.resolvePeer();
    const endpoint = await this.host.endpoint(this.account.secure);
    // A fresh session: whatever an earlier, unfinished one staged is dropped.
    const session = this.#open();
    const query = [`ep=${this.host.endpointName}`];
    // pct (1.1+): the format the client prefers for the bootstrap server's writes.
    if (this.host.version !== '1.0') query.push(`pct=${ContentFormat.SENML_CBOR}`);
    let res;
    try {
      res = await endpoint.request(peer, { method: 'POST', path: ['bs'], query, timeoutMs: this.host.requestTimeoutMs });
    } catch (e) {
      session.close();
      throw new ClientError('E_CLIENT_UNREACHABLE', `Bootstrap-Request: ${(e as Error).message}`, undefined, { cause: e });
    }
    if (res.code !== ResponseCode.Changed) {
      session.close();
      throw new ClientError('E_CLIENT_REJECTED', `Bootstrap-Request answered ${codeText(res.code)}`, codeText(res.code));
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.host.finishTimeoutMs); });
    const outcome = await Promise.race([session.finished.then(() => 'finished' as const), timedOut]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      session.close();
      throw new ClientError('E_CLIENT_UNREACHABLE', 'the bootstrap server did not finish in time: nothing it wrote was applied');
    }
  }

  #open(): BootstrapSession {
    this.#session?.close();
    const session = new BootstrapSession(this.host.tree, this.account.instance, this.host.version);
    this.#session = session;
    void session.finished.then(() => {
      this.host.log.info({}, 'bootstrap finished');
      this.#wake?.('finished');
      this.#armPurge();
      // After the Finish's 2.04 is sent: the client then re-registers.
      setImmediate(() => this.host.bootstrapped());
    });
    return session;
  }

  /** Bootstrap-Server Account Timeout: counted from the last finished bootstrap, then the account goes. */
  #armPurge(): void {
    const s = this.account.accountTimeoutS;
    if (s <= 0 || this.#stopped) return;
    if (this.#purgeTimer !== undefined) clearTimeout(this.#purgeTimer);
    this.#purgeTimer = setTimeout(() => {
      this.#purgeTimer = undefined;
      this.#purged = true;
      this.#stopped = true;
      this.#session?.close();
      this.host.tree.remove(0, this.account.instance.id);
      this.host.log.info({ uri: this.account.uri, afterS: s }, 'bootstrap account purged (Bootstrap-Server Account Timeout)');
    }, Math.min(s * 1000, 2 ** 31 - 1));
  }

  #sleep(ms: number): Promise<Wake> {
    return new Promise((resolve) => {
      this.#timer = setTimeout(() => done('elapsed'), Math.min(ms, 2 ** 31 - 1));
      const done = (w: Wake): void => {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#wake = undefined;
        resolve(w);
      };
      this.#wake = done;
    });
  }
}

function stopped(): ClientError {
  return new ClientError('E_CLIENT_STOPPED', 'bootstrap: the client was stopped');
}
