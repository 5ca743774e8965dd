import type { Datagram, DatagramTransport, PeerAddress } from '../../../runtime/transport/datagram-transport.js';

/**
 * In-memory DatagramTransports for tests that need many datagrams fast: one server side and
 * any number of clients, told apart by port. Every datagram in flight goes through `tap`,
 * which may add datagrams (a fuzzer's mutants) or drop it. Delivery is on a microtask so a
 * handler never re-enters itself.
 */
export class MemoryHub {
  private serverHandler: ((d: Datagram) => void) | undefined;
  private readonly clients = new Map<number, (d: Datagram) => void>();
  tap: (data: Uint8Array, towards: 'server' | 'client') => Uint8Array[] = (d) => [d];
  readonly server: DatagramTransport;

  constructor(readonly serverAddr: PeerAddress) {
    this.server = {
      send: (data, peer) => {
        for (const d of this.tap(data, 'client')) queueMicrotask(() => this.clients.get(peer.port)?.({ data: d, peer: serverAddr }));
        return Promise.resolve();
      },
      onDatagram: (h) => { this.serverHandler = h; },
      address: () => serverAddr,
      close: () => Promise.resolve(),
    };
  }

  /** Injects a datagram as if from `from`. */
  inject(data: Uint8Array, from: PeerAddress): void { this.serverHandler?.({ data, peer: from }); }

  clientTransport(port: number): DatagramTransport {
    const me = { address: '127.0.0.1', port };
    return {
      send: (data) => {
        for (const d of this.tap(data, 'server')) queueMicrotask(() => this.serverHandler?.({ data: d, peer: me }));
        return Promise.resolve();
      },
      onDatagram: (h) => { this.clients.set(port, h); },
      address: () => me,
      close: () => { this.clients.delete(port); return Promise.resolve(); },
    };
  }
}
