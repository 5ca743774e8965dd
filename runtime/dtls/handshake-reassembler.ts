import { DtlsError } from './dtls-error.js';
import type { HandshakeFragment, HandshakeMessage } from './handshake-fragment.js';

interface Partial {
  readonly type: number;
  readonly body: Uint8Array;
  readonly have: Uint8Array;
  missing: number;
}

/**
 * Puts handshake fragments back into whole messages, in message_seq order. Bounded: only
 * messages within `window` of the next expected sequence are kept, and at most
 * `maxBufferedBytes` of message bodies at once.
 */
export class HandshakeReassembler {
  private readonly partial = new Map<number, Partial>();
  private buffered = 0;
  nextSeq = 0;

  constructor(private readonly maxBufferedBytes: number, private readonly window = 4) {}

  /** 'old' when the fragment belongs to a message already delivered (a retransmission). */
  add(f: HandshakeFragment): 'old' | 'ignored' | 'stored' {
    if (f.messageSeq < this.nextSeq) return 'old';
    if (f.messageSeq >= this.nextSeq + this.window) return 'ignored';
    let p = this.partial.get(f.messageSeq);
    if (p === undefined) {
      if (this.buffered + f.length > this.maxBufferedBytes) throw new DtlsError('E_DTLS_HANDSHAKE_TOO_LARGE', 'handshake reassembly buffer full');
      p = { type: f.type, body: new Uint8Array(f.length), have: new Uint8Array(f.length), missing: f.length };
      this.partial.set(f.messageSeq, p);
      this.buffered += f.length;
    } else if (p.type !== f.type || p.body.length !== f.length) {
      throw new DtlsError('E_DTLS_ILLEGAL_PARAMETER', `fragments of message ${f.messageSeq} disagree on type or length`);
    }
    if (p.missing === 0) return 'stored';
    p.body.set(f.body, f.fragmentOffset);
    for (let i = f.fragmentOffset, end = f.fragmentOffset + f.body.length; i < end; i++) {
      if (p.have[i] === 0) { p.have[i] = 1; p.missing--; }
    }
    return 'stored';
  }

  /** The next whole message in order, if it is complete. */
  pop(): HandshakeMessage | null {
    const p = this.partial.get(this.nextSeq);
    if (p === undefined || p.missing !== 0) return null;
    this.partial.delete(this.nextSeq);
    this.buffered -= p.body.length;
    return { type: p.type, messageSeq: this.nextSeq++, body: p.body };
  }

  reset(nextSeq: number): void {
    this.partial.clear();
    this.buffered = 0;
    this.nextSeq = nextSeq;
  }
}
