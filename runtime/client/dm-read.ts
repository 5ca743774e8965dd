/** Read, Discover and Read-Composite answered from the client's instances. */
import type { ResourceDescriptor } from '../../registry/descriptor.js';
import { ResponseCode as C } from '../coap/codes.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { encode, encodeRecords, decodeCompositeRequest } from '../codec/codec.js';
import { ContentFormat } from '../codec/content-format.js';
import { compositeFormats, negotiateFormat } from '../codec/negotiate.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import type { InstanceNode, LwM2MNode, ResourceNode } from '../model/node.js';
import { nodeToRecords } from '../model/node-records.js';
import { findResource } from '../model/object-resolver.js';
import { formatPath, pathLevel, type LwM2MPath } from '../model/path.js';
import type { LwM2MRecord } from '../model/record.js';
import type { ResourceValue } from '../model/values.js';
import { DmFailure, mayRead, requireRight, type DmContext, type Requester } from './dm-context.js';
import { Right } from './access-control.js';
import { HIDDEN_OBJECTS } from './register-payload.js';
import { attributeLinkParams } from './write-attributes.js';

export function isReadable(r: ResourceDescriptor): boolean {
  return r.operations === 'R' || r.operations === 'RW';
}

export function requireInstance(ctx: DmContext, path: LwM2MPath): ObjectInstance {
  const inst = ctx.tree.instance(path.objectId, path.instanceId!);
  if (inst === undefined) throw new DmFailure(C.NotFound, `${formatPath({ objectId: path.objectId, instanceId: path.instanceId! })} does not exist`);
  return inst;
}

export function requireResourceOf(inst: ObjectInstance, path: LwM2MPath): ResourceDescriptor {
  const r = findResource(inst.descriptor, path.resourceId!);
  if (r === undefined || !inst.has(r.id)) throw new DmFailure(C.NotFound, `${formatPath(path)} does not exist`);
  if (path.resourceInstanceId !== undefined && !r.multiple) throw new DmFailure(C.NotFound, `${formatPath(path)}: resource ${r.id} is single`);
  return r;
}

async function resourceNode(inst: ObjectInstance, r: ResourceDescriptor): Promise<ResourceNode | undefined> {
  // A stored value without waiting; a getter (or no value) through read().
  const stored = inst.peek(r.id);
  const v = stored !== undefined ? stored : await inst.read(r.id);
  if (v === undefined) return undefined;
  return v instanceof Map ? { kind: 'multipleResource', id: r.id, instances: v as ReadonlyMap<number, ResourceValue> } : { kind: 'resource', id: r.id, value: v as ResourceValue };
}

/** The readable resources of an instance that have a value. */
export async function instanceNode(inst: ObjectInstance): Promise<InstanceNode> {
  const resources = new Map<number, ResourceNode>();
  for (const id of inst.presentResources()) {
    const r = findResource(inst.descriptor, id);
    if (r === undefined || !isReadable(r)) continue;
    const n = await resourceNode(inst, r);
    if (n !== undefined) resources.set(id, n);
  }
  return { kind: 'instance', id: inst.id, resources };
}

/** The node a Read of `path` returns; DmFailure 4.04 / 4.05 when it cannot. */
export async function readNode(ctx: DmContext, who: Requester, path: LwM2MPath): Promise<{ node: LwM2MNode; resource?: ResourceDescriptor }> {
  switch (pathLevel(path)) {
    case 'object': {
      const e = ctx.tree.object(path.objectId);
      if (e === undefined) throw new DmFailure(C.NotFound, `object ${path.objectId} does not exist`);
      const instances = new Map<number, InstanceNode>();
      for (const inst of ctx.tree.instances(path.objectId)) if (await mayRead(ctx, who, inst)) instances.set(inst.id, await instanceNode(inst));
      return { node: { kind: 'object', id: path.objectId, instances } };
    }
    case 'instance': {
      const inst = requireInstance(ctx, path);
      await requireRight(ctx, who, path.objectId, inst.id, Right.READ);
      return { node: await instanceNode(inst) };
    }
    case 'resource':
    case 'resourceInstance': {
      const inst = requireInstance(ctx, path);
      await requireRight(ctx, who, path.objectId, inst.id, Right.READ);
      // Not readable answers 4.05 whether or not the resource holds a value.
      const d = findResource(inst.descriptor, path.resourceId!);
      if (d !== undefined && !isReadable(d)) throw new DmFailure(C.MethodNotAllowed, `${formatPath(path)} is not readable`);
      const r = requireResourceOf(inst, path);
      const n = await resourceNode(inst, r);
      if (n === undefined) throw new DmFailure(C.NotFound, `${formatPath(path)} has no value`);
      if (path.resourceInstanceId === undefined) return { node: n, resource: r };
      const v = n.kind === 'multipleResource' ? n.instances.get(path.resourceInstanceId) : undefined;
      if (v === undefined) throw new DmFailure(C.NotFound, `${formatPath(path)} does not exist`);
      return { node: { kind: 'resourceInstance', id: path.resourceInstanceId, value: v }, resource: r };
    }
  }
}

