/**
 * The Client Registration interface on the server: Register (POST /rd), Update
 * (POST /rd/{id}) and De-register (DELETE /rd/{id}). Every parameter is checked; a refusal
 * is a 4.xx with a reason in the payload and a log line, never an exception.
 */
import { ResponseCode } from '../coap/codes.js';
import type { Logger } from '../coap/logger.js';
import { OptionNumber, stringOption } from '../coap/options.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { describeIdentity } from './endpoint-identity.js';
import { parseRegisteredObjects } from './registered-objects.js';
import { checkRegister, checkSameClient } from './registration-access.js';
import { makeRegistration, type Registration } from './registration.js';
import { newRegistrationId } from './registration-id.js';
import { parseRegisterParams, parseUpdateParams, type Lwm2mVersion } from './registration-params.js';
import type { RegistrationStore } from './registration-store.js';
import type { SecurityStore } from './security-store.js';
import { ServerError } from './server-error.js';

export interface RegistrationEvents {
  registered(registration: Registration, replaced: Registration | undefined): void;
  updated(registration: Registration, previous: Registration): void;
  deregistered(registration: Registration): void;
}

export interface RegistrationContext {
  readonly store: RegistrationStore;
  readonly now: () => number;
  readonly log: Logger;
  readonly events: RegistrationEvents;
  /** Which DTLS identity may register as which endpoint, and where NoSec is allowed; unchecked when absent. */
  readonly security?: SecurityStore;
  /** LwM2M versions accepted in a Register; every supported one when absent. */
  readonly lwm2mVersions?: readonly Lwm2mVersion[];
}

const LINK_FORMAT = 40;
const LOCATION_RD = stringOption(OptionNumber.LocationPath, 'rd');
const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_PAYLOAD = 64 * 1024;
const coapCode: Record<string, number> = { '4.00': ResponseCode.BadRequest, '4.03': ResponseCode.Forbidden, '4.04': ResponseCode.NotFound, '4.12': ResponseCode.PreconditionFailed };

/** Answers a request under /rd; undefined when the path is not the registration interface. */
export async function handleRegistration(req: IncomingRequest, ctx: RegistrationContext): Promise<OutgoingResponse | undefined> {
  if (req.path[0] !== 'rd' || req.path.length > 2) return undefined;
  try {
    if (req.path.length === 1) {
      if (req.method !== 'POST') return { code: ResponseCode.MethodNotAllowed };
      return await register(req, ctx);
    }
    const id = req.path[1]!;
    if (req.method === 'POST') return await update(id, req, ctx);
    if (req.method === 'DELETE') return await deregister(id, req, ctx);
    return { code: ResponseCode.MethodNotAllowed };
  } catch (e) {
    if (!(e instanceof ServerError)) throw e;
    ctx.log.warn({ peer: req.peer, identity: describeIdentity(req.identity), path: `/${req.path.join('/')}`, query: req.query, code: e.code }, `registration refused: ${e.message}`);
    return { code: coapCode[e.coapCode] ?? ResponseCode.BadRequest, payload: e.message, contentFormat: 0 };
  }
}

function payloadText(req: IncomingRequest): string {
  if (req.payload.length === 0) return '';
  if (req.contentFormat !== undefined && req.contentFormat !== LINK_FORMAT) {
    throw new ServerError('E_REG_PAYLOAD', `the object links must be application/link-format (40), not ${req.contentFormat}`);
  }
  if (req.payload.length > MAX_PAYLOAD) throw new ServerError('E_REG_PAYLOAD', `the object links exceed ${MAX_PAYLOAD} bytes`);
  try {
    return utf8.decode(req.payload);
  } catch {
    throw new ServerError('E_REG_PAYLOAD', 'the object links are not UTF-8');
  }
}

async function register(req: IncomingRequest, ctx: RegistrationContext): Promise<OutgoingResponse> {
  const params = parseRegisterParams(req.query, ctx.lwm2mVersions);
  await checkRegister(params.endpoint, req.identity, ctx.security);
  const objects = parseRegisteredObjects(payloadText(req), params.lwm2mVersion);
  const now = ctx.now();
  const registration = makeRegistration({
    id: newRegistrationId(), endpoint: params.endpoint, lifetime: params.lifetime, lwm2mVersion: params.lwm2mVersion, binding: params.binding,
    queueMode: params.queueMode, sms: params.sms, objects, address: req.peer, identity: req.identity, registeredAt: now, updatedAt: now,
    expiresAt: now + params.lifetime * 1000,
  });
  const replaced = await ctx.store.add(registration);
  ctx.events.registered(registration, replaced);
  return { code: ResponseCode.Created, options: [LOCATION_RD, stringOption(OptionNumber.LocationPath, registration.id)] };
}

async function update(id: string, req: IncomingRequest, ctx: RegistrationContext): Promise<OutgoingResponse> {
  const previous = await ctx.store.get(id);
  if (previous === undefined) throw new ServerError('E_REG_UNKNOWN', `no registration ${id}`);
  checkSameClient(previous, req.identity);
  // The store may have changed since the Register (credentials revoked, NoSec withdrawn).
  await checkRegister(previous.endpoint, req.identity, ctx.security);
  const params = parseUpdateParams(req.query, previous.lwm2mVersion);
  const text = payloadText(req);
  const now = ctx.now();
  const lifetime = params.lifetime ?? previous.lifetime;
  const registration = makeRegistration({
    id: previous.id, endpoint: previous.endpoint, lifetime, lwm2mVersion: previous.lwm2mVersion, binding: params.binding ?? previous.binding,
    queueMode: params.queueMode ?? previous.queueMode, sms: params.sms ?? previous.sms,
    objects: text === '' ? previous.objects : parseRegisteredObjects(text, previous.lwm2mVersion),
    address: req.peer, identity: previous.identity, registeredAt: previous.registeredAt, updatedAt: now, expiresAt: now + lifetime * 1000,
  });
  if (!(await ctx.store.replace(registration))) throw new ServerError('E_REG_UNKNOWN', `no registration ${id}`);
  ctx.events.updated(registration, previous);
  return { code: ResponseCode.Changed };
}

async function deregister(id: string, req: IncomingRequest, ctx: RegistrationContext): Promise<OutgoingResponse> {
  const existing = await ctx.store.get(id);
  if (existing === undefined) throw new ServerError('E_REG_UNKNOWN', `no registration ${id}`);
  checkSameClient(existing, req.identity);
  const r = await ctx.store.remove(id);
  if (r === undefined) throw new ServerError('E_REG_UNKNOWN', `no registration ${id}`);
  ctx.events.deregistered(r);
  return { code: ResponseCode.Deleted };
}
