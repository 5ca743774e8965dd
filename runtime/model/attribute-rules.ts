/**
 * The validity rules of a set of notification attributes, shared by the server (checked
 * before a Write-Attributes goes out) and the client (checked on the set after a merge).
 */
export interface RuledAttributes {
  readonly pmin?: number;
  readonly pmax?: number;
  readonly epmin?: number;
  readonly epmax?: number;
  readonly gt?: number;
  readonly lt?: number;
  readonly st?: number;
}

/** The rule the set breaks (pmin <= pmax, epmin < epmax as the LwM2M TS words it, lt < gt, lt + 2*st < gt), or undefined. */
export function brokenAttributeRule(a: RuledAttributes): string | undefined {
  const { pmin, pmax, epmin, epmax, gt, lt, st } = a;
  if (pmin !== undefined && pmax !== undefined && pmin > pmax) return `pmin (${pmin}) is greater than pmax (${pmax})`;
  if (epmin !== undefined && epmax !== undefined && epmin >= epmax) return `epmin (${epmin}) is not less than epmax (${epmax})`;
  if (gt !== undefined && lt !== undefined) {
    if (!(lt < gt)) return `lt (${lt}) is not less than gt (${gt})`;
    if (st !== undefined && !(lt + 2 * st < gt)) return `lt + 2*st (${lt + 2 * st}) is not less than gt (${gt})`;
  }
  return undefined;
}
