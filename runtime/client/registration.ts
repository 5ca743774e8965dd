/**
 * Registration with one server: Register (POST /rd), Update before the lifetime ends or
 * when asked, De-register (DELETE) on stop. Failures are retried with exponential back-off;
 * 4.12 Precondition Failed makes the client try the next older LwM2M version (1.2 -> 1.1 -> 1.0),
 * which then sticks for that server. A failed Update (4.04 or any other failure) leads to a
 * new Register, as the spec asks.
 */
import { lookup } from 'node:dns/promises';
import type { CoapEndpoint } from '../coap/endpoint.js';
import { ResponseCode, codeText } from '../coap/codes.js';
import { CoapError } from '../coap/errors.js';
import type { Logger } from '../coap/logger.js';
import { OptionNumber, getStrings } from '../coap/options.js';
import type { CoapResponse } from '../coap/request.js';
import type { PeerAddress } from '../transport/datagram-transport.js';
import { ClientError } from './client-error.js';
import { bindingParam, lwm2mVersions, registerQuery, type Lwm2mVersion } from './register-payload.js';
import type { ServerAccount } from './server-accounts.js';
import { isLastAttempt, retryDelayMs, type RetryPolicy } from './retry-policy.js';


export type RegistrationState = 'idle' | 'registering' | 'registered' | 'updating' | 'disabled' | 'failed' | 'stopped';

/** What a registration needs from its client. */
export interface RegistrationHost {
  readonly endpointName: string;
  readonly sms: string | undefined;
  readonly retry: RetryPolicy;
  /** Deadline of each registration request, ms (CoAP's MAX_TRANSMIT_WAIT when absent). */
  readonly requestTimeoutMs: number | undefined;
  readonly log: Logger;
  payload(version: Lwm2mVersion): string;
  /** The account as /0 and /1 say now (lifetime and binding may have been written). */
  account(shortServerId: number): Promise<ServerAccount | undefined>;
  registered(r: ServerRegistration): void;
  updated(r: ServerRegistration): void;
  deregistered(r: ServerRegistration): void;
  /** `attempt` counts Register attempts; an Update failure is reported with attempt 0 before the client registers anew. */
  failed(r: ServerRegistration, operation: 'register' | 'update', error: ClientError, attempt: number, retryInMs: number | undefined): void;
  versionFallback(r: ServerRegistration, from: Lwm2mVersion, to: Lwm2mVersion): void;
  /**
   * Whether an Update that went unanswered is retried as an Update (with back-off, while the
   * lifetime lasts) rather than replaced by a new Register at once: true while the client holds
   * stored notifications for this server, whose observations a new Register would end.
   */
  keepRegistration?(r: ServerRegistration): boolean;
}

const NEXT_OLDER: Readonly<Record<Lwm2mVersion, Lwm2mVersion | undefined>> = { '1.2': '1.1', '1.1': '1.0', '1.0': undefined };

/** When the Update goes out: MAX_TRANSMIT_WAIT (93 s) before the end, or halfway for short lifetimes. */
export function updateDelayMs(lifetimeS: number): number {
  const ms = lifetimeS * 1000;
  // Timers hold at most 2^31-1 ms (24.8 days): a longer lifetime gets an early Update.
  return Math.min(2 ** 31 - 1, Math.max(500, ms - Math.min(93_000, ms / 2)));
}

export class ServerRegistration {
  state: RegistrationState = 'idle';
  /** Location-Path segments the server gave ("rd", "5a3f"). */
  location: readonly string[] | undefined;
  /** The resolved address of the server; DM requests from it are attributed to this account. */
  peer: PeerAddress | undefined;
  version: Lwm2mVersion;
  #gen = 0;
  #timer: NodeJS.Timeout | undefined;
  #sentLifetime = 0;
  #sentBinding = '';
  /** When the server forgets the registration unless it hears an Update (Date.now() ms). */
  #expiresAt = 0;
  #updatePending: { payload: boolean } | undefined;
  /** The Register on its way, if any: stop() must not leave a registration it created behind. */
  #registering: Promise<CoapResponse> | undefined;

  constructor(
    private readonly host: RegistrationHost,
    /** Plain or DTLS, as the account's URI says. */
    readonly endpoint: CoapEndpoint,
    public account: ServerAccount,
    private readonly preferredVersion: Lwm2mVersion,
  ) {
    if (!lwm2mVersions.includes(preferredVersion)) throw new ClientError('E_CLIENT_CONFIG', `LwM2M version ${preferredVersion} is not one of ${lwm2mVersions.join(', ')}`);
    this.version = preferredVersion;
  }

  get shortServerId(): number {
    return this.account.shortServerId;
  }

