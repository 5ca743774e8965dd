/**
 * Send (LwM2M 1.1+): the client pushes values to a server, POST /dp, as time-stamped SenML
 * (CBOR by default) or LwM2M CBOR records. What a server may read is what it may be sent
 * (Access Control); a server whose Mute Send (/1/x/23) is true or absent is sent nothing. A Send to a
 * server that is offline or disabled is stored (client.ts) when its /1/x/6 allows.
 */
import { codeText } from '../coap/codes.js';
import { encodeRecords } from '../codec/codec.js';
import { ContentFormat } from '../codec/content-format.js';
import { nodeToRecords } from '../model/node-records.js';
import type { LwM2MPath } from '../model/path.js';
import type { LwM2MRecord } from '../model/record.js';
import { ClientError } from './client-error.js';
import type { DmContext } from './dm-context.js';
import { readNode } from './dm-read.js';
import type { ServerRegistration } from './registration.js';

export type SendFormat = typeof ContentFormat.SENML_CBOR | typeof ContentFormat.SENML_JSON | typeof ContentFormat.LWM2M_CBOR;

/**
 * The payload of a Send to this server: the values now, time-stamped, in `format`; what the
 * server may not read is left out. Refuses (E_CLIENT_SEND) a 1.0 registration, LwM2M CBOR before
 * 1.2 and a muted server.
 */
export async function prepareSend(ctx: DmContext, reg: ServerRegistration, paths: readonly LwM2MPath[], format: SendFormat, nowMs: number): Promise<Uint8Array> {
  const where = `server ${reg.shortServerId}`;
  if (reg.version === '1.0') throw new ClientError('E_CLIENT_SEND', `${where} is registered as LwM2M 1.0, which has no Send`);
  if (format === ContentFormat.LWM2M_CBOR && reg.version !== '1.2') throw new ClientError('E_CLIENT_SEND', `LwM2M CBOR is an LwM2M 1.2 format; ${where} is ${reg.version}`);
  // "If true or the Resource is not present, the LwM2M Client Send command capability is de-activated."
  const server = reg.account.server;
  const mute = server.has(23) ? await server.read(23).catch(() => true) : undefined;
  if (mute !== false) throw new ClientError('E_CLIENT_SEND', `${where} is muted (/1/x/23 ${mute === undefined ? 'absent' : 'true'})`);
  const who = { shortServerId: reg.shortServerId, version: reg.version };
  const time = Math.floor(nowMs / 1000);
  const records: LwM2MRecord[] = [];
  for (const path of paths) {
    const { node } = await readNode(ctx, who, path);
    for (const r of nodeToRecords(path, node)) records.push({ ...r, time });
  }
  return encodeRecords(format, records, { resolve: ctx.tree.resolve, baseTime: true });
}

/** POST /dp. E_CLIENT_UNREACHABLE when the server does not answer, E_CLIENT_REJECTED when it refuses. */
export async function postSend(reg: ServerRegistration, format: SendFormat, payload: Uint8Array, timeoutMs: number): Promise<void> {
  const where = `server ${reg.shortServerId}`;
  if (reg.peer === undefined) throw new ClientError('E_CLIENT_UNREACHABLE', `Send to ${where}: its address is not known yet`);
  const res = await reg.endpoint.request(reg.peer, { method: 'POST', path: 'dp', contentFormat: format, payload, timeoutMs }).catch((e: Error) => {
    throw new ClientError('E_CLIENT_UNREACHABLE', `Send to ${where}: ${e.message}`, undefined, { cause: e });
  });
  if (res.code !== 0x44) {
    const code = codeText(res.code);
    throw new ClientError('E_CLIENT_REJECTED', `Send to ${where} answered ${code}`, code);
  }
}
