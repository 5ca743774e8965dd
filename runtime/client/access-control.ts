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
import type { ObjectInstance } from '../genv1/object-instance.js';
import type { ObjectTree } from './object-tree.js';

export const Right = { READ: 1, WRITE: 2, EXECUTE: 4, DELETE: 8, CREATE: 16 } as const;
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
