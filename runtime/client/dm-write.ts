/** Write (replace and partial update), Write-Attributes and Write-Composite. */
import type { ResourceDescriptor } from '../../registry/descriptor.js';
import { ResponseCode as C } from '../coap/codes.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { decode, decodeRecords } from '../codec/codec.js';
import { compositeFormats, formatsFor } from '../codec/negotiate.js';
import type { ObjectInstance, StoredResourceValue } from '../genv1/object-instance.js';
import { checkValue } from '../model/check-value.js';
import type { LwM2MNode, ResourceNode } from '../model/node.js';
import { findResource } from '../model/object-resolver.js';
import { formatPath, pathLevel, type LwM2MPath } from '../model/path.js';
import type { LwM2MRecord } from '../model/record.js';
import type { ResourceValue } from '../model/values.js';
import { DmFailure, requireRight, type DmContext, type Requester } from './dm-context.js';
import { Right } from './access-control.js';
import { requireInstance, requireResourceOf } from './dm-read.js';
import { HIDDEN_OBJECTS } from './register-payload.js';
import { AttributeError, mergeAttributes, parseAttributeQuery, type AttributeSet } from './write-attributes.js';

export function isWritable(r: ResourceDescriptor): boolean {
  return r.operations === 'W' || r.operations === 'RW';
}

/** The payload's format must be one that can carry `path` for this version: else 4.15. */
export function decodePayload(ctx: DmContext, who: Requester, path: LwM2MPath, req: IncomingRequest, resource?: ResourceDescriptor): LwM2MNode {
  const ct = req.contentFormat;
  if (req.payload.length === 0) throw new DmFailure(C.BadRequest, 'the request has no payload');
  if (ct === undefined) throw new DmFailure(C.BadRequest, 'the payload has no Content-Format');
  if (!(formatsFor(path, who.version, resource) as number[]).includes(ct)) throw new DmFailure(C.UnsupportedContentFormat, `content format ${ct} cannot carry ${formatPath(path)} for LwM2M ${who.version}`);
  return decode(ct, path, req.payload, { resolve: ctx.tree.resolve, ...(ctx.maxPayloadBytes === undefined ? {} : { maxBytes: ctx.maxPayloadBytes }) });
}

async function current(inst: ObjectInstance, id: number): Promise<ReadonlyMap<number, ResourceValue>> {
  const v = await inst.read(id);
  return v instanceof Map ? (v as ReadonlyMap<number, ResourceValue>) : new Map();
}

function valueOf(n: ResourceNode): StoredResourceValue {
  return n.kind === 'multipleResource' ? n.instances : n.value;
}

function requireWritable(inst: ObjectInstance, id: number): ResourceDescriptor {
  const r = findResource(inst.descriptor, id);
  if (r === undefined) throw new DmFailure(C.NotFound, `${inst.path}/${id} does not exist`);
  if (!isWritable(r)) throw new DmFailure(C.MethodNotAllowed, `${inst.path}/${id} (${r.name}) is not writable`);
  return r;
}

/**
 * Write on an instance, a resource or a resource instance. `replace` (PUT) replaces: a
 * multiple resource gets exactly the given instances, and on an instance the optional
 * writable resources not in the payload lose their value. A partial update (POST) merges
 * resource instances into multiple resources and leaves other resources alone.
 */
export async function write(ctx: DmContext, who: Requester, path: LwM2MPath, req: IncomingRequest, replace: boolean): Promise<OutgoingResponse> {
  const level = pathLevel(path);
  if (level === 'object') throw new DmFailure(C.MethodNotAllowed, 'Write applies to instances and resources, not objects');
  const inst = requireInstance(ctx, path);
  await requireRight(ctx, who, path.objectId, inst.id, Right.WRITE);
  const changes = new Map<number, StoredResourceValue | undefined>();
  if (level === 'instance') {
    const node = decodePayload(ctx, who, path, req);
    if (node.kind !== 'instance') throw new DmFailure(C.BadRequest, 'the payload is not an object instance');
    for (const [id, n] of node.resources) {
      requireWritable(inst, id);
      if (n.kind === 'multipleResource' && !replace) changes.set(id, new Map([...(await current(inst, id)), ...n.instances]));
      else changes.set(id, valueOf(n));
    }
    if (replace) {
      for (const r of inst.descriptor.resources) {
        if (!changes.has(r.id) && isWritable(r) && !r.mandatory && inst.has(r.id)) changes.set(r.id, undefined);
      }
    }
  } else {
    const r = findResource(inst.descriptor, path.resourceId!);
    if (r === undefined) throw new DmFailure(C.NotFound, `${formatPath(path)} does not exist`);
    if (path.resourceInstanceId !== undefined && !r.multiple) throw new DmFailure(C.NotFound, `${formatPath(path)}: resource ${r.id} is single`);
    if (!isWritable(r)) throw new DmFailure(C.MethodNotAllowed, `${formatPath(path)} (${r.name}) is not writable`);
    if (!replace && !r.multiple) throw new DmFailure(C.MethodNotAllowed, `a partial update (POST) of the single resource ${formatPath(path)}`);
    const node = decodePayload(ctx, who, path, req, r);
    if (node.kind === 'resourceInstance') changes.set(r.id, new Map([...(await current(inst, r.id)), [node.id, node.value]]));
    else if (node.kind === 'multipleResource' && !replace) changes.set(r.id, new Map([...(await current(inst, r.id)), ...node.instances]));
    else if (node.kind === 'resource' || node.kind === 'multipleResource') changes.set(r.id, valueOf(node));
    else throw new DmFailure(C.BadRequest, 'the payload does not fit the path');
  }
  await inst.applyWrite(changes);
  return { code: C.Changed };
}

