/** Fixtures for client tests: a recording LwM2M server on a plain CoapEndpoint, a device, cleanup. */
import { ResponseCode } from '../../runtime/coap/codes.js';
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { OptionNumber, stringOption } from '../../runtime/coap/options.js';
import type { IncomingRequest, OutgoingResponse } from '../../runtime/coap/request.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import type { DatagramTransport } from '../../runtime/transport/datagram-transport.js';
import { Device } from '../../registry/index.js';
import { LwM2MClient, type LwM2MClientOptions } from '../../runtime/client/index.js';

const opened = new Set<{ close(): Promise<void> } | LwM2MClient>();

export async function cleanup(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.allSettled(all.map((x) => (x instanceof LwM2MClient ? x.stop({ deregister: false }) : x.close())));
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: readonly string[];
  readonly payload: string;
  readonly contentFormat: number | undefined;
  readonly at: number;
}

/** A server that records what it receives; `answer` decides the response (default: a well-behaved registrar). */
export class FakeServer {
  readonly seen: SeenRequest[] = [];
  /** Addresses requests came from, in order of first appearance. */
  readonly peers: { address: string; port: number }[] = [];
  answer: (req: IncomingRequest, n: number) => OutgoingResponse | undefined = () => undefined;
  #next = 0;
  #waiters: { pred: (r: SeenRequest) => boolean; resolve: (r: SeenRequest) => void }[] = [];

  private constructor(readonly endpoint: CoapEndpoint) {
    endpoint.onRequest((req) => {
      const s: SeenRequest = {
        method: req.method, path: '/' + req.path.join('/'), query: req.query, payload: new TextDecoder().decode(req.payload),
        contentFormat: req.contentFormat, at: Date.now(),
      };
      this.seen.push(s);
      if (!this.peers.some((p) => p.address === req.peer.address && p.port === req.peer.port)) this.peers.push({ ...req.peer });
      for (const w of [...this.#waiters]) if (w.pred(s)) { this.#waiters.splice(this.#waiters.indexOf(w), 1); w.resolve(s); }
      const custom = this.answer(req, this.seen.length);
      if (custom !== undefined) return custom;
      if (req.method === 'POST' && s.path === '/rd') {
        const id = `r${this.#next++}`;
        return { code: ResponseCode.Created, options: [stringOption(OptionNumber.LocationPath, 'rd'), stringOption(OptionNumber.LocationPath, id)] };
      }
      if (req.method === 'POST' && s.path.startsWith('/rd/')) return { code: ResponseCode.Changed };
      if (req.method === 'DELETE' && s.path.startsWith('/rd/')) return { code: ResponseCode.Deleted };
      return { code: ResponseCode.NotFound };
    });
  }

  /** On plain UDP, or on the transport given (a DTLS server). */
  static async start(transport?: DatagramTransport): Promise<FakeServer> {
    const ep = new CoapEndpoint({ transport: transport ?? (await UdpTransport.bind()) });
    opened.add(ep);
    return new FakeServer(ep);
  }

  get uri(): string {
    return `coap://127.0.0.1:${this.endpoint.address().port}`;
  }

  get secureUri(): string {
    return `coaps://127.0.0.1:${this.endpoint.address().port}`;
  }

  /** The next request (already seen or future) matching `pred`, after `from` seen ones; fails after `ms`. */
  waitFor(pred: (r: SeenRequest) => boolean, ms = 3000, from = 0): Promise<SeenRequest> {
    const hit = this.seen.slice(from).find(pred);
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (r: SeenRequest) => { clearTimeout(t); resolve(r); } };
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`no matching request within ${ms} ms; seen: ${this.seen.map((r) => `${r.method} ${r.path}`).join(', ')}`));
      }, ms);
      this.#waiters.push(w);
    });
  }
}

export function device(extra: Record<string, unknown> = {}): InstanceType<typeof Device.Instance> {
  return new Device.Instance(0, {
    manufacturer: 'Acme', modelNumber: 'M1', batteryLevel: 57, errorCode: new Map([[0, 0]]), supportedBindingAndModes: 'U',
    reboot: () => {}, ...extra,
  } as never);
}

/** A client tracked for cleanup; fast CoAP timing so failure paths stay short. */
export function client(options: LwM2MClientOptions): LwM2MClient {
  const c = new LwM2MClient({ coap: { ackTimeoutMs: 200, maxRetransmit: 1 }, retry: { initialDelayMs: 50, maxDelayMs: 200 }, ...options });
  opened.add(c);
  return c;
}

export function parseQuery(q: readonly string[]): Map<string, string | true> {
  return new Map<string, string | true>(q.map((s): [string, string | true] => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, true])));
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A tracked client registered with `server` (short server id 1): resolves once the client has
 * the server's 2.01 (its own 'registered' event, which follows the server's).
 */
export async function registeredClient(server: { address(): { port: number } }, options: Omit<LwM2MClientOptions, 'servers'>): Promise<LwM2MClient> {
  const c = client({ ...options, servers: [{ uri: `coap://127.0.0.1:${server.address().port}`, shortServerId: 1, lifetime: 60 }] });
  const registered = new Promise<void>((resolve) => c.once('registered', () => resolve()));
  await c.start();
  await registered;
  return c;
}
