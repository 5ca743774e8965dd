/**
 * Device management of one registered client, by path: Read, Discover, Write, Write-Attributes,
 * Execute, Create, Delete, Observe, Read-Composite and Write-Composite, encoded and decoded with the object versions the client
 * registered. The typed handles of remote-handles.ts are a layer over these calls.
 */
import { decode, decodeRecords, encode, encodeCompositeRequest, encodeRecords } from '../codec/codec.js';
import { CodecError } from '../codec/codec-error.js';
import { ContentFormat } from '../codec/content-format.js';
import { decodeCoreLinks } from '../codec/core-link.js';
import { codeText } from '../coap/codes.js';
import type { ClientObservation } from '../coap/client-observation.js';
import type { CoapEndpoint } from '../coap/endpoint.js';
import { CoapError } from '../coap/errors.js';
import type { CoapResponse, RequestInit } from '../coap/request.js';
import type { Registry } from '../../registry/create-registry.js';
import { ModelError } from '../model/model-error.js';
import { objectNode, type LwM2MNode } from '../model/node.js';
import { nodeToRecords, recordsToNode } from '../model/node-records.js';
import type { ObjectResolver } from '../model/object-resolver.js';
import { brokenAttributeRule } from '../model/attribute-rules.js';
import { formatPath, isPathPrefix, parsePath, pathLevel, type LwM2MPath } from '../model/path.js';
import type { LwM2MRecord } from '../model/record.js';
import type { CoreLink, ResourceValue } from '../model/values.js';
import type { Attributes, NumericAttributes, BooleanAttributes } from '../genv1/attributes.js';
import type { ObjectType } from '../genv1/define-object.js';
import type { RemoteObject } from '../genv1/remote.js';
import { compositeFormat, formatCandidates } from './format-choice.js';
import type { StoredObservation } from './observation-store.js';
import { tokenBytes, tokenHex, type ServerObservations } from './server-observations.js';
import type { QueueMode } from './queue-mode.js';
import { CompositeWrite, readValues, remoteObject, type CompositeReadValues, type ReadableHandle } from './remote-handles.js';
import type { Registration } from './registration.js';
import { planOf } from './registration-plan.js';
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
  /** The server's observations: the store and the handles this process holds. */
  readonly observations: ServerObservations;
  /** Every notification decoded, for the server's `notification` event (per path of a composite one). */
  readonly notify: (observation: StoredObservation, path: string, node: LwM2MNode) => void;
}

export type AnyAttributes = Attributes & NumericAttributes & BooleanAttributes;

/** A path of a composite operation: "/3/0/9", a parsed path, or a typed handle (it has `path`). */
export type CompositePath = string | LwM2MPath | { readonly path: string };

/**
 * What Write-Composite writes at one path: a value at a resource or resource-instance path,
 * a Map of resource-instance id to value at a multiple resource's path, or a node tree.
 */
export type CompositeValue = ResourceValue | ReadonlyMap<number, ResourceValue> | LwM2MNode;

