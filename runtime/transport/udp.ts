/**
 * The plain UDP DatagramTransport (node:dgram), IPv4 or IPv6. One socket carries both
 * directions, so a server can send requests to a client from the port it registered to.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Datagram, DatagramTransport, PeerAddress } from './datagram-transport.js';

export interface UdpTransportOptions {
  /** Local address to bind; '127.0.0.1' by default. An IPv6 address makes an udp6 socket. */
  readonly address?: string;
  /** Local port; 0 (the default) lets the OS choose. */
  readonly port?: number;
  /** Accept IPv4 peers on an IPv6 socket bound to '::' (default false: IPv6 only). */
  readonly dualStack?: boolean;
  /** Socket buffer sizes in bytes; left to the OS when absent. */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
}

export class UdpTransport implements DatagramTransport {
  private handler: ((datagram: Datagram) => void) | undefined;
  private closed = false;
  /** Errors the socket reported (ICMP errors and the like); never thrown. */
  errors = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (data, rinfo) => {
      const h = this.handler;
      if (h !== undefined) h({ data, peer: { address: rinfo.address, port: rinfo.port } });
    });
    // A socket error must not crash the process: sends report their own failures.
    socket.on('error', () => { this.errors++; });
  }

  static async bind(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const address = options.address ?? '127.0.0.1';
    const v6 = isIPv6(address);
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 && options.dualStack !== true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port: options.port ?? 0, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (options.recvBufferSize !== undefined) socket.setRecvBufferSize(options.recvBufferSize);
    if (options.sendBufferSize !== undefined) socket.setSendBufferSize(options.sendBufferSize);
    return new UdpTransport(socket);
  }

  send(data: Uint8Array, peer: PeerAddress): Promise<void> {
    if (this.closed) return Promise.reject(new Error('UDP transport closed'));
    return new Promise((resolve, reject) => {
      this.socket.send(data, peer.port, peer.address, (err) => (err ? reject(err) : resolve()));
    });
  }

  onDatagram(handler: (datagram: Datagram) => void): void {
    this.handler = handler;
  }

  address(): PeerAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
