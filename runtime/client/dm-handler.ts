/**
 * The Device Management & Service Enablement interface: turns a server's CoAP request into
 * the operation it stands for and the exact response code. Errors never escape: a peer's
 * bad input is a 4.xx, a refusal by the application its chosen 4.xx, an exception in
 * application code 5.00 (logged).
 */
import { ResponseCode as C } from '../coap/codes.js';
import type { IncomingRequest, OutgoingResponse, RequestHandler } from '../coap/request.js';
import { CodecError } from '../codec/codec-error.js';
import { ContentFormat } from '../codec/content-format.js';
import { RefusedError } from '../genv1/object-instance.js';
import { ModelError } from '../model/model-error.js';
import { parsePath, pathLevel, type LwM2MPath } from '../model/path.js';
import type { PeerAddress } from '../transport/datagram-transport.js';
import { DmFailure, type DmContext, type Requester } from './dm-context.js';
import { create, execute, remove } from './dm-lifecycle.js';
import { compositeRequest, discover, read, readComposite, renderComposite } from './dm-read.js';
import { observationAttributes, write, writeAttributes, writeComposite } from './dm-write.js';
import { HIDDEN_OBJECTS } from './register-payload.js';

const REFUSAL: Readonly<Record<RefusedError['status'], number>> = { '4.00': C.BadRequest, '4.01': C.Unauthorized, '4.03': C.Forbidden, '4.05': C.MethodNotAllowed };

function fail(status: number, message: string): OutgoingResponse {
  // A short diagnostic payload (RFC 7252 §5.5.2) helps people reading traces.
  return { code: status, payload: message.slice(0, 120) };
}

export function createDmHandler(ctx: DmContext, requester: (peer: PeerAddress) => Requester | undefined): RequestHandler {
  return async (req) => {
    const who = requester(req.peer);
    if (who === undefined) return fail(C.Unauthorized, 'not a server of this client');
    try {
      return await dispatch(ctx, who, req);
    } catch (e) {
      if (e instanceof DmFailure) return fail(e.status, e.message);
      if (e instanceof RefusedError) return fail(REFUSAL[e.status], e.message);
      if (e instanceof CodecError || e instanceof ModelError) {
        // Values that do not fit the resource, payloads that do not parse.
        return fail(C.BadRequest, e.message);
      }
      ctx.log.error({ err: e instanceof Error ? e.message : String(e), method: req.method, path: '/' + req.path.join('/') }, 'device management handler failed');
      return { code: C.InternalServerError };
    }
  };
}

async function dispatch(ctx: DmContext, who: Requester, req: IncomingRequest): Promise<OutgoingResponse> {
  if (req.path.length === 0 || (req.path.length === 1 && req.path[0] === '')) {
    if (req.method === 'FETCH') {
      if (!req.observeRequested || ctx.observations === undefined) return readComposite(ctx, who, req);
      // Observe-Composite: the composite Read is the first notification.
      const { paths, format } = compositeRequest(ctx, who, req);
      const res = await renderComposite(ctx, who, paths, format);
      void ctx.observations.addComposite(who, paths, () => renderComposite(ctx, who, paths, format), req.acceptObserve());
      return res;
    }
    if (req.method === 'iPATCH') return writeComposite(ctx, who, req);
    throw new DmFailure(C.MethodNotAllowed, `${req.method} on the root`);
  }
  let path: LwM2MPath;
  try {
    path = parsePath(req.path.join('/'));
  } catch {
    throw new DmFailure(C.NotFound, `/${req.path.join('/').slice(0, 40)} is not an LwM2M path`);
  }
  // A DM server never sees Security (/0) or OSCORE (/21).
  if (HIDDEN_OBJECTS.has(path.objectId)) throw new DmFailure(C.NotFound, `object ${path.objectId} does not exist`);
  switch (req.method) {
    case 'GET': {
      if (req.accept === ContentFormat.LINK) return discover(ctx, who, path);
      const res = await read(ctx, who, path, req.accept);
      // Observe: the Read is the first notification; later ones follow the attributes: those
      // of the request in 1.2 (Observation Attributes, 4.00 when invalid), else the attached ones.
      if (req.observeRequested && ctx.observations !== undefined && res.code === C.Content) {
        const own = who.version === '1.2' && req.query.length > 0 ? observationAttributes(ctx, who, path, req.query) : undefined;
        void ctx.observations.add(who, path, req.accept, req.acceptObserve(), own);
      }
      return res;
    }
    case 'PUT':
      if (req.payload.length === 0 && req.query.length > 0) return writeAttributes(ctx, who, path, req.query);
      return write(ctx, who, path, req, true);
    case 'POST': {
      const level = pathLevel(path);
      if (level === 'object') return create(ctx, who, path, req);
      if (level === 'resource') {
        const inst = ctx.tree.instance(path.objectId, path.instanceId!);
        const r = inst?.descriptor.resources.find((x) => x.id === path.resourceId);
        if (r?.operations === 'E') return execute(ctx, who, path, req);
      }
      if (level === 'resourceInstance') throw new DmFailure(C.MethodNotAllowed, 'POST on a resource instance');
      return write(ctx, who, path, req, false);
    }
    case 'DELETE':
      return remove(ctx, who, path);
    case 'FETCH':
    case 'iPATCH':
      throw new DmFailure(C.MethodNotAllowed, `${req.method} applies to the root path`);
    default:
      throw new DmFailure(C.MethodNotAllowed, `${req.method} is not an LwM2M operation`);
  }
}