/** Read (and each Observe notification): the value tree at `path`, in the format `accept` asks for. */
export async function read(ctx: DmContext, who: Requester, path: LwM2MPath, accept: number | undefined): Promise<OutgoingResponse> {
  const { node, resource } = await readNode(ctx, who, path);
  let format: number;
  try {
    format = negotiateFormat(accept, path, who.version, resource);
  } catch (e) {
    throw new DmFailure(C.NotAcceptable, (e as Error).message);
  }
  return { code: C.Content, contentFormat: format, payload: encode(format, path, node, { resolve: ctx.tree.resolve }) };
}

/** Discover: CoRE links of the object, instances and resources under `path`, with this server's attributes. */
export async function discover(ctx: DmContext, who: Requester, path: LwM2MPath): Promise<OutgoingResponse> {
  const level = pathLevel(path);
  if (level === 'resourceInstance') throw new DmFailure(C.MethodNotAllowed, 'Discover applies to objects, instances and resources');
  const o = path.objectId;
  const links: string[] = [];
  const attrs = (p: string): string => attributeLinkParams(ctx.attributes.get(who.shortServerId, p));
  const resourceLinks = async (inst: ObjectInstance, only?: number): Promise<void> => {
    for (const id of inst.presentResources()) {
      if (only !== undefined && id !== only) continue;
      const r = findResource(inst.descriptor, id)!;
      const p = `/${o}/${inst.id}/${id}`;
      let dim = '';
      let children: number[] = [];
      if (r.multiple && isReadable(r)) {
        const v = await inst.read(id);
        children = v instanceof Map ? [...v.keys()].sort((a, b) => a - b) : [];
        dim = `;dim=${children.length}`;
      }
      links.push(`<${p}>${dim}${attrs(p)}`);
      // From 1.1 a Discover on a resource lists its instances too.
      if (only !== undefined && who.version !== '1.0') for (const ri of children) links.push(`<${p}/${ri}>${attrs(`${p}/${ri}`)}`);
    }
  };
  if (level === 'object') {
    const e = ctx.tree.object(o);
    if (e === undefined) throw new DmFailure(C.NotFound, `object ${o} does not exist`);
    const ver = e.descriptor.version === '1.0' ? '' : `;ver=${e.descriptor.version}`;
    links.push(`</${o}>${ver}${attrs(`/${o}`)}`);
    for (const inst of ctx.tree.instances(o)) {
      if (!(await mayRead(ctx, who, inst))) continue;
      links.push(`</${o}/${inst.id}>${attrs(inst.path)}`);
      await resourceLinks(inst);
    }
  } else {
    const inst = requireInstance(ctx, path);
    await requireRight(ctx, who, o, inst.id, Right.READ);
    if (level === 'instance') {
      links.push(`<${inst.path}>${attrs(inst.path)}`);
      await resourceLinks(inst);
    } else {
      requireResourceOf(inst, path);
      await resourceLinks(inst, path.resourceId);
    }
  }
  return { code: C.Content, contentFormat: ContentFormat.LINK, payload: links.join(',') };
}

/** Read-Composite: FETCH with a SenML body of paths; paths that do not exist are left out. */
export async function readComposite(ctx: DmContext, who: Requester, req: IncomingRequest): Promise<OutgoingResponse> {
  const { paths, format } = compositeRequest(ctx, who, req);
  return renderComposite(ctx, who, paths, format);
}

/** The paths and the answer format of a Read-/Observe-Composite request (FETCH on the root). */
export function compositeRequest(ctx: DmContext, who: Requester, req: IncomingRequest): { paths: LwM2MPath[]; format: number } {
  const formats = compositeFormats(who.version);
  if (formats.length === 0) throw new DmFailure(C.MethodNotAllowed, 'Read-Composite needs LwM2M 1.1 or later');
  const ct = req.contentFormat;
  if (ct !== ContentFormat.SENML_JSON && ct !== ContentFormat.SENML_CBOR) throw new DmFailure(C.UnsupportedContentFormat, `a Read-Composite body is SenML JSON or CBOR, not ${String(ct)}`);
  const format = req.accept ?? ct;
  if (!(formats as number[]).includes(format)) throw new DmFailure(C.NotAcceptable, `content format ${format} cannot carry a composite answer`);
  try {
    return { paths: decodeCompositeRequest(ct, req.payload, ctx.maxPayloadBytes === undefined ? undefined : { maxBytes: ctx.maxPayloadBytes }), format };
  } catch (e) {
    throw new DmFailure(C.BadRequest, (e as Error).message);
  }
}

/** The values at several paths in one payload: what exists and may be read, the rest left out. */
export async function renderComposite(ctx: DmContext, who: Requester, paths: readonly LwM2MPath[], format: number): Promise<OutgoingResponse> {
  const records: LwM2MRecord[] = [];
  for (const p of paths) {
    if (HIDDEN_OBJECTS.has(p.objectId)) continue;
    let node: LwM2MNode;
    try {
      ({ node } = await readNode(ctx, who, p));
    } catch (e) {
      if (e instanceof DmFailure && (e.status === C.NotFound || e.status === C.MethodNotAllowed || e.status === C.Unauthorized)) continue;
      throw e;
    }
    for (const r of nodeToRecords(p, node)) records.push(r);
  }
  return { code: C.Content, contentFormat: format, payload: encodeRecords(format, records, { resolve: ctx.tree.resolve }) };
}
