/** What the device-management operations share: the objects, the stored attributes, who asks, and how a request fails. */
import type { Logger } from '../coap/logger.js';
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import type { ObjectInstance, StoredResourceValue } from '../genv1/object-instance.js';
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
  readonly log: Logger;
  readonly create: CreateHook | undefined;
  /** Largest payload decoded, bytes. */
  readonly maxPayloadBytes: number | undefined;
  /** Called after an Execute succeeded (the client acts on /1/x/8). */
  executed(instance: ObjectInstance, resourceId: number): void;
}

/** A device-management request ends with this CoAP code (thrown inside the handlers). */
export class DmFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
