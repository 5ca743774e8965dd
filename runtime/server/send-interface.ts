/**
 * Send (POST /dp, LwM2M 1.1+): values a registered client pushes, time-stamped. The client
 * is known by where the request came from; its registration's object versions decode them.
 */
import { ResponseCode } from '../coap/codes.js';
import type { Logger } from '../coap/logger.js';
import type { IncomingRequest, OutgoingResponse } from '../coap/request.js';
import { decodeRecords } from '../codec/codec.js';
import { CodecError } from '../codec/codec-error.js';
import { ContentFormat } from '../codec/content-format.js';
import type { Registry } from '../../registry/create-registry.js';
import { objectResolver } from '../model/object-resolver.js';
import type { LwM2MRecord } from '../model/record.js';
import { peerKey } from '../transport/datagram-transport.js';
import { describeIdentity, sameIdentity } from './endpoint-identity.js';
import type { Registration } from './registration.js';
import type { RegistrationStore } from './registration-store.js';

export interface SendContext {
  readonly store: RegistrationStore;
  readonly registry: Registry;
  readonly log: Logger;
  sent(registration: Registration, records: readonly LwM2MRecord[]): void;
}

const SEND_FORMATS: ReadonlySet<number> = new Set([ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON, ContentFormat.LWM2M_CBOR]);

/** Answers POST /dp; undefined when the path is not the Send interface. */
export async function handleSend(req: IncomingRequest, ctx: SendContext): Promise<OutgoingResponse | undefined> {
  if (req.path.length !== 1 || req.path[0] !== 'dp') return undefined;
  if (req.method !== 'POST') return { code: ResponseCode.MethodNotAllowed };
  const registration = await ctx.store.byAddress(peerKey(req.peer));
  if (registration === undefined) {
    ctx.log.warn({ peer: req.peer }, 'Send from a peer that is not registered');
    return { code: ResponseCode.NotFound, payload: 'not registered', contentFormat: 0 };
  }
  // The address is where the client was; the DTLS identity is who it is: both must match.
  if (!sameIdentity(registration.identity, req.identity)) {
    ctx.log.warn({ peer: req.peer, endpoint: registration.endpoint, identity: describeIdentity(req.identity) }, 'Send from another identity than the registration');
    return { code: ResponseCode.Forbidden, payload: 'not the registered identity', contentFormat: 0 };
  }
  if (req.contentFormat === undefined || !SEND_FORMATS.has(req.contentFormat)) {
    return { code: ResponseCode.UnsupportedContentFormat, payload: 'Send takes SenML CBOR, SenML JSON or LwM2M CBOR', contentFormat: 0 };
  }
  let records: LwM2MRecord[];
  try {
    const resolve = objectResolver(ctx.registry, new Map(registration.objects.objects.map((o) => [o.id, o.version])));
    records = decodeRecords(req.contentFormat, req.payload, { resolve });
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    ctx.log.warn({ endpoint: registration.endpoint, err: e.message }, 'Send payload refused');
    return { code: ResponseCode.BadRequest, payload: e.message.slice(0, 120), contentFormat: 0 };
  }
  ctx.sent(registration, records);
  return { code: ResponseCode.Changed };
}
