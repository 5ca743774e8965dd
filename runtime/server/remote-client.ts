/**
 * Device management of one registered client, by path: Read, Discover, Write, Write-Attributes,
 * Execute, Create, Delete and Observe, encoded and decoded with the object versions the client
 * registered. The typed handles of remote-handles.ts are a layer over these calls.
 */
import { decode, encode } from '../codec/codec.js';
import { CodecError } from '../codec/codec-error.js';
import { ContentFormat } from '../codec/content-format.js';
import { decodeCoreLinks } from '../codec/core-link.js';
import { codeText } from '../coap/codes.js';
import type { CoapEndpoint } from '../coap/endpoint.js';
import { CoapError } from '../coap/errors.js';
import type { CoapResponse, RequestInit } from '../coap/request.js';
import type { Registry } from '../../registry/create-registry.js';
import { objectNode, type LwM2MNode } from '../model/node.js';
import { objectResolver, type ObjectResolver } from '../model/object-resolver.js';
import { formatPath, parsePath, type LwM2MPath } from '../model/path.js';
import type { CoreLink } from '../model/values.js';
import type { Attributes, NumericAttributes, BooleanAttributes } from '../genv1/attributes.js';
import type { ObjectType } from '../genv1/define-object.js';
import type { RemoteObject } from '../genv1/remote.js';
import { formatCandidates } from './format-choice.js';
import type { QueueMode } from './queue-mode.js';
import { remoteObject } from './remote-handles.js';
import type { Registration } from './registration.js';
import type { RegistrationStore } from './registration-store.js';
import { ServerError } from './server-error.js';

export interface RemoteContext {
  readonly coap: CoapEndpoint;
  readonly store: RegistrationStore;
  readonly registry: Registry;
  /** Deadline of each request to a client, ms. */
  readonly timeoutMs: number;
  /** Where requests to sleeping queue-mode clients wait. */
  readonly queue: QueueMode;
}

export type AnyAttributes = Attributes & NumericAttributes & BooleanAttributes;

export interface ClientObservationHandle {
  cancel(): Promise<void>;
}

const resolvers = new WeakMap<Registration, ObjectResolver>();

export class RemoteClient {
  constructor(
    readonly endpoint: string,
    private readonly ctx: RemoteContext,
  ) {}

  /** The typed view through a generated object type: `object(Device).instance(0).batteryLevel`. */
  object<S>(type: ObjectType<S>): RemoteObject<S> {
    return remoteObject(this, type);
  }

  /** The current registration; E_CLIENT_UNKNOWN when the endpoint is not registered. */
  async registration(): Promise<Registration> {
    const r = await this.ctx.store.byEndpoint(this.endpoint);
    if (r === undefined) throw new ServerError('E_CLIENT_UNKNOWN', `${this.endpoint} is not registered`);
    return r;
  }

  async read(path: string | LwM2MPath): Promise<LwM2MNode> {
    const p = toPath(path);
    const r = await this.registration();
    return this.withFormats(r, async (format) => {
      const res = await this.send(r, { method: 'GET', path: pathOf(r, p), accept: format });
      if (res.code === 0x86 /* 4.06 */) return undefined;
      expectCode(res, 0x45, 'Read', p);
      return this.decode(r, p, res);
    });
  }

  /** Write replaces (PUT) by default; `replace: false` is a partial update (POST). */
  async write(path: string | LwM2MPath, node: LwM2MNode, options: { replace?: boolean } = {}): Promise<void> {
    const p = toPath(path);
    const r = await this.registration();
    const format = formatCandidates(r)[0]!;
    const payload = this.encode(r, p, node, format);
    const res = await this.send(r, { method: options.replace === false ? 'POST' : 'PUT', path: pathOf(r, p), contentFormat: format, payload });
    expectCode(res, 0x44, 'Write', p);
  }

  async execute(path: string | LwM2MPath, args?: string): Promise<void> {
    const p = toPath(path);
    const r = await this.registration();
    const res = await this.send(r, { method: 'POST', path: pathOf(r, p), ...(args === undefined ? {} : { payload: args, contentFormat: ContentFormat.TEXT }) });
    expectCode(res, 0x44, 'Execute', p);
  }

