/** What the device-management operations share: the objects, the stored attributes, who asks, and how a request fails. */
import { ResponseCode } from '../coap/codes.js';
import type { Logger } from '../coap/logger.js';
import type { AccessControl } from './access-control.js';
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import type { ObjectInstance, StoredResourceValue } from '../genv1/object-instance.js';
import type { Observations } from './observations.js';
import type { AttributeStore } from './write-attributes.js';
import type { ObjectTree } from './object-tree.js';
import type { Lwm2mVersion } from './register-payload.js';

/** The server a request comes from, as the client knows it. */
export interface Requester {
  readonly shortServerId: number;
  /** The LwM2M version of this server's registration: it decides formats and attributes. */
  readonly version: Lwm2mVersion;
}

/** What a Create hook receives: the values the server sent, by resource id. */
export interface CreateRequest {
  readonly descriptor: ObjectDescriptor;
  readonly instanceId: number;
  readonly values: ReadonlyMap<number, StoredResourceValue>;
  readonly shortServerId: number;
}

/**
 * Builds the instance a server asked to create; throw RefusedError to refuse. Returning
 * undefined lets the client build it from the object's class (or a plain ObjectInstance).
 */
export type CreateHook = (request: CreateRequest) => ObjectInstance | undefined | Promise<ObjectInstance | undefined>;

export interface DmContext {
  readonly tree: ObjectTree;
  readonly attributes: AttributeStore;
  readonly access: AccessControl;
  readonly log: Logger;
  readonly create: CreateHook | undefined;
  /** Largest payload decoded, bytes. */
  readonly maxPayloadBytes: number | undefined;
  /** Observations of the servers; without it an Observe is answered as a plain Read. */
  readonly observations?: Observations;
  /** Called after an Execute succeeded (the client acts on /1/x/8). */
  executed(instance: ObjectInstance, resourceId: number): void;
}

/** A device-management request ends with this CoAP code (thrown inside the handlers). */
export class DmFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const RIGHT_NAME: Readonly<Record<number, string>> = { 1: 'read', 2: 'write', 4: 'execute', 8: 'delete' };

/** 4.01 unless the Access Control object grants `right` on /o/i to the requesting server. */
export function requireRight(ctx: DmContext, who: Requester, objectId: number, instanceId: number, right: number): Promise<void> | undefined {
  // Not enforced (one DM server, or no /2): everything is allowed, and no promise is made (every notification passes here).
  if (!ctx.access.enforced) return undefined;
  return checkRight(ctx, who, objectId, instanceId, right);
}

async function checkRight(ctx: DmContext, who: Requester, objectId: number, instanceId: number, right: number): Promise<void> {
  if (((await ctx.access.rights(who.shortServerId, objectId, instanceId)) & right) === 0) {
    throw new DmFailure(ResponseCode.Unauthorized, `server ${who.shortServerId} may not ${RIGHT_NAME[right] ?? 'access'} /${objectId}/${instanceId}`);
  }
}

/** Whether the requesting server may read /o/i (object-level results leave the others out). */
export async function mayRead(ctx: DmContext, who: Requester, inst: ObjectInstance): Promise<boolean> {
  return ((await ctx.access.rights(who.shortServerId, inst.descriptor.id, inst.id)) & 1) !== 0;
}
