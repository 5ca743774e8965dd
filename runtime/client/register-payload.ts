/**
 * What a Register (and an Update that carries objects) says: the query parameters and the
 * CoRE link payload. Security (/0) and OSCORE (/21) are never listed. `ver` is quoted in
 * 1.0 (`ver="1.1"`) and bare from 1.1 (`ver=1.1`); from 1.1 a root link
 * `</>;rt="oma.lwm2m";ct="..."` comes first, listing the content formats the client reads and writes.
 */
import type { ObjectTree } from './object-tree.js';

export type Lwm2mVersion = '1.0' | '1.1' | '1.2';

/** Newest first: the order of 4.12 fall-back. */
export const lwm2mVersions: readonly Lwm2mVersion[] = ['1.2', '1.1', '1.0'];

/** Objects a DM server is never told about. */
export const HIDDEN_OBJECTS: ReadonlySet<number> = new Set([0, 21]);

/** Object versions a server assumes without `ver` (spec-notes.md): all 1.0 for 1.0 clients. */
const DEFAULTS_11: Readonly<Record<number, string>> = { 0: '1.1', 1: '1.1', 2: '1.0', 3: '1.1', 4: '1.2', 5: '1.0', 6: '1.0', 7: '1.0' };

/**
 * Whether `ver` can be left out. For 1.2 only 1.0 objects leave it out: servers disagree on
 * the 1.2 defaults of the core objects, and an explicit `ver` is never wrong.
 */
export function isDefaultVersion(objectId: number, version: string, lwm2m: Lwm2mVersion): boolean {
  if (lwm2m === '1.0') return version === '1.0';
  if (lwm2m === '1.1') return version === (DEFAULTS_11[objectId] ?? '1.0');
  return version === '1.0' && (objectId < 0 || objectId > 7 || (DEFAULTS_11[objectId] ?? '1.0') === '1.0');
}

/** Content formats listed in the root link's ct, per version (the codec's formats). */
export function supportedFormats(lwm2m: Lwm2mVersion): number[] {
  const f = [0, 42, 60, 110, 112, 11542, 11543];
  if (lwm2m === '1.2') f.push(11544);
  return f;
}

/** The registration payload (content format 40). */
export function registerPayload(tree: ObjectTree, lwm2m: Lwm2mVersion): string {
  const links: string[] = [];
  if (lwm2m !== '1.0') links.push(`</>;rt="oma.lwm2m";ct="${supportedFormats(lwm2m).join(' ')}"`);
  for (const e of tree.objects()) {
    const o = e.descriptor.id;
    if (HIDDEN_OBJECTS.has(o)) continue;
    const v = e.descriptor.version;
    const ver = isDefaultVersion(o, v, lwm2m) ? '' : lwm2m === '1.0' ? `;ver="${v}"` : `;ver=${v}`;
    const instances = tree.instances(o);
    // The version goes on the object link; an object without instances is still announced.
    if (ver !== '' || instances.length === 0) links.push(`</${o}>${ver}`);
    for (const i of instances) links.push(`</${o}/${i.id}>`);
  }
  return links.join(',');
}

export interface RegisterParams {
  readonly endpoint: string;
  readonly lifetime: number;
  readonly lwm2m: Lwm2mVersion;
  /** Binding letters without Q (U, T, S, N). */
  readonly binding: string;
  readonly queueMode: boolean;
  readonly sms?: string;
}

/** Binding as sent: 1.0 carries queue mode in b ("UQ"); 1.1+ has a separate Q parameter. */
export function bindingParam(p: Pick<RegisterParams, 'binding' | 'lwm2m' | 'queueMode'>): string {
  return p.lwm2m === '1.0' && p.queueMode ? `${p.binding}Q` : p.binding;
}

/** Uri-Query options of a Register. */
export function registerQuery(p: RegisterParams): string[] {
  const q = [`ep=${p.endpoint}`, `lt=${p.lifetime}`, `lwm2m=${p.lwm2m}`, `b=${bindingParam(p)}`];
  if (p.sms !== undefined) q.push(`sms=${p.sms}`);
  if (p.queueMode && p.lwm2m !== '1.0') q.push('Q');
  return q;
}
