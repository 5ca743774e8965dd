/**
 * One bootstrap exchange seen from the client: what the bootstrap server asks (Delete,
 * Discover, Read, Write) is answered from a staged copy of Security (/0), Server (/1) and
 * Access Control (/2); nothing touches the client's tree before Bootstrap-Finish. Finish
 * checks the result (every server account complete and matched by a Server instance) and
 * applies all of it at once, or answers 4.06 and applies nothing: a failed or abandoned
 * bootstrap keeps the previous configuration (issue #6).
 *
 * Choices where the spec leaves room:
 * - Only /0, /1 and /2 are bootstrap business here; a Delete of "/" empties those three (the
 *   application's own objects stay); Writes and Deletes elsewhere are 4.00 / 4.05.
 * - The bootstrap account's own Security instance is listed but never deleted or rewritten.
 * - Bootstrap-Write merges into the instance (creating it when absent), as a partial update.
 * - Bootstrap-Read (1.1+) of /1 and /2 only; other objects 4.01, and 4.05 for a 1.0 client.
 * - Bootstrap-Discover on "/" or "/o": `</>;lwm2m=1.1`, `ssid` on /0 (not the bootstrap
 *   account) and /1 instances, `uri` on /0 instances from 1.1; on "/o/i" 4.00.
 */
import { LwM2MAccessControl } from '../../registry/index.js';
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import { ResponseCode as C } from '../coap/codes.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { decode, encode } from '../codec/codec.js';
import { ContentFormat } from '../codec/content-format.js';
import { negotiateFormat } from '../codec/negotiate.js';
import { ObjectInstance, type StoredResourceValue } from '../genv1/object-instance.js';
import type { InstanceNode, LwM2MNode, ResourceNode } from '../model/node.js';
import { findResource } from '../model/object-resolver.js';
import { parsePath, pathLevel, type LwM2MPath } from '../model/path.js';
import type { ResourceValue } from '../model/values.js';
import { ObjectTree } from './object-tree.js';
import { isDefaultVersion, type Lwm2mVersion } from './register-payload.js';
import { readServerAccounts, serverObjectFor } from './server-accounts.js';

type Values = Map<number, StoredResourceValue>;

/** The objects a bootstrap server configures here. */
const BOOTSTRAP_OBJECTS = [0, 1, 2] as const;

function fail(code: number, message: string): OutgoingResponse {
  return { code, payload: message.slice(0, 120) };
}

export class BootstrapSession {
  /** "/o/i" -> the instance's values after this session, or null when deleted. */
  readonly #staged = new Map<string, Values | null>();
  #done: (() => void) | undefined;
  /** Resolves once Bootstrap-Finish was accepted and applied. */
  readonly finished: Promise<void>;
  #closed = false;

