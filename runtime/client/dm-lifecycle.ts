/** Execute, Create and Delete. */
import { ResponseCode as C } from '../coap/codes.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { stringOption, OptionNumber } from '../coap/options.js';
import { ObjectInstance, type StoredResourceValue } from '../genv1/object-instance.js';
import type { LwM2MNode } from '../model/node.js';
import { findResource } from '../model/object-resolver.js';
import { formatPath, pathLevel, type LwM2MPath } from '../model/path.js';
import { ContentFormat } from '../codec/content-format.js';
import { DmFailure, requireRight, type DmContext, type Requester } from './dm-context.js';
import { Right } from './access-control.js';
import { requireInstance } from './dm-read.js';
import { decodePayload } from './dm-write.js';

/** Execute arguments (LwM2M 1.0/1.1 §5.4.5): `0,1='text'`, one digit per argument, quoted text without quotes. */
const ARGS = /^[0-9](?:='[^']*')?(?:,[0-9](?:='[^']*')?)*$/;

export async function execute(ctx: DmContext, who: Requester, path: LwM2MPath, req: IncomingRequest): Promise<OutgoingResponse> {
  if (pathLevel(path) !== 'resource') throw new DmFailure(C.MethodNotAllowed, `Execute applies to resources, not ${formatPath(path)}`);
  const inst = requireInstance(ctx, path);
  await requireRight(ctx, who, path.objectId, inst.id, Right.EXECUTE);
  const r = findResource(inst.descriptor, path.resourceId!);
  if (r === undefined) throw new DmFailure(C.NotFound, `${formatPath(path)} does not exist`);
  if (r.operations !== 'E') throw new DmFailure(C.MethodNotAllowed, `${formatPath(path)} (${r.name}) is not executable`);
  if (!inst.has(r.id)) throw new DmFailure(C.NotFound, `${formatPath(path)} has no Execute handler`);
  let args: string | undefined;
  if (req.payload.length > 0) {
    if (req.contentFormat !== undefined && req.contentFormat !== ContentFormat.TEXT) throw new DmFailure(C.UnsupportedContentFormat, 'Execute arguments are text/plain');
    try {
      args = new TextDecoder('utf-8', { fatal: true }).decode(req.payload);
    } catch {
      throw new DmFailure(C.BadRequest, 'Execute arguments are not UTF-8');
    }
    if (!ARGS.test(args)) throw new DmFailure(C.BadRequest, `"${args.slice(0, 40)}" is not an Execute argument list`);
  }
  await inst.execute(r.id, args);
  ctx.executed(inst, r.id);
  return { code: C.Changed };
}

/** Identifier-keyed values for a generated class's constructor. */
function byIdentifier(inst: { descriptor: ObjectInstance['descriptor'] }, values: ReadonlyMap<number, StoredResourceValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, v] of values) {
    const r = findResource(inst.descriptor, id);
    if (r === undefined) throw new DmFailure(C.BadRequest, `object ${inst.descriptor.id} has no resource ${id}`);
    out[r.identifier] = v;
  }
  return out;
}

/**
 * Create: POST on /o. The instance id comes from the payload, or the lowest free one.
 * Answers 2.01 with Location-Path /o/i; the new instance is announced by an Update.
 */
export async function create(ctx: DmContext, who: Requester, path: LwM2MPath, req: IncomingRequest): Promise<OutgoingResponse> {
  const o = path.objectId;
  const entry = ctx.tree.object(o);
  if (entry === undefined) throw new DmFailure(C.NotFound, `object ${o} is not supported`);
  // Server accounts come and go through bootstrap, not through a DM server.
  if (o === 1) throw new DmFailure(C.MethodNotAllowed, 'a DM server cannot create Server (/1) instances');
  if (!(await ctx.access.mayCreate(who.shortServerId, o))) throw new DmFailure(C.Unauthorized, `server ${who.shortServerId} may not create instances of object ${o}`);
  if (!entry.descriptor.multiple && entry.instances.size > 0) throw new DmFailure(C.BadRequest, `object ${o} (${entry.descriptor.name}) has a single instance`);
  let node: LwM2MNode;
  // A 1.0 TLV Create may carry bare resources (no object instance wrapper): the client picks the id.
  const bare = req.contentFormat !== undefined && (req.contentFormat === ContentFormat.TLV || req.contentFormat === ContentFormat.TLV_LEGACY) && req.payload.length > 0 && req.payload[0]! >> 6 !== 0;
  if (bare) node = decodePayload(ctx, who, { objectId: o, instanceId: ctx.tree.freeInstanceId(o) }, req);
  else node = decodePayload(ctx, who, path, req);
  let instanceId: number;
  let values: ReadonlyMap<number, StoredResourceValue>;
  if (node.kind === 'instance') {
    instanceId = node.id;
    values = new Map([...node.resources].map(([id, n]) => [id, n.kind === 'multipleResource' ? n.instances : n.value]));
  } else if (node.kind === 'object') {
    if (node.instances.size !== 1) throw new DmFailure(C.BadRequest, `a Create carries one instance, not ${node.instances.size}`);
    const n = [...node.instances.values()][0]!;
    instanceId = n.id;
    values = new Map([...n.resources].map(([id, r]) => [id, r.kind === 'multipleResource' ? r.instances : r.value]));
  } else {
    throw new DmFailure(C.BadRequest, 'the payload is not an object instance');
  }
  if (entry.instances.has(instanceId)) throw new DmFailure(C.BadRequest, `${formatPath({ objectId: o, instanceId })} exists already`);
  let inst = await ctx.create?.({ descriptor: entry.descriptor, instanceId, values, shortServerId: who.shortServerId });
  if (inst === undefined) {
    const init = byIdentifier(entry, values);
    inst = entry.ctor !== undefined ? new entry.ctor(instanceId, init as never) : new ObjectInstance(entry.descriptor, instanceId, init);
  }
  if (inst.descriptor.id !== o || inst.id !== instanceId) throw new DmFailure(C.InternalServerError, `the Create hook built ${inst.path} for ${formatPath({ objectId: o, instanceId })}`);
  ctx.tree.add(inst);
  await ctx.access.created(who.shortServerId, o, instanceId);
  return { code: C.Created, options: [stringOption(OptionNumber.LocationPath, String(o)), stringOption(OptionNumber.LocationPath, String(instanceId))] };
}

/** Delete of an instance. Server (/1) instances and single mandatory objects (Device) cannot be deleted by a DM server. */
export async function remove(ctx: DmContext, who: Requester, path: LwM2MPath): Promise<OutgoingResponse> {
  if (pathLevel(path) !== 'instance') throw new DmFailure(C.MethodNotAllowed, `Delete applies to object instances, not ${formatPath(path)}`);
  const inst = requireInstance(ctx, path);
  await requireRight(ctx, who, path.objectId, inst.id, Right.DELETE);
  const d = inst.descriptor;
  if (d.id === 1 || (!d.multiple && d.mandatory)) throw new DmFailure(C.MethodNotAllowed, `instances of object ${d.id} (${d.name}) cannot be deleted`);
  await inst.validateDelete();
  ctx.tree.remove(d.id, inst.id);
  ctx.attributes.forget(inst.path);
  await ctx.access.deleted(d.id, inst.id);
  return { code: C.Deleted };
}
