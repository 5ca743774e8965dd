import { UdpTransport } from '../../../runtime/transport/udp.js';
import type { Datagram, PeerAddress } from '../../../runtime/transport/datagram-transport.js';
import { DtlsServer } from '../../../runtime/dtls/dtls-server.js';
import type { DtlsServerOptions } from '../../../runtime/dtls/dtls-server.js';
import { DtlsClient } from '../../../runtime/dtls/dtls-client.js';
import type { DtlsClientOptions } from '../../../runtime/dtls/dtls-client.js';

export const KEY = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
export const KEYS = new Map<string, Uint8Array>([['dev1', KEY], ['dev2', Buffer.from('secret-key-two')]]);

/** A server on 127.0.0.1:0 that echoes every datagram back, with its identity prefixed. */
export async function echoServer(options: Partial<DtlsServerOptions> = {}): Promise<{ server: DtlsServer; addr: PeerAddress; received: Datagram[] }> {
  const udp = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  const server = new DtlsServer(udp, { pskStore: (id) => KEYS.get(id), retransmit: { initialMs: 200 }, ...options });
  const received: Datagram[] = [];
  server.onDatagram((d) => {
    received.push(d);
    void server.send(d.data, d.peer).catch(() => undefined);
  });
  return { server, addr: server.address(), received };
}

export async function client(options: Partial<DtlsClientOptions> = {}): Promise<DtlsClient> {
  const udp = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  return new DtlsClient(udp, { psk: { identity: 'dev1', key: KEY }, retransmit: { initialMs: 200 }, ...options });
}

/** The next datagram the transport hands up, or a rejection after `ms`. */
export function nextDatagram(t: { onDatagram(h: (d: Datagram) => void): void }, ms = 3000): Promise<Datagram> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no datagram in time')), ms);
    t.onDatagram((d) => { clearTimeout(timer); resolve(d); });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
