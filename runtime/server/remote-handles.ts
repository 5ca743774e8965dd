/**
 * The typed view of a registered client through a generated object type: `object(Device)
 * .instance(0).batteryLevel.read()`. Handles are built per descriptor, once, with a getter
 * per resource identifier; every call goes through RemoteClient's path-based operations.
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import type { ObjectType } from '../genv1/define-object.js';
import type { InstanceHandle, Observation, ObservationStream, ObserveValuesOptions, RemoteInstance, RemoteObject, ResourceHandle, WriteHandle } from '../genv1/remote.js';
import { observationStream } from './observation-stream.js';
import { isNumberTyped } from '../model/number-typed.js';
import { instanceNode, multipleResourceNode, resourceNode, type LwM2MNode, type ResourceNode } from '../model/node.js';
import type { ResourceValue } from '../model/values.js';
import type { AnyAttributes, CompositeValue, RemoteClient } from './remote-client.js';
import { ServerError } from './server-error.js';

type Stored = ResourceValue | ReadonlyMap<number, ResourceValue>;

export function remoteObject<S>(client: RemoteClient, type: ObjectType<S>): RemoteObject<S> {
  const d = type.descriptor;
  return {
    path: `/${d.id}`,
    instance: (id: number) => remoteInstance<S>(client, d, id),
    create: async (values, instanceId) => {
      const resources = toResourceNodes(d, values as Readonly<Record<string, unknown>>);
      const id = await client.create(d.id, instanceNode(instanceId ?? 0, resources));
      return remoteInstance<S>(client, d, id);
    },
    discover: () => client.discover(`/${d.id}`),
  };
}

class ResourceHandleImpl {
  constructor(
    private readonly client: RemoteClient,
    private readonly r: ResourceDescriptor,
    readonly path: string,
  ) {}

  /** @internal the resource's description (composite reads check values against it). */
  get descriptor(): ResourceDescriptor {
    return this.r;
  }

  async read(): Promise<Stored> {
    return valueOf(await this.client.read(this.path), this.r);
  }

  write(value: Stored): Promise<void> {
    return this.client.write(this.path, toResourceNode(this.r, value));
  }

  execute(args?: string): Promise<void> {
    return this.client.execute(this.path, args);
  }

  discover() {
    return this.client.discover(this.path);
  }

  writeAttributes(attributes: AnyAttributes): Promise<void> {
    return this.client.writeAttributes(this.path, attributes);
  }

  async observe(a: AnyAttributes | ((v: Stored) => void), b?: (v: Stored) => void): Promise<Observation> {
    const listener = typeof a === 'function' ? a : b;
    if (listener === undefined) throw new ServerError('E_ARGUMENT', 'observe() needs a listener');
    if (typeof a !== 'function') await this.client.writeAttributes(this.path, a);
    return this.client.observe(this.path, (node) => listener(valueOf(node, this.r)));
  }

  observeValues(attributes?: AnyAttributes, options?: ObserveValuesOptions): ObservationStream<Stored> {
    return observationStream((push) => (attributes === undefined ? this.observe(push) : this.observe(attributes, push)), options);
  }
}

/** One prototype per descriptor: a getter per resource, its handle made once per instance. */
const prototypes = new WeakMap<ObjectDescriptor, object>();
// Symbols, so that no resource identifier can collide with the instance's own state.
const CLIENT = Symbol('client');
const HANDLES = Symbol('handles');

interface InstanceState {
  readonly [CLIENT]: RemoteClient;
  readonly [HANDLES]: Map<number, ResourceHandleImpl>;
  readonly path: string;
}

function remoteInstance<S>(client: RemoteClient, d: ObjectDescriptor, id: number): RemoteInstance<S> {
  let proto = prototypes.get(d);
  if (proto === undefined) {
    const p: Record<string, unknown> = {};
    for (const r of d.resources) {
      Object.defineProperty(p, r.identifier, {
        get(this: InstanceState) {
          let h = this[HANDLES].get(r.id);
          if (h === undefined) {
            h = new ResourceHandleImpl(this[CLIENT], r, `${this.path}/${r.id}`);
            this[HANDLES].set(r.id, h);
          }
          return h;
        },
      });
    }
    proto = p;
    prototypes.set(d, proto);
  }
  const path = `/${d.id}/${id}`;
  const base: InstanceHandle<S> & InstanceState = {
    [CLIENT]: client,
    [HANDLES]: new Map(),
    path,
    read: async () => {
      const node = await client.read(path);
      if (node.kind !== 'instance') throw new ServerError('E_CLIENT_PAYLOAD', `Read ${path} did not answer an instance`);
      const out: Record<string, Stored> = {};
      for (const r of d.resources) {
        const res = node.resources.get(r.id);
        if (res) out[r.identifier] = fitsType(res.kind === 'resource' ? res.value : res.instances, r);
      }
      return out as Awaited<ReturnType<InstanceHandle<S>['read']>>;
    },
    write: (values, options) => client.write(path, instanceNode(id, toResourceNodes(d, values as Readonly<Record<string, unknown>>)), { replace: options?.replace ?? false }),
    delete: () => client.delete(path),
    discover: () => client.discover(path),
  };
  return Object.assign(Object.create(proto) as object, base) as RemoteInstance<S>;
}

