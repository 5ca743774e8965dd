/**
 * What requests to one registration need, worked out once per registration instead of on
 * every request: the content formats to ask for in turn, the CoAP path of its root (the
 * alternate path) and the object model of its registered versions. A registration is
 * immutable (an Update makes a new one), so the plan is kept beside it in a WeakMap.
 */
import type { Registry } from '../../registry/create-registry.js';
import { objectResolver, type ObjectResolver } from '../model/object-resolver.js';
import type { LwM2MPath } from '../model/path.js';
import { formatCandidates } from './format-choice.js';
import type { Registration } from './registration.js';

export class RegistrationPlan {
  /** Formats a Read asks for, in order (format-choice.ts). */
  readonly candidates: readonly number[];
  /** Uri-Path segments of the client's root: none for "/", ["lwm2m"] for "/lwm2m". */
  readonly root: readonly string[];
  #resolver: ObjectResolver | undefined;

  constructor(private readonly registration: Registration) {
    this.candidates = formatCandidates(registration);
    const rootPath = registration.objects.rootPath;
    this.root = rootPath === '/' ? [] : rootPath.split('/').filter((s) => s !== '');
  }

  /** The object descriptors of the versions this client registered (a server has one registry). */
  resolver(registry: Registry): ObjectResolver {
    this.#resolver ??= objectResolver(registry, new Map(this.registration.objects.objects.map((o) => [o.id, o.version])));
    return this.#resolver;
  }

  /** The CoAP path of an LwM2M path under the client's root. */
  pathOf(p: LwM2MPath): string[] {
    const out = this.root.length === 0 ? [] : [...this.root];
    out.push(String(p.objectId));
    if (p.instanceId === undefined) return out;
    out.push(String(p.instanceId));
    if (p.resourceId === undefined) return out;
    out.push(String(p.resourceId));
    if (p.resourceInstanceId !== undefined) out.push(String(p.resourceInstanceId));
    return out;
  }
}

const plans = new WeakMap<Registration, RegistrationPlan>();

export function planOf(r: Registration): RegistrationPlan {
  let plan = plans.get(r);
  if (plan === undefined) {
    plan = new RegistrationPlan(r);
    plans.set(r, plan);
  }
  return plan;
}