  start(): void {
    this.#cancel();
    const delay = this.account.initialDelayS;
    if (delay > 0) this.#schedule(Math.min(2 ** 31 - 1, delay * 1000), () => void this.#register(1));
    else void this.#register(1);
  }

  /** Sends an Update now (with the object links when `payload`); queued while one is running. */
  update(options: { payload?: boolean } = {}): void {
    const payload = options.payload === true;
    if (this.state === 'updating') {
      this.#updatePending = { payload: payload || (this.#updatePending?.payload ?? false) };
      return;
    }
    // A change while the Register is on its way may have missed its payload: update once registered.
    if (this.state === 'registering') {
      if (payload) this.#updatePending = { payload: true };
      return;
    }
    // When failed or stopped there is no one to tell; the next Register carries everything.
    if (this.state !== 'registered') return;
    void this.#update(payload);
  }

  /** Cancels timers and pending work; De-registers when registered. Never throws. */
  async stop(deregister: boolean, finalState: 'stopped' | 'disabled' = 'stopped'): Promise<void> {
    const wasRegistered = this.state === 'registered' || this.state === 'updating';
    const inflight = this.#registering;
    this.#cancel();
    this.state = finalState;
    if (deregister && !wasRegistered && inflight !== undefined) {
      // Stopped while the Register was on its way: once the server answers, undo what it made.
      const res = await inflight.catch(() => undefined);
      const location = res?.code === ResponseCode.Created ? getStrings(res.options, OptionNumber.LocationPath) : [];
      if (location.length > 0 && this.peer !== undefined) {
        await this.endpoint.request(this.peer, { method: 'DELETE', path: location, timeoutMs: this.host.requestTimeoutMs })
          .catch((e: Error) => this.host.log.warn({ ssid: this.shortServerId, err: e.message }, 'de-register failed'));
      }
      return;
    }
    if (!deregister || !wasRegistered || this.location === undefined || this.peer === undefined) return;
    try {
      const res = await this.endpoint.request(this.peer, { method: 'DELETE', path: [...this.location], timeoutMs: this.host.requestTimeoutMs });
      if (res.code === ResponseCode.Deleted) this.host.deregistered(this);
      else this.host.log.warn({ ssid: this.shortServerId, code: codeText(res.code) }, 'de-register refused');
    } catch (e) {
      this.host.log.warn({ ssid: this.shortServerId, err: (e as Error).message }, 'de-register failed');
    }
    this.location = undefined;
  }