  constructor(
    private readonly tree: ObjectTree,
    /** The Security instance of the bootstrap server: never deleted or rewritten. */
    private readonly account: ObjectInstance,
    /** Decides Bootstrap-Read, the formats and the Discover payload. */
    private readonly version: Lwm2mVersion,
  ) {
    this.finished = new Promise((resolve) => (this.#done = resolve));
  }

  /** Whether Finish was applied (or the session given up): later requests need a new session. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Abandons the session: nothing staged is applied. */
  close(): void {
    this.#closed = true;
  }

  /** Answers one request of the bootstrap server; never throws. */
  async handle(req: IncomingRequest): Promise<OutgoingResponse> {
    if (this.#closed) return fail(C.ServiceUnavailable, 'this bootstrap session is over');
    const raw = `/${req.path.join('/')}`;
    if (req.method === 'POST' && raw === '/bs') return this.#finish();
    let path: LwM2MPath | undefined;
    try {
      path = req.path.length === 0 || raw === '/' ? undefined : parsePath(raw);
    } catch {
      return fail(C.NotFound, `${raw.slice(0, 40)} is not an LwM2M path`);
    }
    try {
      switch (req.method) {
        case 'DELETE':
          return this.#delete(path);
        case 'GET':
          return req.accept === ContentFormat.LINK ? await this.#discover(path) : await this.#read(path, req.accept);
        case 'PUT':
          return await this.#write(path, req);
        default:
          return fail(C.MethodNotAllowed, `${req.method} is not a bootstrap operation`);
      }
    } catch (e) {
      return fail(C.BadRequest, (e as Error).message);
    }
  }

  #delete(path: LwM2MPath | undefined): OutgoingResponse {
    if (path !== undefined && (pathLevel(path) === 'resource' || pathLevel(path) === 'resourceInstance')) return fail(C.BadRequest, 'Bootstrap-Delete takes "/", an object or an instance');
    if (path !== undefined && !isBootstrapObject(path.objectId)) return fail(C.BadRequest, `object ${path.objectId} is not configured by bootstrap here`);
    for (const o of path === undefined ? BOOTSTRAP_OBJECTS : [path.objectId]) {
      for (const i of this.#ids(o)) {
        if (path?.instanceId !== undefined && path.instanceId !== i) continue;
        // The bootstrap account survives every Bootstrap-Delete (the spec asks it).
        if (o === 0 && i === this.account.id) continue;
        this.#staged.set(`/${o}/${i}`, null);
      }
    }
    return { code: C.Deleted };
  }

  async #discover(path: LwM2MPath | undefined): Promise<OutgoingResponse> {
    if (path !== undefined && pathLevel(path) !== 'object') return fail(C.BadRequest, 'Bootstrap-Discover takes "/" or an object');
    const objects = path === undefined ? this.tree.objects().map((e) => e.descriptor) : [this.tree.object(path.objectId)?.descriptor];
    if (objects[0] === undefined) return fail(C.NotFound, `object ${path!.objectId} is not supported`);
    const links: string[] = [this.version === '1.0' ? '</>;lwm2m="1.0"' : `</>;lwm2m=${this.version}`];
    for (const d of objects as ObjectDescriptor[]) {
      const o = d.id;
      const ids = this.#ids(o);
      const ver = isDefaultVersion(o, d.version, this.version) ? '' : this.version === '1.0' ? `;ver="${d.version}"` : `;ver=${d.version}`;
      if (ver !== '' || ids.length === 0) links.push(`</${o}>${ver}`);
      for (const i of ids) links.push(`</${o}/${i}>${o === 0 || o === 1 ? discoverAttributes(o, await this.#values(o, i), this.version) : ''}`);
    }
    return { code: C.Content, contentFormat: ContentFormat.LINK, payload: links.join(',') };
  }

  async #read(path: LwM2MPath | undefined, accept: number | undefined): Promise<OutgoingResponse> {
    if (this.version === '1.0') return fail(C.MethodNotAllowed, 'Bootstrap-Read needs LwM2M 1.1 or later');
    if (path === undefined) return fail(C.BadRequest, 'Bootstrap-Read takes an object, an instance or a resource');
    if (path.objectId !== 1 && path.objectId !== 2) return fail(C.Unauthorized, 'a bootstrap server may read the Server (/1) and Access Control (/2) objects only');
    const descriptor = this.#descriptor(path.objectId);
    let node: LwM2MNode;
    let resource;
    if (path.instanceId === undefined) {
      const instances = new Map<number, InstanceNode>();
      for (const i of this.#ids(path.objectId)) instances.set(i, toInstanceNode(i, await this.#values(path.objectId, i), descriptor));
      node = { kind: 'object', id: path.objectId, instances };
    } else {
      if (!this.#ids(path.objectId).includes(path.instanceId)) return fail(C.NotFound, `/${path.objectId}/${path.instanceId} does not exist`);
      const inst = toInstanceNode(path.instanceId, await this.#values(path.objectId, path.instanceId), descriptor);
      if (path.resourceId === undefined) {
        node = inst;
      } else {
        resource = findResource(descriptor, path.resourceId);
        const r = inst.resources.get(path.resourceId);
        if (r === undefined) return fail(C.NotFound, `/${path.objectId}/${path.instanceId}/${path.resourceId} has no value`);
        if (path.resourceInstanceId === undefined) {
          node = r;
        } else {
          const v = r.kind === 'multipleResource' ? r.instances.get(path.resourceInstanceId) : undefined;
          if (v === undefined) return fail(C.NotFound, `/${path.objectId}/${path.instanceId}/${path.resourceId}/${path.resourceInstanceId} does not exist`);
          node = { kind: 'resourceInstance', id: path.resourceInstanceId, value: v };
        }
      }
    }
    let format: number;
    try {
      format = negotiateFormat(accept, path, this.version, resource);
    } catch (e) {
      return fail(C.NotAcceptable, (e as Error).message);
    }
    return { code: C.Content, contentFormat: format, payload: encode(format, path, node, { resolve: (id) => (isBootstrapObject(id) ? this.#descriptor(id) : this.tree.resolve(id)) }) };
  }

  async #write(path: LwM2MPath | undefined, req: IncomingRequest): Promise<OutgoingResponse> {
    if (path === undefined) return fail(C.MethodNotAllowed, 'Bootstrap-Write takes an object, an instance or a resource');
    if (!isBootstrapObject(path.objectId)) return fail(C.MethodNotAllowed, 'this client takes Security, Server and Access Control instances only');
    if (path.resourceInstanceId !== undefined) return fail(C.MethodNotAllowed, 'Bootstrap-Write on a resource instance');
    if (req.contentFormat === undefined) return fail(C.BadRequest, 'a Bootstrap-Write needs a Content-Format');
    const descriptor = this.#descriptor(path.objectId);
    // Values are decoded (and checked against the descriptor) before anything is staged.
    const node = decode(req.contentFormat, path, req.payload, { resolve: (id) => (id === path.objectId ? descriptor : this.tree.resolve(id)) });
    const changes = new Map<number, Map<number, StoredResourceValue>>();
    const take = (i: number, resources: Iterable<ResourceNode>): void => {
      const m = changes.get(i) ?? new Map<number, StoredResourceValue>();
      for (const r of resources) m.set(r.id, r.kind === 'resource' ? r.value : r.instances);
      changes.set(i, m);
    };
    if (node.kind === 'object') for (const inst of node.instances.values()) take(inst.id, inst.resources.values());
    else if (node.kind === 'instance') take(path.instanceId ?? node.id, node.resources.values());
    else if (node.kind === 'resource' || node.kind === 'multipleResource') take(path.instanceId!, [node]);
    else return fail(C.BadRequest, 'a resource or instance was expected');
    for (const i of changes.keys()) {
      if (path.objectId === 0 && i === this.account.id) return fail(C.BadRequest, 'the bootstrap account is not rewritten');
    }
    for (const [i, m] of changes) {
      for (const id of m.keys()) {
        const r = findResource(descriptor, id);
        if (r === undefined || r.operations === 'E') return fail(C.BadRequest, `/${path.objectId}/${i}/${id} cannot hold a value`);
      }
    }
    for (const [i, m] of changes) {
      const base = this.#ids(path.objectId).includes(i) ? await this.#values(path.objectId, i) : new Map<number, StoredResourceValue>();
      this.#staged.set(`/${path.objectId}/${i}`, new Map([...base, ...m]));
    }
    return { code: C.Changed };
  }

  /** Bootstrap-Finish: every staged instance built and the server accounts checked, then all applied at once. */
  async #finish(): Promise<OutgoingResponse> {
    let prepared: ObjectInstance[];
    try {
      prepared = this.#prepare();
      // The result must hold together: each server account complete, with its Server instance.
      const trial = new ObjectTree();
      for (const o of [0, 1]) {
        trial.addType(this.#descriptor(o));
        for (const inst of this.#finalInstances(o, prepared)) trial.add(inst);
      }
      await readServerAccounts(trial);
    } catch (e) {
      return fail(C.NotAcceptable, `the configuration is inconsistent: ${(e as Error).message}`);
    }
    for (const [key, v] of this.#staged) {
      const [o, i] = key.slice(1).split('/').map(Number) as [number, number];
      if (v === null || this.tree.instance(o, i) !== undefined) this.tree.remove(o, i);
    }
    for (const inst of prepared) {
      if (this.tree.object(inst.descriptor.id) === undefined) this.tree.addType(inst.descriptor, inst.constructor as never);
      this.tree.add(inst);
    }
    this.#closed = true;
    this.#done?.();
    return { code: C.Changed };
  }

  /** Builds the staged instances; throws (ModelError) when one lacks a mandatory value. */
  #prepare(): ObjectInstance[] {
    const out: ObjectInstance[] = [];
    const now = new Date();
    for (const [key, values] of this.#staged) {
      if (values === null) continue;
      const [o, i] = key.slice(1).split('/').map(Number) as [number, number];
      const descriptor = this.#descriptor(o);
      const byIdentifier: Record<string, unknown> = {};
      for (const r of descriptor.resources) {
        const v = values.get(r.id);
        // Execute resources (Registration Update Trigger, Disable...) get handlers: the client acts on them itself.
        if (r.operations === 'E') byIdentifier[r.identifier] = () => {};
        // Last Bootstrapped (/1/x/12, 1.1+): this Server instance was written by the bootstrap finishing now.
        else if (o === 1 && r.id === 12 && r.type === 'time') byIdentifier[r.identifier] = now;
        else if (v !== undefined) byIdentifier[r.identifier] = v;
      }
      const ctor = this.tree.object(o)?.ctor ?? (o === 1 ? serverObjectFor(this.version).Instance : o === 2 ? LwM2MAccessControl.Instance : undefined);
      out.push(ctor !== undefined && (ctor as unknown) !== ObjectInstance && ctor.descriptor.version === descriptor.version
        ? new ctor(i, byIdentifier as never)
        : new ObjectInstance(descriptor, i, byIdentifier));
    }
    return out;
  }

  #finalInstances(o: number, prepared: readonly ObjectInstance[]): ObjectInstance[] {
    const kept = this.tree.instances(o).filter((x) => !this.#staged.has(`/${o}/${x.id}`));
    return [...kept, ...prepared.filter((x) => x.descriptor.id === o)];
  }

  /** The instance ids of object `o` after what this session did so far. */
  #ids(o: number): number[] {
    const ids = new Set(this.tree.instances(o).map((x) => x.id));
    for (const [key, v] of this.#staged) {
      if (!key.startsWith(`/${o}/`)) continue;
      const i = Number(key.slice(key.lastIndexOf('/') + 1));
      if (v === null) ids.delete(i);
      else ids.add(i);
    }
    return [...ids].sort((a, b) => a - b);
  }

  #stagedValues(o: number, i: number): Values | undefined {
    return this.#staged.get(`/${o}/${i}`) ?? undefined;
  }

  /** The values of /o/i as staged, else as the tree holds them. */
  async #values(o: number, i: number): Promise<Values> {
    const staged = this.#stagedValues(o, i);
    if (staged !== undefined) return staged;
    const inst = this.tree.instance(o, i);
    const out: Values = new Map();
    if (inst === undefined) return out;
    for (const id of inst.presentResources()) {
      if (findResource(inst.descriptor, id)?.operations === 'E') continue;
      const v = await inst.read(id);
      if (v !== undefined) out.set(id, v);
    }
    return out;
  }

  #descriptor(o: number): ObjectDescriptor {
    // A client may support /1 or /2 without instances of them yet: the core object of its version then.
    const d = this.tree.resolve(o) ?? (o === 1 ? serverObjectFor(this.version).descriptor : o === 2 ? LwM2MAccessControl.descriptor : undefined);
    if (d === undefined) throw new Error(`object ${o} is not supported`);
    return d;
  }
}

function isBootstrapObject(o: number): boolean {
  return o === 0 || o === 1 || o === 2;
}

/** ssid of a Security (not the bootstrap account's) or Server instance, and uri of a Security instance from 1.1. */
function discoverAttributes(o: 0 | 1, values: Values, version: Lwm2mVersion): string {
  const ssid = values.get(o === 0 ? 10 : 0);
  const isBootstrap = o === 0 && values.get(1) === true;
  let out = !isBootstrap && typeof ssid === 'number' ? `;ssid=${ssid}` : '';
  const uri = values.get(0);
  if (o === 0 && version !== '1.0' && typeof uri === 'string') out += `;uri="${uri.replace(/["\\]/g, '\\$&')}"`;
  return out;
}

function toInstanceNode(id: number, values: Values, descriptor: ObjectDescriptor): InstanceNode {
  const resources = new Map<number, ResourceNode>();
  for (const [rid, v] of [...values].sort((a, b) => a[0] - b[0])) {
    const r = findResource(descriptor, rid);
    if (r === undefined || r.operations === 'E') continue;
    resources.set(rid, v instanceof Map ? { kind: 'multipleResource', id: rid, instances: v as ReadonlyMap<number, ResourceValue> } : { kind: 'resource', id: rid, value: v as ResourceValue });
  }
  return { kind: 'instance', id, resources };
}
