/**
 * The bootstrap server's operations on one client, between its Bootstrap-Request (or a
 * server-initiated start) and Bootstrap-Finish: Discover, Read (of /1 and /2, LwM2M 1.1+),
 * Write, Delete, Finish. Each resolves when the client answered with the expected code and
 * throws BootstrapError (E_BS_REFUSED with the client's code, E_BS_UNREACHABLE) otherwise.
 */
import { ResponseCode, codeText } from '../coap/codes.js';
import type { CoapEndpoint } from '../coap/endpoint.js';
import type { CoapResponse, RequestInit } from '../coap/request.js';
import { decode, encode } from '../codec/codec.js';
import { ContentFormat } from '../codec/content-format.js';
import { decodeCoreLinks } from '../codec/core-link.js';
import type { LwM2MNode } from '../model/node.js';
import type { ObjectResolver } from '../model/object-resolver.js';
import { parsePath } from '../model/path.js';
import type { CoreLink } from '../model/values.js';
import type { PeerAddress } from '../transport/datagram-transport.js';
import { BootstrapError } from './bootstrap-error.js';

export class BootstrapExchange {
  constructor(
    private readonly coap: CoapEndpoint,
    readonly endpoint: string,
    readonly peer: PeerAddress,
    /** The content format of Writes (and the Accept of Reads): the client's pct, or TLV. */
    readonly format: number,
    /** Descriptors of the objects written and read (the core objects in the client's versions). */
    private readonly resolve: ObjectResolver,
    private readonly timeoutMs: number,
  ) {}

  /** Bootstrap-Discover of "/" or "/o": the client's links, the root link (`lwm2m=`) first. */
  async discover(path = '/'): Promise<CoreLink[]> {
    const res = await this.#request(`Bootstrap-Discover ${path}`, ResponseCode.Content, { method: 'GET', path, accept: ContentFormat.LINK });
    try {
      return decodeCoreLinks(res.payload);
    } catch (e) {
      throw new BootstrapError('E_BS_REFUSED', `Bootstrap-Discover ${path}: the client's links do not parse: ${(e as Error).message}`);
    }
  }

  /** Bootstrap-Read (LwM2M 1.1+; the client allows /1 and /2 only). */
  async read(path: string): Promise<LwM2MNode> {
    const p = parsePath(path);
    const res = await this.#request(`Bootstrap-Read ${path}`, ResponseCode.Content, { method: 'GET', path });
    try {
      return decode(res.contentFormat ?? ContentFormat.TEXT, p, res.payload, { resolve: this.resolve });
    } catch (e) {
      throw new BootstrapError('E_BS_REFUSED', `Bootstrap-Read ${path}: the answer does not decode: ${(e as Error).message}`);
    }
  }

  /** Bootstrap-Write of an object, an instance or a resource, in this exchange's format. */
  async write(path: string, node: LwM2MNode): Promise<void> {
    const payload = encode(this.format, parsePath(path), node, { resolve: this.resolve });
    await this.#request(`Bootstrap-Write ${path}`, ResponseCode.Changed, { method: 'PUT', path, contentFormat: this.format, payload });
  }

  /** Bootstrap-Delete of "/", an object or an instance (the client keeps its bootstrap account). */
  async delete(path = '/'): Promise<void> {
    await this.#request(`Bootstrap-Delete ${path}`, ResponseCode.Deleted, { method: 'DELETE', path });
  }

  /** Bootstrap-Finish: the client applies what it was given, or answers 4.06 and keeps its previous configuration. */
  async finish(): Promise<void> {
    await this.#request('Bootstrap-Finish', ResponseCode.Changed, { method: 'POST', path: '/bs' });
  }

  async #request(what: string, expected: number, init: RequestInit): Promise<CoapResponse> {
    let res: CoapResponse;
    try {
      res = await this.coap.request(this.peer, { ...init, timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new BootstrapError('E_BS_UNREACHABLE', `${what}: ${(e as Error).message}`, undefined, { cause: e });
    }
    if (res.code !== expected) {
      const text = res.payload.length > 0 && res.payload.length < 200 ? `: ${new TextDecoder().decode(res.payload)}` : '';
      throw new BootstrapError('E_BS_REFUSED', `${what} answered ${codeText(res.code)}${text}`, codeText(res.code));
    }
    return res;
  }
}