  /**
   * Disable (/1/x/4): De-register, stay silent for `seconds`, then register again. Requests
   * from the server meanwhile are refused by the client (see isDisabled).
   */
  async disable(seconds: number): Promise<void> {
    await this.stop(true, 'disabled');
    const gen = this.#gen;
    this.#schedule(Math.min(2 ** 31 - 1, seconds * 1000), () => {
      if (gen === this.#gen) void this.#register(1);
    });
  }

  #cancel(): void {
    this.#gen++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#updatePending = undefined;
  }

  #schedule(delayMs: number, fn: () => void): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      fn();
    }, delayMs);
  }

  async #resolvePeer(): Promise<PeerAddress> {
    const { host, port } = this.account;
    const address = /^[0-9.]+$/.test(host) || host.includes(':') ? host : (await lookup(host, { family: 4 })).address;
    return { address, port };
  }

  async #register(attempt: number): Promise<void> {
    const gen = ++this.#gen;
    this.state = 'registering';
    this.location = undefined;
    let error: ClientError;
    try {
      const account = (await this.host.account(this.shortServerId)) ?? this.account;
      this.account = account;
      const peer = await this.#resolvePeer();
      if (gen !== this.#gen) return;
      this.peer = peer;
      const query = registerQuery({
        endpoint: this.host.endpointName, lifetime: account.lifetime, lwm2m: this.version, binding: account.binding,
        queueMode: account.queueMode, ...(this.host.sms === undefined ? {} : { sms: this.host.sms }),
      });
      this.host.log.debug({ ssid: this.shortServerId, query }, 'register');
      this.#registering = this.endpoint.request(peer, {
        method: 'POST', path: ['rd'], query, contentFormat: 40, payload: this.host.payload(this.version), timeoutMs: this.host.requestTimeoutMs,
      });
      const res = await this.#registering.finally(() => { this.#registering = undefined; });
      if (gen !== this.#gen) return;
      if (res.code === ResponseCode.Created) {
        const location = getStrings(res.options, OptionNumber.LocationPath);
        if (location.length === 0) {
          error = new ClientError('E_CLIENT_REJECTED', 'the server answered 2.01 without a Location-Path', '2.01');
        } else {
          this.location = location;
          this.#sentLifetime = account.lifetime;
          this.#sentBinding = bindingParam({ ...account, lwm2m: this.version });
          this.#expiresAt = Date.now() + account.lifetime * 1000;
          this.state = 'registered';
          this.host.registered(this);
          const pending = this.#updatePending;
          this.#updatePending = undefined;
          if (pending !== undefined && gen === this.#gen) return this.#update(pending.payload);
          this.#schedule(updateDelayMs(account.lifetime), () => this.update());
          return;
        }
      } else if (res.code === ResponseCode.PreconditionFailed && NEXT_OLDER[this.version] !== undefined) {
        const from = this.version;
        this.version = NEXT_OLDER[from]!;
        this.host.versionFallback(this, from, this.version);
        // A fall-back is not a failure: try the older version at once.
        return this.#register(attempt);
      } else {
        error = rejected('Register', res);
      }
    } catch (e) {
      if (gen !== this.#gen) return;
      error = e instanceof ClientError ? e : unreachable('Register', e);
    }
    this.#retry(attempt, error, gen);
  }

  #retry(attempt: number, error: ClientError, gen: number): void {
    const p = this.host.retry;
    if (isLastAttempt(p, attempt)) {
      this.state = 'failed';
      this.host.failed(this, 'register', error, attempt, undefined);
      return;
    }
    const delay = retryDelayMs(p, attempt);
    this.host.failed(this, 'register', error, attempt, delay);
    if (gen !== this.#gen) return; // a listener stopped the client
    // Every version was refused: the next round starts again from the preferred one.
    if (error.code === 'E_CLIENT_VERSION') this.version = this.preferredVersion;
    this.#schedule(delay, () => void this.#register(attempt + 1));
  }

  async #update(payload: boolean, attempt = 1): Promise<void> {
    const gen = ++this.#gen;
    this.state = 'updating';
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    let failure: ClientError;
    try {
      const account = (await this.host.account(this.shortServerId)) ?? this.account;
      this.account = account;
      const query: string[] = [];
      if (account.lifetime !== this.#sentLifetime) query.push(`lt=${account.lifetime}`);
      const b = bindingParam({ ...account, lwm2m: this.version });
      if (b !== this.#sentBinding) query.push(`b=${b}`);
      this.host.log.debug({ ssid: this.shortServerId, query, payload }, 'update');
      const res = await this.endpoint.request(this.peer!, {
        method: 'POST', path: [...this.location!], query,
        ...(payload ? { contentFormat: 40, payload: this.host.payload(this.version) } : {}),
        timeoutMs: this.host.requestTimeoutMs,
      });
      if (gen !== this.#gen) return;
      if (res.code === ResponseCode.Changed) {
        this.#sentLifetime = account.lifetime;
        this.#sentBinding = b;
        this.#expiresAt = Date.now() + account.lifetime * 1000;
        this.state = 'registered';
        this.host.updated(this);
        const pending = this.#updatePending;
        this.#updatePending = undefined;
        if (pending !== undefined) return this.#update(pending.payload);
        this.#schedule(updateDelayMs(account.lifetime), () => this.update());
        return;
      }
      failure = rejected('Update', res);
    } catch (e) {
      if (gen !== this.#gen) return;
      failure = unreachable('Update', e);
      // Unanswered while the registration still lives and the client holds reports for its
      // observations: keep it, and try the Update again later.
      const p = this.host.retry;
      const delay = retryDelayMs(p, attempt);
      if (failure.code === 'E_CLIENT_UNREACHABLE' && this.host.keepRegistration?.(this) === true && Date.now() + delay < this.#expiresAt) {
        this.host.failed(this, 'update', failure, attempt, delay);
        if (gen !== this.#gen) return;
        this.state = 'registered';
        this.#schedule(delay, () => void this.#update(payload, attempt + 1));
        return;
      }
    }
    // The server no longer knows us (4.04) or cannot be reached: register anew.
    this.host.failed(this, 'update', failure, 0, 0);
    if (gen !== this.#gen) return;
    this.#updatePending = undefined;
    void this.#register(1);
  }
}

function rejected(what: string, res: CoapResponse): ClientError {
  const code = codeText(res.code);
  if (res.code === ResponseCode.PreconditionFailed) return new ClientError('E_CLIENT_VERSION', `${what}: every LwM2M version down to 1.0 was refused (4.12)`, code);
  const text = res.payload.length > 0 && res.payload.length < 200 ? `: ${new TextDecoder().decode(res.payload)}` : '';
  return new ClientError('E_CLIENT_REJECTED', `${what} answered ${code}${text}`, code);
}

function unreachable(what: string, e: unknown): ClientError {
  if (e instanceof CoapError && e.code === 'E_COAP_CLOSED') return new ClientError('E_CLIENT_STOPPED', `${what}: the client was stopped`, undefined, { cause: e });
  return new ClientError('E_CLIENT_UNREACHABLE', `${what}: ${(e as Error).message}`, undefined, { cause: e });
}
