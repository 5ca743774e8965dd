/**
 * The query of Register (POST /rd?...) and Update (POST /rd/{id}?...), validated as the
 * LwM2M 1.0-1.2 specifications say (spec-notes.md): defaults lifetime 86400 s, LwM2M 1.0,
 * binding U; Q is its own value-less parameter from 1.1 on and invalid inside b there.
 */
import { ServerError } from './server-error.js';

export type Lwm2mVersion = '1.0' | '1.1' | '1.2';
export const supportedVersions: readonly Lwm2mVersion[] = ['1.0', '1.1', '1.2'];

export interface RegistrationParams {
  readonly endpoint: string;
  /** Seconds. */
  readonly lifetime: number;
  readonly lwm2mVersion: Lwm2mVersion;
  /** Binding letters, without Q: "U", "UQ" in 1.0 is "U" with queueMode. */
  readonly binding: string;
  readonly queueMode: boolean;
  readonly sms?: string;
}

export type UpdateParams = Partial<Pick<RegistrationParams, 'lifetime' | 'binding' | 'queueMode' | 'sms'>>;

const DEFAULT_LIFETIME = 86400;

/** Splits `name=value` queries; a parameter given twice is refused (which one would count?). */
function queryMap(queries: readonly string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (const q of queries) {
    const eq = q.indexOf('=');
    const name = eq < 0 ? q : q.slice(0, eq);
    if (out.has(name)) throw new ServerError('E_REG_PARAM', `parameter ${name} is given twice`);
    out.set(name, eq < 0 ? true : q.slice(eq + 1));
  }
  return out;
}

function text(q: Map<string, string | true>, name: string): string | undefined {
  const v = q.get(name);
  if (v === true) throw new ServerError('E_REG_PARAM', `parameter ${name} needs a value`);
  return v;
}

function lifetimeOf(q: Map<string, string | true>): number | undefined {
  const lt = text(q, 'lt');
  if (lt === undefined) return undefined;
  if (!/^\d{1,10}$/.test(lt) || Number(lt) < 1 || Number(lt) > 0xffffffff) throw new ServerError('E_REG_PARAM', `lt=${lt} is not a lifetime in seconds (1..4294967295)`);
  return Number(lt);
}

/** Binding letters allowed per version; Q only inside b in 1.0. */
function bindingOf(q: Map<string, string | true>, version: Lwm2mVersion): { binding: string; queueMode: boolean } | undefined {
  const b = text(q, 'b');
  const qParam = q.get('Q');
  if (qParam !== undefined && qParam !== true) throw new ServerError('E_REG_PARAM', 'Q takes no value');
  if (qParam === true && version === '1.0') throw new ServerError('E_REG_PARAM', 'Q is a parameter of LwM2M 1.1 and later; 1.0 writes it in b (b=UQ)');
  if (b === undefined) return qParam === true ? { binding: '', queueMode: true } : undefined;
  const letters = version === '1.0' ? /^(U|UQ|S|SQ|US|UQS)$/ : /^[UTSN]+$/;
  if (!letters.test(b) || new Set(b).size !== b.length) {
    throw new ServerError('E_REG_PARAM', version === '1.0' ? `b=${b} is not a binding of LwM2M 1.0 (U, UQ, S, SQ, US, UQS)` : `b=${b} is not a binding of LwM2M ${version} (letters U, T, S, N; Q is its own parameter)`);
  }
  return { binding: b.replace('Q', ''), queueMode: b.includes('Q') || qParam === true };
}

/**
 * `accepted`: the LwM2M versions this server takes (every supported one by default); another
 * one is E_REG_VERSION, answered 4.12 so that the client falls back to an older version.
 */
export function parseRegisterParams(queries: readonly string[], accepted: readonly Lwm2mVersion[] = supportedVersions): RegistrationParams {
  const q = queryMap(queries);
  const endpoint = text(q, 'ep');
  if (endpoint === undefined || endpoint === '') throw new ServerError('E_REG_PARAM', 'the endpoint name (ep) is missing');
  if (endpoint.length > 255) throw new ServerError('E_REG_PARAM', 'the endpoint name (ep) is longer than 255 characters');
  const v = text(q, 'lwm2m') ?? '1.0';
  if (!/^\d+\.\d+$/.test(v)) throw new ServerError('E_REG_PARAM', `lwm2m=${v} is not a version`);
  if (!accepted.includes(v as Lwm2mVersion)) throw new ServerError('E_REG_VERSION', `LwM2M ${v} is not supported (${accepted.join(', ')})`);
  // The constant, not the query's copy of it: one string shared by every registration.
  const version = supportedVersions.find((s) => s === v) ?? (v as Lwm2mVersion);
  const binding = bindingOf(q, version) ?? { binding: 'U', queueMode: false };
  const sms = text(q, 'sms');
  const out: { -readonly [K in keyof RegistrationParams]: RegistrationParams[K] } = {
    endpoint, lifetime: lifetimeOf(q) ?? DEFAULT_LIFETIME, lwm2mVersion: version, binding: internBinding(binding.binding || 'U'), queueMode: binding.queueMode,
  };
  if (sms !== undefined) out.sms = sms;
  return out;
}

/** Bindings come in few spellings: keep one string of each, not one per registration (bounded). */
const bindings = new Map<string, string>();

function internBinding(b: string): string {
  const known = bindings.get(b);
  if (known !== undefined) return known;
  if (bindings.size < 64) bindings.set(b, b);
  return b;
}

/** Only what changed; `ep` and `lwm2m` cannot change in an Update. */
export function parseUpdateParams(queries: readonly string[], version: Lwm2mVersion): UpdateParams {
  const q = queryMap(queries);
  for (const fixed of ['ep', 'lwm2m']) if (q.has(fixed)) throw new ServerError('E_REG_PARAM', `${fixed} cannot change in an Update`);
  const lifetime = lifetimeOf(q);
  const binding = bindingOf(q, version);
  const sms = text(q, 'sms');
  return {
    ...(lifetime !== undefined ? { lifetime } : {}),
    ...(binding ? { ...(binding.binding ? { binding: internBinding(binding.binding) } : {}), queueMode: binding.queueMode } : {}),
    ...(sms !== undefined ? { sms } : {}),
  };
}