export interface ClientObservationHandle {
  cancel(): Promise<void>;
}


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

  /** `format` asks for that Content-Format only (a 4.06 is then an error); else the registration's candidates in turn. */
  async read(path: string | LwM2MPath, options: { format?: number } = {}): Promise<LwM2MNode> {
    const p = toPath(path);
    const r = await this.registration();
    const plan = planOf(r);
    const coapPath = plan.pathOf(p);
    // The hot path of a server: one loop, no closure per call.
    const candidates = options.format === undefined ? plan.candidates : [options.format];
    for (const format of candidates) {
      const res = await this.send(r, { method: 'GET', path: coapPath, accept: format, timeoutMs: this.ctx.timeoutMs });
      if (res.code === 0x86 /* 4.06 */) continue;
      expectCode(res, 0x45, 'Read', p);
      return this.decode(r, p, res);
    }
    throw new ServerError('E_CLIENT_RESPONSE', `${this.endpoint} accepts none of the formats ${candidates.join(', ')}`, '4.06');
  }

  /** Write replaces (PUT) by default; `replace: false` is a partial update (POST). `format` overrides the registration's choice. */
  async write(path: string | LwM2MPath, node: LwM2MNode, options: { replace?: boolean; format?: number } = {}): Promise<void> {
    const p = toPath(path);
    const r = await this.registration();
    const format = options.format ?? formatCandidates(r)[0]!;
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
    // A PUT with neither payload nor query would be a Write: nothing to send is an argument error.
    if (query.length === 0) throw new ServerError('E_ARGUMENT', 'Write-Attributes needs at least one attribute');
    await this.#putAttributes(p, query);
  }

  /** Removes attributes from a path (Write-Attributes with value-less parameters: `?gt&lt`). */
  async clearAttributes(path: string | LwM2MPath, names: readonly (keyof AnyAttributes)[]): Promise<void> {
    if (names.length === 0) throw new ServerError('E_ARGUMENT', 'clearAttributes needs at least one attribute name');
    await this.#putAttributes(toPath(path), [...names]);
  }

  async #putAttributes(p: LwM2MPath, query: string[]): Promise<void> {
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

  /**
   * Observe: the listener gets each notification's value tree; the first Read's too. The
   * observation is kept in the server's observation store, so that after a restart its
   * notifications reach the server's `notification` event again. `attributes` are written
   * first (Write-Attributes) and kept with the stored observation.
   */
  async observe(path: string | LwM2MPath, listener: (node: LwM2MNode) => void, options: { attributes?: AnyAttributes } = {}): Promise<ClientObservationHandle> {
    const p = toPath(path);
    if (options.attributes !== undefined) await this.writeAttributes(p, options.attributes);
    const r = await this.registration();
    const format = formatCandidates(r)[0]!;
    let stored: StoredObservation | undefined;
    const onNotification = this.notificationHandler(r, p, () => stored, listener);
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
    if (obs.active) {
      stored = await this.track(obs, {
        token: tokenHex(obs.token), registrationId: r.id, endpoint: this.endpoint, paths: [formatPath(p)], composite: false, format, createdAt: Date.now(),
        ...(options.attributes === undefined ? {} : { attributes: { ...options.attributes } }),
      });
    }
    return this.handle(r, obs, () => stored);
  }

  /** What the server observes on this client's current registration, whichever server process made it. */
  async observations(): Promise<StoredObservation[]> {
    const r = await this.registration();
    return this.ctx.observations.store.byRegistration(r.id);
  }

  /** Cancels every observation of this path on the current registration (GET Observe=1 on each token); resolves with how many. */
  async cancelObservations(path: string | LwM2MPath): Promise<number> {
    const key = formatPath(toPath(path));
    const r = await this.registration();
    const hits = (await this.ctx.observations.store.byRegistration(r.id)).filter((o) => o.paths.length === 1 && o.paths[0] === key);
    for (const o of hits) await this.ctx.observations.cancel(o.token, r);
    return hits.length;
  }

  /** @internal Listens on a stored observation again in this process (ServerObservations, after a restart). */
  resumeObservation(r: Registration, o: StoredObservation): ClientObservation {
    if (o.composite) {
      const ps = o.paths.map((x) => toPath(x));
      return this.ctx.coap.resumeObservation(r.address, tokenBytes(o.token), { ...this.compositeInit(r, ps, o.format), timeoutMs: this.ctx.timeoutMs }, this.compositeHandler(r, ps, o.format, () => o, undefined));
    }
    const p = toPath(o.paths[0] ?? '/');
    const init: RequestInit = { method: 'GET', path: pathOf(r, p), accept: o.format, timeoutMs: this.ctx.timeoutMs };
    return this.ctx.coap.resumeObservation(r.address, tokenBytes(o.token), init, this.notificationHandler(r, p, () => o, undefined));
  }

  private notificationHandler(r: Registration, p: LwM2MPath, stored: () => StoredObservation | undefined, listener: ((node: LwM2MNode) => void) | undefined): (res: CoapResponse) => void {
    return this.handler(stored, (res) => this.decode(r, p, res), listener, (o, node) => this.ctx.notify(o, o.paths[0]!, node));
  }

  /**
   * What both kinds of observation do with a notification: an error code ends it (RFC 7641 §3.2:
   * out of the store); a 2.05 is decoded, given to the listener, then to the server's event.
   */
  private handler<T>(stored: () => StoredObservation | undefined, decode: (res: CoapResponse) => T, listener: ((value: T) => void) | undefined, emit: (o: StoredObservation, value: T) => void): (res: CoapResponse) => void {
    return (res) => {
      const o = stored();
      if (res.code >> 5 !== 2) {
        if (o !== undefined) this.ctx.observations.ended(o.token);
        return;
      }
      if (res.code !== 0x45) return;
      let value: T;
      try {
        value = decode(res);
      } catch {
        return; // A notification that does not decode is dropped; the next one may.
      }
      try {
        listener?.(value);
      } catch {
        // The application's listener failing is its own business.
      }
      if (o !== undefined) emit(o, value);
    };
  }

  /**
   * Read-Composite: one FETCH on the client's root with the paths as a SenML body. The answer's
   * records are split back per requested path, keyed as formatPath writes it ("/3/0/9"); a path
   * the client left out (absent, or not readable) has no entry. `format` sets Accept (SenML CBOR
   * or JSON by the registration otherwise); the body is SenML in the same format when it can be.
   */
  async readComposite(paths: readonly CompositePath[], options: { format?: number } = {}): Promise<Map<string, LwM2MNode>> {
    const ps = paths.map(compositePath);
    if (ps.length === 0) throw new ServerError('E_ARGUMENT', 'Read-Composite needs at least one path');
    const r = await this.registration();
    const senml = this.compositeFormatOf(r, 'Read-Composite');
    const accept = options.format ?? senml;
    const body = accept === ContentFormat.SENML_JSON || accept === ContentFormat.SENML_CBOR ? accept : senml;
    const res = await this.send(r, { method: 'FETCH', path: rootOf(r), contentFormat: body, accept, payload: encodeCompositeRequest(body, ps) });
    expectCode(res, 0x45, 'Read-Composite', ps.map(formatPath).join(','));
    return this.compositeValues(r, ps, res, accept, 'Read-Composite');
  }

  /**
   * Observe-Composite (LwM2M 1.1+): one observation of several paths, FETCH with Observe on the
   * client's root. The listener gets each notification split per path as readComposite returns
   * it, the first composite Read's too; the server's `notification` event fires once per path.
   */
  async observeComposite(paths: readonly CompositePath[], listener: (values: Map<string, LwM2MNode>) => void, options: { format?: number } = {}): Promise<ClientObservationHandle> {
    const ps = paths.map(compositePath);
    if (ps.length === 0) throw new ServerError('E_ARGUMENT', 'Observe-Composite needs at least one path');
    const r = await this.registration();
    const accept = options.format ?? this.compositeFormatOf(r, 'Observe-Composite');
    let stored: StoredObservation | undefined;
    const onNotification = this.compositeHandler(r, ps, accept, () => stored, listener);
    const target = await this.awake(r);
    let obs;
    try {
      obs = await this.ctx.coap.observe(target.address, { ...this.compositeInit(r, ps, accept), timeoutMs: this.ctx.timeoutMs }, onNotification);
    } catch (e) {
      throw unreachable(e, this.endpoint, 'Observe-Composite', ps[0]!);
    }
    if (obs.response) {
      expectCode(obs.response, 0x45, 'Observe-Composite', ps.map(formatPath).join(','));
      listener(this.compositeValues(r, ps, obs.response, accept, 'Observe-Composite'));
    }
    if (obs.active) {
      stored = await this.track(obs, { token: tokenHex(obs.token), registrationId: r.id, endpoint: this.endpoint, paths: ps.map(formatPath), composite: true, format: accept, createdAt: Date.now() });
    }
    return this.handle(r, obs, () => stored);
  }

  /** Keeps a new observation in the store; one that cannot be stored is cancelled (no restart could find it again). */
  private async track(obs: ClientObservation, o: StoredObservation): Promise<StoredObservation> {
    try {
      await this.ctx.observations.track(o, obs);
    } catch (e) {
      await obs.cancel().catch(() => undefined);
      throw e;
    }
    return o;
  }

  /** The application's handle: cancelling goes through the store when the observation is in it. */
  private handle(r: Registration, obs: ClientObservation, stored: () => StoredObservation | undefined): ClientObservationHandle {
    return {
      cancel: async () => {
        const o = stored();
        if (o !== undefined) await this.ctx.observations.cancel(o.token, r);
        else if (obs.active) await obs.cancel().catch(() => undefined);
      },
    };
  }

  /** The FETCH of a Read-/Observe-Composite: the body in SenML, as Accept when it is SenML. */
  private compositeInit(r: Registration, ps: readonly LwM2MPath[], accept: number): RequestInit {
    const body = accept === ContentFormat.SENML_JSON || accept === ContentFormat.SENML_CBOR ? accept : this.compositeFormatOf(r, 'Observe-Composite');
    return { method: 'FETCH', path: rootOf(r), contentFormat: body, accept, payload: encodeCompositeRequest(body, ps) };
  }

  /** A composite answer's records split back per requested path ("/3/0/9" keys); absent paths have no entry. */
  private compositeValues(r: Registration, ps: readonly LwM2MPath[], res: CoapResponse, accept: number, operation: string): Map<string, LwM2MNode> {
    const out = new Map<string, LwM2MNode>();
    try {
      const records = decodeRecords(res.contentFormat ?? accept, res.payload, { resolve: this.resolver(r) });
      for (const p of ps) {
        const under = records.filter((rec) => isPathPrefix(p, rec.path));
        if (under.length > 0) out.set(formatPath(p), recordsToNode(p, under, this.resolver(r)));
      }
    } catch (e) {
      if (e instanceof CodecError || e instanceof ModelError) throw new ServerError('E_CLIENT_PAYLOAD', `${operation} on ${this.endpoint}: ${e.message}`);
      throw e;
    }
    return out;
  }

  private compositeHandler(r: Registration, ps: readonly LwM2MPath[], accept: number, stored: () => StoredObservation | undefined, listener: ((values: Map<string, LwM2MNode>) => void) | undefined): (res: CoapResponse) => void {
    return this.handler(stored, (res) => this.compositeValues(r, ps, res, accept, 'Observe-Composite'), listener, (o, values) => {
      for (const [path, node] of values) this.ctx.notify(o, path, node);
    });
  }

  /**
   * Write-Composite: one iPATCH on the client's root with every value as a record. The client
   * checks all of them before storing any. `format` picks the body's format (SenML CBOR or
   * JSON, LwM2M CBOR for 1.2); by default SenML as the registration prefers.
   */
  async writeComposite(values: Readonly<Record<string, CompositeValue>> | ReadonlyMap<string | LwM2MPath, CompositeValue>, options: { format?: number } = {}): Promise<void> {
    const entries = values instanceof Map ? [...(values as ReadonlyMap<string | LwM2MPath, CompositeValue>)] : Object.entries(values as Readonly<Record<string, CompositeValue>>);
    const records: LwM2MRecord[] = [];
    for (const [key, v] of entries) for (const rec of compositeRecords(toPath(key), v)) records.push(rec);
    if (records.length === 0) throw new ServerError('E_ARGUMENT', 'Write-Composite needs at least one value');
    const r = await this.registration();
    const format = options.format ?? this.compositeFormatOf(r, 'Write-Composite');
    let payload: Uint8Array;
    try {
      payload = encodeRecords(format, records, { resolve: this.resolver(r) });
    } catch (e) {
      if (e instanceof CodecError || e instanceof ModelError) throw new ServerError('E_ARGUMENT', `Write-Composite on ${this.endpoint}: ${e.message}`);
      throw e;
    }
    const res = await this.send(r, { method: 'iPATCH', path: rootOf(r), contentFormat: format, payload });
    expectCode(res, 0x44, 'Write-Composite', records.map((x) => formatPath(x.path)).join(','));
  }

  /** Read-Composite through typed handles: `readValues({ battery: dev.batteryLevel, errors: dev.errorCode })`. */
  readValues<H extends Readonly<Record<string, ReadableHandle>>>(handles: H): Promise<CompositeReadValues<H>> {
    return readValues(this, handles);
  }

  /** Write-Composite through typed handles: `writeValues().set(dev.timezone, 'UTC').set(dev.utcOffset, '+00:00').send()`. */
  writeValues(): CompositeWrite {
    return new CompositeWrite(this);
  }

  /** Composite operations exist from LwM2M 1.1 on: a 1.0 client is refused before anything is sent. */
  private compositeFormatOf(r: Registration, operation: string): number {
    const f = compositeFormat(r);
    if (f === undefined) throw new ServerError('E_ARGUMENT', `${operation}: ${this.endpoint} registered as LwM2M ${r.lwm2mVersion}; composite operations need 1.1 or later`);
    return f;
  }

  private send(r: Registration, init: RequestInit): Promise<CoapResponse> {
    // A client awake (nearly always) is asked at once, without an async frame per request.
    if (r.queueMode && !this.ctx.queue.isAwake(this.endpoint)) return this.awake(r).then((target) => this.sendTo(target, init));
    return this.sendTo(r, init);
  }

  private sendTo(target: Registration, init: RequestInit): Promise<CoapResponse> {
    return this.ctx.coap.request(target.address, init.timeoutMs === undefined ? { ...init, timeoutMs: this.ctx.timeoutMs } : init).then(
      (res) => {
        if (target.queueMode) this.ctx.queue.wake(this.endpoint);
        return res;
      },
      (e: unknown) => {
        throw unreachable(e, this.endpoint, init.method, toPath(`/${[...(init.path ?? [])].join('/')}`));
      },
    );
  }

  /** A queue-mode client that sleeps is waited for; it may come back from elsewhere, or not at all. */
  private async awake(r: Registration): Promise<Registration> {
    if (!r.queueMode || this.ctx.queue.isAwake(this.endpoint)) return r;
    await this.ctx.queue.whenAwake(this.endpoint);
    return this.registration();
  }

  private resolver(r: Registration): ObjectResolver {
    return planOf(r).resolver(this.ctx.registry);
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

function compositePath(p: CompositePath): LwM2MPath {
  return typeof p === 'object' && 'path' in p ? toPath(p.path) : toPath(p);
}

function isNode(v: CompositeValue): v is LwM2MNode {
  return typeof v === 'object' && v !== null && !(v instanceof Map) && 'kind' in v && typeof (v as { kind: unknown }).kind === 'string';
}

/** The records of one Write-Composite entry; shapes that cannot fit the path are E_ARGUMENT. */
function compositeRecords(p: LwM2MPath, v: CompositeValue): LwM2MRecord[] {
  const level = pathLevel(p);
  if (isNode(v)) {
    try {
      return nodeToRecords(p, v);
    } catch (e) {
      if (e instanceof ModelError) throw new ServerError('E_ARGUMENT', `Write-Composite ${formatPath(p)}: ${e.message}`);
      throw e;
    }
  }
  if (v instanceof Map) {
    if (level !== 'resource') throw new ServerError('E_ARGUMENT', `Write-Composite ${formatPath(p)}: a Map of resource instances goes at a resource path`);
    return [...(v as ReadonlyMap<number, ResourceValue>)].map(([ri, value]) => ({ path: { ...p, resourceInstanceId: ri }, value }));
  }
  if (level !== 'resource' && level !== 'resourceInstance') throw new ServerError('E_ARGUMENT', `Write-Composite ${formatPath(p)}: a single value goes at a resource or resource-instance path`);
  return [{ path: p, value: v as ResourceValue }];
}

function toPath(path: string | LwM2MPath): LwM2MPath {
  if (typeof path !== 'string') return path;
  try {
    return parsePath(path);
  } catch (e) {
    throw new ServerError('E_ARGUMENT', (e as Error).message);
  }
}

/** The client's root: "/" or the alternate path it announced. Composite operations go there. */
function rootOf(r: Registration): readonly string[] {
  return planOf(r).root;
}

/** The CoAP path of an LwM2M path under the client's alternate path, if it has one. */
function pathOf(r: Registration, p: LwM2MPath): string[] {
  return planOf(r).pathOf(p);
}

function expectCode(res: CoapResponse, code: number, operation: string, p: LwM2MPath | string): void {
  if (res.code === code) return;
  const text = codeText(res.code);
  const reason = res.payload.length > 0 && res.payload.length < 256 ? `: ${new TextDecoder().decode(res.payload)}` : '';
  const where = typeof p === 'string' ? p : formatPath(p);
  throw new ServerError('E_CLIENT_RESPONSE', `${operation} ${where.length > 120 ? `${where.slice(0, 117)}...` : where} answered ${text}${reason}`, text);
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
  const broken = brokenAttributeRule(a);
  if (broken !== undefined) throw new ServerError('E_ARGUMENT', broken);
  if (a.st !== undefined && a.st <= 0) throw new ServerError('E_ARGUMENT', `st ${a.st} must be positive`);
  return query;
}