/** Write-Attributes: PUT with query parameters only; stored per server and path. */
export async function writeAttributes(ctx: DmContext, who: Requester, path: LwM2MPath, query: readonly string[]): Promise<OutgoingResponse> {
  const level = pathLevel(path);
  let resource: ResourceDescriptor | undefined;
  if (level === 'object') {
    if (ctx.tree.object(path.objectId) === undefined) throw new DmFailure(C.NotFound, `object ${path.objectId} does not exist`);
  } else {
    const inst = requireInstance(ctx, path);
    await requireRight(ctx, who, path.objectId, inst.id, Right.READ);
    if (level !== 'instance') resource = requireResourceOf(inst, path);
    if (resource !== undefined && resource.operations === 'E') throw new DmFailure(C.MethodNotAllowed, `${formatPath(path)} is executable: it has no notification attributes`);
  }
  try {
    const change = parseAttributeQuery(query, { level, ...(resource === undefined ? {} : { resource }) }, who.version);
    const key = formatPath(path);
    ctx.attributes.set(who.shortServerId, key, mergeAttributes(ctx.attributes.get(who.shortServerId, key), change));
  } catch (e) {
    if (e instanceof AttributeError) throw new DmFailure(C.BadRequest, e.message);
    throw e;
  }
  return { code: C.Changed };
}

/**
 * Observation Attributes (LwM2M 1.2): the query of an Observe, checked as Write-Attributes checks
 * its own (4.00 when invalid), for that observation only; nothing is stored.
 */
export function observationAttributes(ctx: DmContext, who: Requester, path: LwM2MPath, query: readonly string[]): AttributeSet {
  const level = pathLevel(path);
  const inst = level === 'object' ? undefined : ctx.tree.instance(path.objectId, path.instanceId!);
  const resource = inst === undefined || level === 'instance' ? undefined : findResource(inst.descriptor, path.resourceId!);
  try {
    return mergeAttributes({}, parseAttributeQuery(query, { level, ...(resource === undefined ? {} : { resource }) }, who.version));
  } catch (e) {
    if (e instanceof AttributeError) throw new DmFailure(C.BadRequest, `Observation Attributes: ${e.message}`);
    throw e;
  }
}

/**
 * Write-Composite: iPATCH with SenML (or LwM2M CBOR in 1.2) records. Every record is
 * checked (exists, writable, type and range) before any is stored; each instance then
 * applies its part at once.
 */
export async function writeComposite(ctx: DmContext, who: Requester, req: IncomingRequest): Promise<OutgoingResponse> {
  const formats = compositeFormats(who.version) as number[];
  if (formats.length === 0) throw new DmFailure(C.MethodNotAllowed, 'Write-Composite needs LwM2M 1.1 or later');
  const ct = req.contentFormat;
  if (ct === undefined || !formats.includes(ct)) throw new DmFailure(C.UnsupportedContentFormat, `a Write-Composite body cannot be content format ${String(ct)}`);
  let records: LwM2MRecord[];
  try {
    records = decodeRecords(ct, req.payload, { resolve: ctx.tree.resolve, ...(ctx.maxPayloadBytes === undefined ? {} : { maxBytes: ctx.maxPayloadBytes }) });
  } catch (e) {
    throw new DmFailure(C.BadRequest, (e as Error).message);
  }
  if (records.length === 0) throw new DmFailure(C.BadRequest, 'Write-Composite without records');
  const perInstance = new Map<ObjectInstance, Map<number, StoredResourceValue>>();
  for (const rec of records) {
    const p = rec.path;
    if (HIDDEN_OBJECTS.has(p.objectId)) throw new DmFailure(C.NotFound, `${formatPath(p)} does not exist`);
    if (p.resourceId === undefined) throw new DmFailure(C.BadRequest, `record ${formatPath(p)} is not a resource`);
    if (rec.value === undefined) throw new DmFailure(C.BadRequest, `record ${formatPath(p)} has no value`);
    const inst = requireInstance(ctx, p);
    await requireRight(ctx, who, p.objectId, inst.id, Right.WRITE);
    const r = requireWritable(inst, p.resourceId);
    if (r.multiple !== (p.resourceInstanceId !== undefined)) throw new DmFailure(C.BadRequest, `record ${formatPath(p)} does not fit resource ${r.id} (${r.multiple ? 'multiple' : 'single'})`);
    const value = checkValue(rec.value, r, inst.descriptor);
    let changes = perInstance.get(inst);
    if (changes === undefined) perInstance.set(inst, (changes = new Map()));
    if (p.resourceInstanceId === undefined) changes.set(r.id, value);
    else {
      const seen = changes.get(r.id);
      const base = seen instanceof Map ? seen : await current(inst, r.id);
      changes.set(r.id, new Map([...(base as ReadonlyMap<number, ResourceValue>), [p.resourceInstanceId, value]]));
    }
  }
  for (const [inst, changes] of perInstance) await inst.applyWrite(changes);
  return { code: C.Changed };
}