function valueOf(node: LwM2MNode, r: ResourceDescriptor): Stored {
  return fitsType(rawValueOf(node, r), r);
}

function rawValueOf(node: LwM2MNode, r: ResourceDescriptor): Stored {
  if (node.kind === 'resource' || node.kind === 'resourceInstance') return node.value;
  if (node.kind === 'multipleResource') return node.instances;
  // A whole instance where one resource was asked for: take the resource out of it.
  if (node.kind === 'instance') {
    const res = node.resources.get(r.id);
    if (res) return res.kind === 'resource' ? res.value : res.instances;
  }
  throw new ServerError('E_CLIENT_PAYLOAD', `the answer holds no value of resource ${r.id} (${r.name})`);
}

/** A resource typed number gets no bigint: a client's value beyond 2^53 is an error here (read it by path to see it). */
function fitsType(v: Stored, r: ResourceDescriptor): Stored {
  if (!isNumberTyped(r)) return v;
  const values = v instanceof Map ? [...(v as ReadonlyMap<number, ResourceValue>).values()] : [v];
  for (const x of values) {
    if (typeof x === 'bigint') throw new ServerError('E_CLIENT_PAYLOAD', `resource ${r.id} (${r.name}) is typed number, but the client sent ${x}, beyond ±(2^53 - 1); read it by path for the bigint`);
  }
  return v;
}

function toResourceNode(r: ResourceDescriptor, value: unknown): ResourceNode {
  if (r.multiple) {
    if (!(value instanceof Map)) throw new ServerError('E_ARGUMENT', `resource ${r.id} (${r.name}) is multiple: give a Map of instance id to value`);
    return multipleResourceNode(r.id, value as ReadonlyMap<number, ResourceValue>);
  }
  return resourceNode(r.id, value as ResourceValue);
}

function toResourceNodes(d: ObjectDescriptor, values: Readonly<Record<string, unknown>>): ResourceNode[] {
  const byIdentifier = new Map(d.resources.map((r) => [r.identifier, r]));
  const out: ResourceNode[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const r = byIdentifier.get(key);
    if (r === undefined) throw new ServerError('E_ARGUMENT', `${d.name} (${d.id}) has no resource "${key}"`);
    out.push(toResourceNode(r, value));
  }
  return out;
}


/** A typed handle that can be read: its value type is what its `read()` resolves to. */
export type ReadableHandle = ResourceHandle & { read(): Promise<unknown> };

/** What readValues() gives: each key's value typed as its handle reads it; undefined when the client left it out. */
export type CompositeReadValues<H> = { -readonly [K in keyof H]?: H[K] extends { read(): Promise<infer T> } ? T : never };

/** Read-Composite over typed resource handles, by key: one FETCH for all of them. */
export async function readValues<H extends Readonly<Record<string, ReadableHandle>>>(client: RemoteClient, handles: H): Promise<CompositeReadValues<H>> {
  const keys = Object.keys(handles);
  const nodes = await client.readComposite(keys.map((k) => handles[k]!));
  const out: Record<string, Stored> = {};
  for (const k of keys) {
    const node = nodes.get(handles[k]!.path);
    if (node === undefined) continue;
    const h = handles[k];
    const r = h instanceof ResourceHandleImpl ? h.descriptor : undefined;
    if (node.kind === 'resource' || node.kind === 'resourceInstance') out[k] = r === undefined ? node.value : fitsType(node.value, r);
    else if (node.kind === 'multipleResource') out[k] = r === undefined ? node.instances : fitsType(node.instances, r);
    else throw new ServerError('E_CLIENT_PAYLOAD', `Read-Composite of ${handles[k]!.path} answered a whole ${node.kind}`);
  }
  return out as CompositeReadValues<H>;
}

/** Write-Composite over typed resource handles: `.set(handle, value)` per resource, then `send()`. */
export class CompositeWrite {
  readonly #values = new Map<string, CompositeValue>();

  constructor(private readonly client: RemoteClient) {}

  /** The value's type is the one the handle's own write() takes. */
  set<T>(handle: WriteHandle<T>, value: NoInfer<T>): this {
    this.#values.set(handle.path, value as CompositeValue);
    return this;
  }

  send(options: { format?: number } = {}): Promise<void> {
    return this.client.writeComposite(this.#values, options);
  }
}
