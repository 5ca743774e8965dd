/** Shared test fixtures for the CoAP layer: endpoints on real UDP, a manual clock, a tap transport. */
import { createSocket, type Socket } from 'node:dgram';
import type { Clock, TimerHandle } from '../../runtime/coap/clock.js';
import { CoapEndpoint, type EndpointOptions } from '../../runtime/coap/endpoint.js';
import type { Datagram, DatagramTransport, PeerAddress } from '../../runtime/transport/datagram-transport.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

/** Everything a test opened, closed by closeAll() in an after() hook so a failing test cannot hang the run. */
const opened = new Set<{ close(): Promise<void> }>();

function track<T extends { close(): Promise<void> }>(x: T): T {
  opened.add(x);
  return x;
}

export async function closeAll(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.allSettled(all.map((x) => x.close()));
}

export async function udpEndpoint(options: Omit<EndpointOptions, 'transport'> = {}, address = '127.0.0.1'): Promise<CoapEndpoint> {
  return track(new CoapEndpoint({ ...options, transport: await UdpTransport.bind({ address }) }));
}

/** A UDP endpoint whose transport can drop and records outgoing datagrams. */
export async function tappedEndpoint(options: Omit<EndpointOptions, 'transport'> = {}): Promise<{ endpoint: CoapEndpoint; tap: TapTransport }> {
  const tap = new TapTransport(await UdpTransport.bind());
  return { endpoint: track(new CoapEndpoint({ ...options, transport: tap })), tap };
}

export class TapTransport implements DatagramTransport {
  readonly sent: Uint8Array[] = [];
  readonly received: Uint8Array[] = [];
  /** Return true to drop an outgoing datagram. */
  dropOut: (data: Uint8Array) => boolean = () => false;
  dropIn: (data: Uint8Array) => boolean = () => false;

  constructor(private readonly inner: DatagramTransport) {}

  send(data: Uint8Array, peer: PeerAddress): Promise<void> {
    this.sent.push(data);
    if (this.dropOut(data)) return Promise.resolve();
    return this.inner.send(data, peer);
  }

  onDatagram(handler: (datagram: Datagram) => void): void {
    this.inner.onDatagram((d) => {
      this.received.push(d.data);
      if (!this.dropIn(d.data)) handler(d);
    });
  }

  address(): PeerAddress {
    return this.inner.address();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A transport with no socket: datagrams are pushed in by the test, sends are counted. */
export class MemoryTransport implements DatagramTransport {
  handler: ((d: Datagram) => void) | undefined;
  sent = 0;
  lastSent: Uint8Array | undefined;
  send(data: Uint8Array): Promise<void> {
    this.sent++;
    this.lastSent = data;
    return Promise.resolve();
  }
  onDatagram(handler: (datagram: Datagram) => void): void {
    this.handler = handler;
  }
  address(): PeerAddress {
    return { address: '127.0.0.1', port: 5683 };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  inject(data: Uint8Array, peer: PeerAddress): void {
    this.handler?.({ data, peer });
  }
}

/** A clock the test advances by hand; timers fire in due order. */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout<T>(fn: (arg: T) => void, ms: number, arg: T): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn: () => fn(arg) });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Due times of pending timers, relative to now. */
  pending(): number[] {
    return [...this.timers.values()].map((x) => x.at - this.t).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

/** A bare UDP socket to send hand-made datagrams and collect what comes back. */
export class RawPeer {
  readonly inbox: Buffer[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (m) => {
      this.inbox.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(): Promise<RawPeer> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return track(new RawPeer(s));
  }
  address(): PeerAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }
  send(data: Uint8Array, to: PeerAddress): void {
    this.socket.send(data, to.port, to.address);
  }
  /** Waits for the n-th datagram (1-based count in the inbox), or fails after ms. */
  async waitFor(count: number, ms = 2000): Promise<Buffer> {
    const end = Date.now() + ms;
    while (this.inbox.length < count) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for datagram ${count}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
    return this.inbox[count - 1] as Buffer;
  }
  private closed = false;
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((r) => this.socket.close(() => r()));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until cond() is true (real sockets need a few event-loop turns). */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(2);
  }
}
