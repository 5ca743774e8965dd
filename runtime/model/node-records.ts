/** Conversions between node trees and flat records (SenML-like formats work on records). */
import { ModelError } from './model-error.js';
import type { LwM2MNode, InstanceNode, ObjectNode, ResourceNode } from './node.js';
import { sortedKeys } from './node.js';
import { formatPath, pathLevel, type LwM2MPath } from './path.js';
import type { LwM2MRecord } from './record.js';
import { requireResource, type ObjectResolver } from './object-resolver.js';
import type { ResourceValue } from './values.js';

function shape(message: string, path: LwM2MPath): never {
  throw new ModelError('E_NODE_SHAPE', message, formatPath(path));
}

/** The node kinds a path of each level may carry. */
export function checkNodeFitsPath(path: LwM2MPath, node: LwM2MNode): void {
  const level = pathLevel(path);
  const ok =
    (level === 'object' && node.kind === 'object' && node.id === path.objectId) ||
    (level === 'instance' && node.kind === 'instance' && node.id === path.instanceId) ||
    (level === 'resource' && (node.kind === 'resource' || node.kind === 'multipleResource') && node.id === path.resourceId) ||
    (level === 'resourceInstance' && node.kind === 'resourceInstance' && node.id === path.resourceInstanceId);
  if (!ok) shape(`a ${node.kind} node with id ${node.id} does not fit path ${formatPath(path)}`, path);
}

/** Flattens a node at `path` into value records, in ascending path order. */
export function nodeToRecords(path: LwM2MPath, node: LwM2MNode): LwM2MRecord[] {
  checkNodeFitsPath(path, node);
  const out: LwM2MRecord[] = [];
  const o = path.objectId;
  const pushResource = (i: number, r: ResourceNode): void => {
    if (r.kind === 'resource') out.push({ path: { objectId: o, instanceId: i, resourceId: r.id }, value: r.value });
    else for (const ri of sortedKeys(r.instances)) out.push({ path: { objectId: o, instanceId: i, resourceId: r.id, resourceInstanceId: ri }, value: r.instances.get(ri)! });
  };
  const pushInstance = (inst: InstanceNode): void => {
    for (const rid of sortedKeys(inst.resources)) pushResource(inst.id, inst.resources.get(rid)!);
  };
  switch (node.kind) {
    case 'object': for (const iid of sortedKeys(node.instances)) pushInstance(node.instances.get(iid)!); break;
    case 'instance': pushInstance(node); break;
    case 'resource': case 'multipleResource': pushResource(path.instanceId!, node); break;
    case 'resourceInstance': out.push({ path, value: node.value }); break;
  }
  return out;
}

/** An instance node while records are added to it: the node itself, its map still growing. */
interface MutableInstance { readonly kind: 'instance'; readonly id: number; readonly resources: Map<number, ResourceNode> }

/**
 * Builds the node at `path` from value records under it. The descriptor decides whether
 * a resource is single (/o/i/r) or multiple (/o/i/r/ri). Records at other paths, or
 * without values, are E_NODE_SHAPE.
 */
export function recordsToNode(path: LwM2MPath, records: readonly LwM2MRecord[], resolve: ObjectResolver): LwM2MNode {
  const level = pathLevel(path);
  const instances = new Map<number, MutableInstance>();
  const { objectId, instanceId, resourceId, resourceInstanceId } = path;
  // Packs repeat the same resource: remember the last lookup.
  let lastKey = -1;
  let multiple = false;
  let inst: MutableInstance | undefined;
  for (const rec of records) {
    const p = rec.path;
    if (p.objectId !== objectId || (instanceId !== undefined && p.instanceId !== instanceId) || (resourceId !== undefined && p.resourceId !== resourceId) || (resourceInstanceId !== undefined && p.resourceInstanceId !== resourceInstanceId)) {
      shape(`record ${formatPath(p)} is outside the requested path ${formatPath(path)}`, p);
    }
    if (rec.value === undefined) shape(`record ${formatPath(p)} has no value`, p);
    if (p.resourceId === undefined) shape(`record ${formatPath(p)} is not a resource or resource instance`, p);
    const key = p.objectId * 65536 + p.resourceId;
    if (key !== lastKey) {
      multiple = requireResource(resolve, p.objectId, p.resourceId).res.multiple;
      lastKey = key;
    }
    if (inst === undefined || inst.id !== p.instanceId) {
      inst = instances.get(p.instanceId!);
      if (inst === undefined) instances.set(p.instanceId!, (inst = { kind: 'instance', id: p.instanceId!, resources: new Map() }));
    }
    if (multiple) {
      if (p.resourceInstanceId === undefined) shape(`resource ${formatPath(p)} is multiple: its records need a resource instance id`, p);
      const seen = inst.resources.get(p.resourceId);
      if (seen === undefined) inst.resources.set(p.resourceId, { kind: 'multipleResource', id: p.resourceId, instances: new Map([[p.resourceInstanceId, rec.value]]) });
      else if (seen.kind === 'multipleResource') (seen.instances as Map<number, ResourceValue>).set(p.resourceInstanceId, rec.value);
    } else {
      if (p.resourceInstanceId !== undefined) shape(`resource ${formatPath(p)} is single: it has no resource instances`, p);
      inst.resources.set(p.resourceId, { kind: 'resource', id: p.resourceId, value: rec.value });
    }
  }
  switch (level) {
    case 'object':
      return { kind: 'object', id: path.objectId, instances } satisfies ObjectNode; // the instance nodes as built, no second copy
    case 'instance':
      return { kind: 'instance', id: path.instanceId!, resources: instances.get(path.instanceId!)?.resources ?? new Map() };
    case 'resource': {
      const r = instances.get(path.instanceId!)?.resources.get(path.resourceId!);
      if (r !== undefined) return r;
      const { res } = requireResource(resolve, path.objectId, path.resourceId!);
      if (res.multiple) return { kind: 'multipleResource', id: path.resourceId!, instances: new Map() };
      return shape(`no value for ${formatPath(path)}`, path);
    }
    case 'resourceInstance': {
      const r = instances.get(path.instanceId!)?.resources.get(path.resourceId!);
      const v = r?.kind === 'multipleResource' ? r.instances.get(path.resourceInstanceId!) : undefined;
      if (v === undefined) return shape(`no value for ${formatPath(path)}`, path);
      return { kind: 'resourceInstance', id: path.resourceInstanceId!, value: v };
    }
  }
}
