/**
 * Factory bootstrap (the "smartcard" source of the LwM2M architecture): a file shipped with the
 * device that says which servers it has, or which bootstrap server to ask, and their ACLs,
 * loaded before the first registration. JSON, validated with zod, errors naming the key path.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Grant } from './access-control.js';
import { ClientError } from './client-error.js';
import type { PskConfig, ServerConfig } from './server-accounts.js';

const right = z.enum(['read', 'write', 'execute', 'delete', 'create']);

const schema = z.strictObject({
  servers: z.array(z.strictObject({
    shortServerId: z.number().int().min(1).max(65534),
    uri: z.string().regex(/^coaps?:\/\/[^/]+$/, 'a coap:// or coaps:// URI without a path'),
    lifetime: z.number().int().min(1).optional(),
    binding: z.string().regex(/^[UTSNQ]+$/).optional(),
    psk: z.strictObject({ identity: z.string().min(1), key: z.string().regex(/^([0-9a-fA-F]{2})+$/, 'hexadecimal bytes') }).optional(),
  })).default([]),
  bootstrap: z.strictObject({
    uri: z.string().regex(/^coaps?:\/\/[^/]+$/, 'a coap:// or coaps:// URI without a path'),
    /** The client's PSK with its bootstrap server (coaps). */
    psk: z.strictObject({ identity: z.string().min(1), key: z.string().regex(/^([0-9a-fA-F]{2})+$/, 'hexadecimal bytes') }).optional(),
    /** Client Hold Off Time (/0/x/11), seconds. */
    holdOffS: z.number().int().min(0).optional(),
  }).refine((b) => !b.uri.startsWith('coaps:') || b.psk !== undefined, { message: 'a coaps:// bootstrap server needs a psk', path: ['psk'] }).optional(),
  acl: z.array(z.strictObject({
    object: z.number().int().min(0).max(65535),
    instance: z.union([z.number().int().min(0).max(65534), z.literal('object')]),
    server: z.number().int().min(0).max(65534),
    rights: z.array(right),
    owner: z.number().int().min(1).max(65535).optional(),
  })).default([]),
}).refine((c) => c.servers.length > 0 || c.bootstrap !== undefined, { message: 'give servers, a bootstrap server, or both' });

export interface FactoryBootstrap {
  readonly servers: readonly ServerConfig[];
  readonly bootstrap?: { readonly uri: string; readonly psk?: PskConfig; readonly holdOffS?: number };
  readonly acl: readonly Grant[];
}

export function parseFactoryBootstrap(raw: unknown, source = 'factory bootstrap'): FactoryBootstrap {
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new ClientError('E_CLIENT_CONFIG', r.error.issues.map((i) => `${source}: ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n'));
  }
  const c = r.data;
  return {
    servers: c.servers.map((s) => ({
      uri: s.uri, shortServerId: s.shortServerId,
      ...(s.lifetime !== undefined ? { lifetime: s.lifetime } : {}),
      ...(s.binding !== undefined ? { binding: s.binding } : {}),
      ...(s.psk !== undefined ? { psk: { identity: s.psk.identity, key: Uint8Array.from(Buffer.from(s.psk.key, 'hex')) } } : {}),
    })),
    ...(c.bootstrap !== undefined ? {
      bootstrap: {
        uri: c.bootstrap.uri,
        ...(c.bootstrap.psk !== undefined ? { psk: { identity: c.bootstrap.psk.identity, key: Uint8Array.from(Buffer.from(c.bootstrap.psk.key, 'hex')) } } : {}),
        ...(c.bootstrap.holdOffS !== undefined ? { holdOffS: c.bootstrap.holdOffS } : {}),
      },
    } : {}),
    acl: c.acl,
  };
}

export function readFactoryBootstrap(file: string): FactoryBootstrap {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ClientError('E_CLIENT_CONFIG', `${file}: ${(e as Error).message}`);
  }
  return parseFactoryBootstrap(raw, file);
}