  async discover(path: string | LwM2MPath): Promise<CoreLink[]> {
    const p = toPath(path);
    const r = await this.registration();
    const res = await this.send(r, { method: 'GET', path: pathOf(r, p), accept: ContentFormat.LINK });
    expectCode(res, 0x45, 'Discover', p);
    try {
      return decodeCoreLinks(res.payload);
    } catch (e) {
      throw new ServerError('E_CLIENT_PAYLOAD', `Discover ${formatPath(p)} on ${this.endpoint}: ${(e as Error).message}`);
    }
  }

  async writeAttributes(path: string | LwM2MPath, attributes: AnyAttributes): Promise<void> {
    const p = toPath(path);
    const query = attributeQuery(attributes);
    const r = await this.registration();
    const res = await this.send(r, { method: 'PUT', path: pathOf(r, p), query });
    expectCode(res, 0x44, 'Write-Attributes', p);
  }

  /** Creates an instance of `objectId`; resolves with the id the client gave it. */
  async create(objectId: number, node: LwM2MNode): Promise<number> {
    const p = toPath(`/${objectId}`);
    const r = await this.registration();
    const format = formatCandidates(r)[0]!;
    // At an object path the codecs carry an object: the new instance goes inside one.
    const body = node.kind === 'instance' ? objectNode(objectId, [node]) : node;
    const res = await this.send(r, { method: 'POST', path: pathOf(r, p), contentFormat: format, payload: this.encode(r, p, body, format) });
    expectCode(res, 0x41, 'Create', p);
    // The new id is in the Location-Path (/o/i); a client that gives none used the id we sent.
    const location = res.options.filter((o) => o.number === 8).map((o) => new TextDecoder().decode(o.value));
    const id = location.length > 0 ? Number(location.at(-1)) : node.kind === 'instance' ? node.id : NaN;
    if (!Number.isInteger(id)) throw new ServerError('E_CLIENT_PAYLOAD', `Create on ${this.endpoint}: the answer has no Location-Path with the new instance id`);
    return id;
  }

  async delete(path: string | LwM2MPath): Promise<void> {
    const p = toPath(path);
    const r = await this.registration();
    const res = await this.send(r, { method: 'DELETE', path: pathOf(r, p) });
    expectCode(res, 0x42, 'Delete', p);
  }

  /** Observe: the listener gets each notification's value tree; the first Read's too. */
  async observe(path: string | LwM2MPath, listener: (node: LwM2MNode) => void): Promise<ClientObservationHandle> {
    const p = toPath(path);
    const r = await this.registration();
    const format = formatCandidates(r)[0]!;
    const onNotification = (res: CoapResponse): void => {
      try {
        if (res.code === 0x45) listener(this.decode(r, p, res));
      } catch {
        // A notification that does not decode is dropped; the next one may.
      }
    };
    const target = await this.awake(r);
    let obs;
    try {
      obs = await this.ctx.coap.observe(target.address, { method: 'GET', path: pathOf(r, p), accept: format, timeoutMs: this.ctx.timeoutMs }, onNotification);
    } catch (e) {
      throw unreachable(e, this.endpoint, 'Observe', p);
    }
    if (obs.response) {
      expectCode(obs.response, 0x45, 'Observe', p);
      listener(this.decode(r, p, obs.response));
    }
    return {
      cancel: async () => {
        if (obs.active) await obs.cancel().catch(() => undefined);
      },
    };
  }

  private async withFormats<T>(r: Registration, attempt: (format: number) => Promise<T | undefined>): Promise<T> {
    const candidates = formatCandidates(r);
    for (const f of candidates) {
      const out = await attempt(f);
      if (out !== undefined) return out;
    }
    throw new ServerError('E_CLIENT_RESPONSE', `${this.endpoint} accepts none of the formats ${candidates.join(', ')}`, '4.06');
  }

  private async send(r: Registration, init: RequestInit): Promise<CoapResponse> {
    const target = await this.awake(r);
    try {
      const res = await this.ctx.coap.request(target.address, { ...init, timeoutMs: this.ctx.timeoutMs });
      if (target.queueMode) this.ctx.queue.wake(this.endpoint);
      return res;
    } catch (e) {
      throw unreachable(e, this.endpoint, init.method, toPath(`/${[...(init.path ?? [])].join('/')}`));
    }
  }

  /** A queue-mode client that sleeps is waited for; it may come back from elsewhere, or not at all. */
  private async awake(r: Registration): Promise<Registration> {
    if (!r.queueMode || this.ctx.queue.isAwake(this.endpoint)) return r;
    await this.ctx.queue.whenAwake(this.endpoint);
    return this.registration();
  }

