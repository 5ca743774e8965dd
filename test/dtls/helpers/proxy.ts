import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { PeerAddress } from '../../../runtime/transport/datagram-transport.js';

/** What to do with one datagram in flight: pass it, drop it (null), or send these instead. */
export type Tamper = (data: Buffer, index: number) => Buffer | Buffer[] | null;

/**
 * A UDP man in the middle on 127.0.0.1: clients talk to `address`, the server sees one
 * upstream socket (so all clients look like one peer), replies go to the last client seen.
 */
export class Proxy {
  toServer: Tamper = (d) => d;
  toClient: Tamper = (d) => d;
  readonly seenToServer: Buffer[] = [];
  readonly seenToClient: Buffer[] = [];
  private lastClient: PeerAddress | undefined;

  private constructor(private readonly front: Socket, private back: Socket, private readonly target: PeerAddress) {
    front.on('message', (d, r) => {
      this.lastClient = { address: r.address, port: r.port };
      this.seenToServer.push(d);
      for (const out of asList(this.toServer(d, this.seenToServer.length - 1))) this.back.send(out, target.port, target.address);
    });
    this.listenBack(back);
  }

  private listenBack(back: Socket): void {
    back.on('message', (d) => {
      this.seenToClient.push(d);
      const c = this.lastClient;
      if (c === undefined) return;
      for (const out of asList(this.toClient(d, this.seenToClient.length - 1))) this.front.send(out, c.port, c.address);
    });
  }

  /** A NAT rebinding: from now on the server sees the client from a new port. */
  async rebind(): Promise<void> {
    const old = this.back;
    const next = createSocket('udp4');
    await new Promise<void>((res) => next.bind(0, '127.0.0.1', () => res()));
    this.listenBack(next);
    this.back = next;
    old.close();
  }

  get upstreamPort(): number { return this.back.address().port; }

  static async start(target: PeerAddress): Promise<Proxy> {
    const bind = (s: Socket): Promise<void> => new Promise((res) => s.bind(0, '127.0.0.1', () => res()));
    const front = createSocket('udp4');
    const back = createSocket('udp4');
    await bind(front);
    await bind(back);
    return new Proxy(front, back, target);
  }

  get address(): PeerAddress { return { address: '127.0.0.1', port: this.front.address().port }; }

  /** Sends raw bytes to the server from the proxy's upstream socket (as the proxied peer). */
  inject(data: Uint8Array): void { this.back.send(data, this.target.port, this.target.address); }

  close(): void { this.front.close(); this.back.close(); }
}

function asList(x: Buffer | Buffer[] | null): Buffer[] {
  return x === null ? [] : Array.isArray(x) ? x : [x];
}
