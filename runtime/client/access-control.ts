/**
 * Access Control (/2): what each server may do on each object instance. Enforced only when
 * the client has more than one DM server and holds the Access Control object; with a single
 * server, or without /2, every server has full access (as the spec allows).
 *
 * Decisions (spec-notes.md asks to pick one and document it):
 * - Rights of server S on /o/i come from the AC instance whose resources 0/1 name /o/i:
 *   ACL[S] when present; else full access (R|W|E|D) when S is the owner (the spec text;
 *   Zephyr does the same); else the default entry ACL[0]; else nothing.
 * - No AC instance for /o/i: no access. Create on /o needs C in the AC instance for /o/65535.
 * - AC instances themselves: every server may read them, only their owner may write them,
 *   and no DM server may create or delete them.
 * - A server that creates /o/i gets a new AC instance: ACL[S] = R|W|E|D, owner S.
 */
import { LwM2MAccessControl } from '../../registry/index.js';
import type { ObjectInstance } from '../genv1/object-instance.js';
import type { ObjectTree } from './object-tree.js';

export const Right = { READ: 1, WRITE: 2, EXECUTE: 4, DELETE: 8, CREATE: 16 } as const;

export type RightName = 'read' | 'write' | 'execute' | 'delete' | 'create';

/** What an application grants: server `server` (a Short Server ID; 0 is the default entry) may do `rights` on `object`/`instance`. */
export interface Grant {
  /** An object id, or a generated object type (`Device`). */
  readonly object: number | { readonly descriptor: { readonly id: number } };
  /** An instance id; 'object' for the object itself, which carries the Create right. */
  readonly instance: number | 'object';
  readonly server: number;
  readonly rights: readonly RightName[];
  /** The owner, when the AC instance is made here (default: the bootstrap server, 65535). */
  readonly owner?: number;
}

const BIT: Readonly<Record<RightName, number>> = { read: Right.READ, write: Right.WRITE, execute: Right.EXECUTE, delete: Right.DELETE, create: Right.CREATE };
const FULL = Right.READ | Right.WRITE | Right.EXECUTE | Right.DELETE;
const ALL = FULL | Right.CREATE;
const OBJECT_ITSELF = 65535;

export class AccessControl {
  constructor(
    private readonly tree: ObjectTree,
    private readonly dmServers: () => number,
  ) {}

  get enforced(): boolean {
    return this.dmServers() > 1 && this.tree.object(2) !== undefined;
  }

  /** Rights of server `ssid` on /o/i (a bit set of Right). */
  async rights(ssid: number, objectId: number, instanceId: number): Promise<number> {
    if (!this.enforced) return ALL;
    if (objectId === 2) {
      const aco = this.tree.instance(2, instanceId);
      if (aco === undefined) return 0;
      return (await aco.read(3)) === ssid ? Right.READ | Right.WRITE : Right.READ;
    }
    const aco = await this.#find(objectId, instanceId);
    return aco === undefined ? 0 : this.#rightsIn(aco, ssid, false);
  }

  async mayCreate(ssid: number, objectId: number): Promise<boolean> {
    if (!this.enforced) return true;
    if (objectId === 2) return false;
    const aco = await this.#find(objectId, OBJECT_ITSELF);
    return aco !== undefined && ((await this.#rightsIn(aco, ssid, true)) & Right.CREATE) !== 0;
  }

  /** After server `ssid` created /o/i: its own AC instance, when the client can make one. */
  async created(ssid: number, objectId: number, instanceId: number): Promise<void> {
    if (!this.enforced) return;
    const entry = this.tree.object(2)!;
    if (entry.ctor === undefined) return;
    const id = this.tree.freeInstanceId(2);
    this.tree.add(new entry.ctor(id, { objectId, objectInstanceId: instanceId, acl: new Map([[ssid, FULL]]), accessControlOwner: ssid } as never));
  }

  /**
   * Sets one ACL entry (the application's own configuration, as a bootstrap server would):
   * the Access Control instance of the target is made when there is none.
   */
  async grant(g: Grant): Promise<void> {
    const objectId = typeof g.object === 'number' ? g.object : g.object.descriptor.id;
    const instanceId = g.instance === 'object' ? OBJECT_ITSELF : g.instance;
    if (!Number.isInteger(g.server) || g.server < 0 || g.server > 65534) throw new RangeError(`server ${g.server} is not a Short Server ID (1..65534) or 0 (the default entry)`);
    if (g.rights.includes('create') && instanceId !== OBJECT_ITSELF) throw new RangeError('create is granted on the object itself (instance: "object")');
    const bits = g.rights.reduce((b, r) => b | BIT[r], 0);
    let aco = await this.#find(objectId, instanceId);
    if (aco === undefined) {
      const entry = this.tree.object(2) ?? this.tree.addType(LwM2MAccessControl.descriptor, LwM2MAccessControl.Instance as never);
      const ctor = entry.ctor ?? LwM2MAccessControl.Instance;
      aco = new ctor(this.tree.freeInstanceId(2), { objectId, objectInstanceId: instanceId, acl: new Map<number, number>(), accessControlOwner: g.owner ?? 65535 } as never);
      this.tree.add(aco);
    }
    const acl = await aco.read(2);
    const next = new Map(acl instanceof Map ? (acl as ReadonlyMap<number, number>) : []);
    next.set(g.server, bits);
    aco.write(2, next);
  }

  /** After /o/i was deleted: its AC instances go too. */
  async deleted(objectId: number, instanceId: number): Promise<void> {
    for (const aco of this.tree.instances(2)) {
      if ((await aco.read(0)) === objectId && (await aco.read(1)) === instanceId) this.tree.remove(2, aco.id);
    }
  }

  async #find(objectId: number, instanceId: number): Promise<ObjectInstance | undefined> {
    for (const aco of this.tree.instances(2)) {
      if ((await aco.read(0)) === objectId && (await aco.read(1)) === instanceId) return aco;
    }
    return undefined;
  }

  async #rightsIn(aco: ObjectInstance, ssid: number, forCreate: boolean): Promise<number> {
    const acl = await aco.read(2);
    const own = acl instanceof Map ? acl.get(ssid) : undefined;
    if (typeof own === 'number') return own;
    if ((await aco.read(3)) === ssid) return forCreate ? ALL : FULL;
    const dflt = acl instanceof Map ? acl.get(0) : undefined;
    return typeof dflt === 'number' ? dflt : 0;
  }
}