  private resolver(r: Registration): ObjectResolver {
    let res = resolvers.get(r);
    if (res === undefined) {
      res = objectResolver(this.ctx.registry, new Map(r.objects.objects.map((o) => [o.id, o.version])));
      resolvers.set(r, res);
    }
    return res;
  }

  private decode(r: Registration, p: LwM2MPath, res: CoapResponse): LwM2MNode {
    try {
      return decode(res.contentFormat ?? ContentFormat.TEXT, p, res.payload, { resolve: this.resolver(r) });
    } catch (e) {
      if (e instanceof CodecError) throw new ServerError('E_CLIENT_PAYLOAD', `${formatPath(p)} on ${this.endpoint}: ${e.message}`);
      throw e;
    }
  }

  private encode(r: Registration, p: LwM2MPath, node: LwM2MNode, format: number): Uint8Array {
    try {
      return encode(format, p, node, { resolve: this.resolver(r) });
    } catch (e) {
      if (e instanceof CodecError) throw new ServerError('E_ARGUMENT', `${formatPath(p)} on ${this.endpoint}: ${e.message}`);
      throw e;
    }
  }
}

function toPath(path: string | LwM2MPath): LwM2MPath {
  if (typeof path !== 'string') return path;
  try {
    return parsePath(path);
  } catch (e) {
    throw new ServerError('E_ARGUMENT', (e as Error).message);
  }
}

/** The CoAP path of an LwM2M path under the client's alternate path, if it has one. */
function pathOf(r: Registration, p: LwM2MPath): string[] {
  const root = r.objects.rootPath === '/' ? [] : r.objects.rootPath.split('/').filter((s) => s !== '');
  return [...root, ...formatPath(p).split('/').filter((s) => s !== '')];
}

function expectCode(res: CoapResponse, code: number, operation: string, p: LwM2MPath): void {
  if (res.code === code) return;
  const text = codeText(res.code);
  const reason = res.payload.length > 0 && res.payload.length < 256 ? `: ${new TextDecoder().decode(res.payload)}` : '';
  throw new ServerError('E_CLIENT_RESPONSE', `${operation} ${formatPath(p)} answered ${text}${reason}`, text);
}

function unreachable(e: unknown, endpoint: string, operation: string, p: LwM2MPath): Error {
  if (e instanceof CoapError) return new ServerError('E_CLIENT_UNREACHABLE', `${operation} ${formatPath(p)} on ${endpoint}: ${e.message}`);
  return e as Error;
}

const attributeNames = ['pmin', 'pmax', 'gt', 'lt', 'st', 'epmin', 'epmax', 'edge', 'con', 'hqmax'] as const;

/** Write-Attributes query; the validity rules (pmin <= pmax, lt < gt, ...) are checked before sending. */
export function attributeQuery(a: AnyAttributes): string[] {
  const query: string[] = [];
  for (const name of attributeNames) {
    const v = a[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ServerError('E_ARGUMENT', `attribute ${name} must be a finite number`);
    if (['pmin', 'pmax', 'epmin', 'epmax', 'hqmax'].includes(name) && (!Number.isInteger(v) || v < 0)) throw new ServerError('E_ARGUMENT', `attribute ${name}=${v} must be a whole number of seconds >= 0`);
    query.push(`${name}=${v}`);
  }
  if (a.pmin !== undefined && a.pmax !== undefined && a.pmin > a.pmax) throw new ServerError('E_ARGUMENT', `pmin ${a.pmin} > pmax ${a.pmax}`);
  if (a.epmin !== undefined && a.epmax !== undefined && a.epmin > a.epmax) throw new ServerError('E_ARGUMENT', `epmin ${a.epmin} > epmax ${a.epmax}`);
  if (a.lt !== undefined && a.gt !== undefined && !(a.lt < a.gt)) throw new ServerError('E_ARGUMENT', `lt ${a.lt} must be below gt ${a.gt}`);
  if (a.lt !== undefined && a.gt !== undefined && a.st !== undefined && !(a.lt + 2 * a.st < a.gt)) throw new ServerError('E_ARGUMENT', `lt + 2*st must be below gt`);
  if (a.st !== undefined && a.st <= 0) throw new ServerError('E_ARGUMENT', `st ${a.st} must be positive`);
  return query;
}
