/**
 * Client-initiated bootstrap: what the bootstrap server asks, kept aside until its
 * Bootstrap-Finish, then applied at once. A bootstrap that never finishes changes nothing:
 * the previous configuration stays (issue #6: "bootstrap writes applied atomically").
 * Only Security (/0) and Server (/1) are written here; the bootstrap account itself is kept.
 */
import { ResponseCode as C } from '../coap/codes.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { decode } from '../codec/codec.js';
import { ContentFormat } from '../codec/content-format.js';
import { ObjectInstance } from '../genv1/object-instance.js';
import type { ResourceValue } from '../model/values.js';
import { parsePath } from '../model/path.js';
import type { ObjectTree } from './object-tree.js';

type Values = Map<number, ResourceValue | ReadonlyMap<number, ResourceValue>>;

export class BootstrapSession {
  /** "/0/3" -> deleted; writes by "/o/i". */
  readonly #deleted = new Set<string>();
  readonly #writes = new Map<string, Values>();
  #finished: (() => void) | undefined;
  readonly finished: Promise<void>;

  constructor(
    private readonly tree: ObjectTree,
    /** The Security instance of the bootstrap server: never deleted. */
    private readonly account: ObjectInstance,
  ) {
    this.finished = new Promise((resolve) => (this.#finished = resolve));
  }

  /** Answers the bootstrap server's requests; nothing touches the tree before Finish. */
  handle(req: IncomingRequest): OutgoingResponse {
    const path = `/${req.path.join('/')}`;
    if (req.method === 'POST' && path === '/bs') {
      this.#finished?.();
      return { code: C.Changed };
    }
    let p;
    try {
      p = path === '/' ? undefined : parsePath(path);
    } catch {
      return { code: C.NotFound };
    }
    if (p !== undefined && p.objectId !== 0 && p.objectId !== 1) return { code: C.MethodNotAllowed, payload: 'this client takes Security and Server instances only' };
    switch (req.method) {
      case 'DELETE':
        for (const o of p === undefined ? [0, 1] : [p.objectId]) {
          for (const i of this.#current(o)) if (p?.instanceId === undefined || p.instanceId === i) this.#deleted.add(`/${o}/${i}`);
          for (const key of [...this.#writes.keys()]) if (key.startsWith(`/${o}/`) && (p?.instanceId === undefined || key === `/${o}/${p.instanceId}`)) this.#writes.delete(key);
        }
        return { code: C.Deleted };
      case 'GET': {
        if (req.accept !== ContentFormat.LINK) return { code: C.MethodNotAllowed, payload: 'a bootstrap server may Discover here, not Read' };
        const objects = p === undefined ? [0, 1] : [p.objectId];
        // The bootstrap account is listed (its id is taken) though it is never deleted.
        const listed = (o: number): number[] => [...this.#current(o), ...(o === 0 ? [this.account.id] : [])].sort((a, b) => a - b);
        const links = objects.flatMap((o) => [`</${o}>`, ...listed(o).map((i) => `</${o}/${i}>`)]);
        return { code: C.Content, contentFormat: ContentFormat.LINK, payload: links.join(',') };
      }
      case 'PUT': {
        if (p === undefined || p.instanceId === undefined || p.resourceId !== undefined) return { code: C.MethodNotAllowed, payload: 'Bootstrap-Write takes an instance here' };
        if (p.objectId === 0 && p.instanceId === this.account.id) return { code: C.BadRequest, payload: 'the bootstrap account is not rewritten' };
        let node;
        try {
          node = decode(req.contentFormat ?? ContentFormat.TLV, p, req.payload, { resolve: this.tree.resolve });
        } catch (e) {
          return { code: C.BadRequest, payload: (e as Error).message.slice(0, 120) };
        }
        const values: Values = this.#writes.get(`/${p.objectId}/${p.instanceId}`) ?? new Map();
        const resources = node.kind === 'instance' ? node.resources : node.kind === 'object' ? node.instances.get(p.instanceId)?.resources : undefined;
        if (resources === undefined) return { code: C.BadRequest, payload: 'an instance was expected' };
        for (const [id, r] of resources) values.set(id, r.kind === 'resource' ? r.value : r.instances);
        this.#writes.set(`/${p.objectId}/${p.instanceId}`, values);
        return { code: C.Changed };
      }
      default:
        return { code: C.MethodNotAllowed };
    }
  }

  /** Applies what was asked, all of it: deletions, then the written instances. */
  apply(): void {
    for (const key of this.#deleted) {
      const [, o, i] = key.split('/').map(Number) as [number, number, number];
      this.tree.remove(o, i);
    }
    for (const [key, values] of this.#writes) {
      const [, o, i] = key.split('/').map(Number) as [number, number, number];
      const descriptor = this.tree.resolve(o);
      if (descriptor === undefined) continue;
      const byIdentifier: Record<string, unknown> = {};
      for (const r of descriptor.resources) {
        const v = values.get(r.id);
        // Execute resources (Registration Update Trigger, Disable) get handlers: the client acts on them itself.
        if (r.operations === 'E') byIdentifier[r.identifier] = () => {};
        else if (v !== undefined) byIdentifier[r.identifier] = v;
      }
      this.tree.remove(o, i);
      this.tree.add(new ObjectInstance(descriptor, i, byIdentifier));
    }
  }

  #current(objectId: number): number[] {
    return this.tree.instances(objectId).filter((x) => x !== this.account && !this.#deleted.has(`/${objectId}/${x.id}`)).map((x) => x.id)
      .concat([...this.#writes.keys()].filter((k) => k.startsWith(`/${objectId}/`)).map((k) => Number(k.split('/')[2])))
      .filter((id, k, all) => all.indexOf(id) === k)
      .sort((a, b) => a - b);
  }
}
