/** Fixtures for the server's DTLS tests: keys, a security store, raw CoAP peers over DTLS or UDP, a recording logger. */
import { CoapEndpoint } from '../../runtime/coap/endpoint.js';
import { codeText } from '../../runtime/coap/codes.js';
import { CoapError } from '../../runtime/coap/errors.js';
import type { Logger } from '../../runtime/coap/logger.js';
import { getStrings, OptionNumber } from '../../runtime/coap/options.js';
import { createDtlsClient, type DtlsClientOptions } from '../../runtime/dtls/index.js';
import type { PeerAddress } from '../../runtime/transport/datagram-transport.js';
import { UdpTransport } from '../../runtime/transport/udp.js';
import { LwM2MServer, MemorySecurityStore, type LwM2MServerOptions } from '../../runtime/server/index.js';

/** Text keys, so that libcoap's `-k` can take them as they are. */
export const KEY_A = Buffer.from('secret-key-of-a');
export const KEY_B = Buffer.from('secret-key-of-b');

export function securityStore(): MemorySecurityStore {
  return new MemorySecurityStore([
    { endpoint: 'dev-a', credentials: { mode: 'psk', identity: 'id-a', key: KEY_A } },
    { endpoint: 'dev-b', credentials: { mode: 'psk', identity: 'id-b', key: KEY_B } },
    { endpoint: 'dev-open', allowNoSec: true },
  ]);
}

export interface LogLine { readonly level: string; readonly obj: Record<string, unknown>; readonly msg: string }

export function recordingLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string): void => { lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const closers: { close(): Promise<void> }[] = [];

export async function closeAll(): Promise<void> {
  const all = closers.splice(0);
  await Promise.allSettled(all.map((c) => c.close()));
}

/** An LwM2MServer on 127.0.0.1, any port, stopped by closeAll. */
export async function startServer(options: LwM2MServerOptions): Promise<LwM2MServer> {
  const s = new LwM2MServer({ port: 0, ...options });
  await s.start();
  closers.push({ close: () => s.stop() });
  return s;
}

/** A raw CoAP peer over our DTLS client: to send what an LwM2MClient never would. */
export async function dtlsPeer(options: Partial<DtlsClientOptions>): Promise<CoapEndpoint> {
  const udp = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  const ep = new CoapEndpoint({ transport: createDtlsClient(udp, { retransmit: { initialMs: 200 }, handshakeTimeoutMs: 3000, ...options }), parameters: { ackTimeoutMs: 500, maxRetransmit: 2 } });
  closers.push(ep);
  return ep;
}

export async function plainPeer(): Promise<CoapEndpoint> {
  const ep = new CoapEndpoint({ transport: await UdpTransport.bind({ address: '127.0.0.1', port: 0 }), parameters: { ackTimeoutMs: 500, maxRetransmit: 2 } });
  closers.push(ep);
  return ep;
}

export interface Answer { readonly code: string; readonly location: string[]; readonly text: string }

async function ask(ep: CoapEndpoint, server: PeerAddress, method: 'POST' | 'DELETE', path: string, query?: string[], payload?: string, timeoutMs = 5000): Promise<Answer> {
  const r = await ep.request(server, {
    method, path, timeoutMs,
    ...(query === undefined ? {} : { query }),
    ...(payload === undefined ? {} : { payload, contentFormat: 40 }),
  });
  return { code: codeText(r.code), location: getStrings(r.options, OptionNumber.LocationPath), text: new TextDecoder().decode(r.payload) };
}

export function register(ep: CoapEndpoint, server: PeerAddress, endpoint: string, timeoutMs?: number): Promise<Answer> {
  return ask(ep, server, 'POST', '/rd', [`ep=${endpoint}`, 'lt=60', 'lwm2m=1.1', 'b=U'], '</1/0>,</3/0>', timeoutMs);
}

/** A Register that must get no answer at all (no DTLS session): the error code it fails with. */
export async function registerFails(ep: CoapEndpoint, server: PeerAddress, endpoint: string): Promise<string> {
  let answer: Answer;
  try {
    answer = await register(ep, server, endpoint, 1500);
  } catch (e) {
    return e instanceof CoapError ? e.code : String(e);
  }
  return `answered ${answer.code}`;
}

export function update(ep: CoapEndpoint, server: PeerAddress, location: readonly string[]): Promise<Answer> {
  return ask(ep, server, 'POST', `/${location.join('/')}`, ['lt=120']);
}

export function deregister(ep: CoapEndpoint, server: PeerAddress, location: readonly string[]): Promise<Answer> {
  return ask(ep, server, 'DELETE', `/${location.join('/')}`);
}
