/**
 * CoAP wire codec (RFC 7252 §3). Our own instead of coap-packet: it decodes without
 * throwing (a format error still yields the header, so a CON can be answered with RST),
 * keeps codes and option numbers numeric, and is measured faster (bench/coap-codec.ts).
 */
import type { MessageType } from './codes.js';
import type { CoapMessage, CoapOption } from './message.js';

export type DecodeResult =
  | { readonly ok: true; readonly message: CoapMessage }
  /** header is set when the 4-byte header was valid, so a CON can be rejected by RST. */
  | { readonly ok: false; readonly reason: string; readonly header?: { readonly type: MessageType; readonly messageId: number } };

const EMPTY: Uint8Array = new Uint8Array(0);

function fail(reason: string, type?: MessageType, messageId?: number): DecodeResult {
  return type === undefined || messageId === undefined ? { ok: false, reason } : { ok: false, reason, header: { type, messageId } };
}

/**
 * Token, option values and payload are plain Uint8Array views into `buf` (no copy): a received
 * Buffer's subarray() goes through Buffer's own constructor, which cost more than the view.
 */
export function decode(buf: Uint8Array): DecodeResult {
  const len = buf.length;
  if (len < 4) return fail('shorter than the header');
  const b0 = buf[0] as number;
  if (b0 >> 6 !== 1) return fail('unknown version');
  const type = ((b0 >> 4) & 3) as MessageType;
  const tkl = b0 & 0x0f;
  const code = buf[1] as number;
  const messageId = ((buf[2] as number) << 8) | (buf[3] as number);
  if (tkl > 8) return fail('token length 9-15', type, messageId);
  if (code === 0 && (tkl !== 0 || len !== 4)) return fail('empty message with content', type, messageId);
  if (4 + tkl > len) return fail('truncated token', type, messageId);
  const ab = buf.buffer;
  const base = buf.byteOffset;
  const token = tkl === 0 ? EMPTY : new Uint8Array(ab, base + 4, tkl);
  const options: CoapOption[] = [];
  let i = 4 + tkl;
  let num = 0;
  let payload = EMPTY;
  while (i < len) {
    const b = buf[i++] as number;
    if (b === 0xff) {
      if (i === len) return fail('payload marker without payload', type, messageId);
      payload = new Uint8Array(ab, base + i, len - i);
      break;
    }
    let delta = b >> 4;
    let olen = b & 0x0f;
    if (delta === 13) {
      if (i >= len) return fail('truncated option delta', type, messageId);
      delta = (buf[i++] as number) + 13;
    } else if (delta === 14) {
      if (i + 1 >= len) return fail('truncated option delta', type, messageId);
      delta = (((buf[i] as number) << 8) | (buf[i + 1] as number)) + 269;
      i += 2;
    } else if (delta === 15) {
      return fail('option delta 15', type, messageId);
    }
    if (olen === 13) {
      if (i >= len) return fail('truncated option length', type, messageId);
      olen = (buf[i++] as number) + 13;
    } else if (olen === 14) {
      if (i + 1 >= len) return fail('truncated option length', type, messageId);
      olen = (((buf[i] as number) << 8) | (buf[i + 1] as number)) + 269;
      i += 2;
    } else if (olen === 15) {
      return fail('option length 15', type, messageId);
    }
    num += delta;
    if (num > 0xffff) return fail('option number beyond 65535', type, messageId);
    if (i + olen > len) return fail('truncated option value', type, messageId);
    options.push({ number: num, value: new Uint8Array(ab, base + i, olen) });
    i += olen;
  }
  return { ok: true, message: { type, code, messageId, token, options, payload } };
}

function extLen(n: number): number {
  return n < 13 ? 0 : n < 269 ? 1 : 2;
}

function sortedOptions(options: readonly CoapOption[]): readonly CoapOption[] {
  for (let i = 1; i < options.length; i++) {
    if ((options[i] as CoapOption).number < (options[i - 1] as CoapOption).number) {
      // Array.prototype.sort is stable, so repeated options keep their order.
      return [...options].sort((a, b) => a.number - b.number);
    }
  }
  return options;
}

/** Encodes a message; throws RangeError on values the wire format cannot carry. */
export function encode(m: CoapMessage): Uint8Array {
  const tkl = m.token.length;
  if (tkl > 8) throw new RangeError('token longer than 8 bytes');
  if (m.messageId < 0 || m.messageId > 0xffff) throw new RangeError('message ID out of range');
  const options = sortedOptions(m.options);
  let size = 4 + tkl;
  let prev = 0;
  for (const o of options) {
    const d = o.number - prev;
    if (o.number > 0xffff || o.number < 0) throw new RangeError(`option number ${o.number}`);
    if (o.value.length > 65804) throw new RangeError('option value too long');
    size += 1 + extLen(d) + extLen(o.value.length) + o.value.length;
    prev = o.number;
  }
  if (m.payload.length > 0) size += 1 + m.payload.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x40 | (m.type << 4) | tkl;
  out[1] = m.code;
  out[2] = m.messageId >> 8;
  out[3] = m.messageId & 0xff;
  out.set(m.token, 4);
  let i = 4 + tkl;
  prev = 0;
  for (const o of options) {
    const d = o.number - prev;
    const l = o.value.length;
    const hi = d < 13 ? d : d < 269 ? 13 : 14;
    const lo = l < 13 ? l : l < 269 ? 13 : 14;
    out[i++] = (hi << 4) | lo;
    if (hi === 13) out[i++] = d - 13;
    else if (hi === 14) { out[i++] = (d - 269) >> 8; out[i++] = (d - 269) & 0xff; }
    if (lo === 13) out[i++] = l - 13;
    else if (lo === 14) { out[i++] = (l - 269) >> 8; out[i++] = (l - 269) & 0xff; }
    out.set(o.value, i);
    i += l;
    prev = o.number;
  }
  if (m.payload.length > 0) {
    out[i++] = 0xff;
    out.set(m.payload, i);
  }
  return out;
}

/** An empty ACK or RST answering one message ID. */
export function encodeEmpty(type: MessageType, messageId: number): Uint8Array {
  return Uint8Array.of(0x40 | (type << 4), 0, messageId >> 8, messageId & 0xff);
}
