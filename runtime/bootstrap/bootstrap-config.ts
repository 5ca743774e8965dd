/**
 * What the bootstrap server gives each client: its LwM2M servers, as Security (/0) and
 * Server (/1) instances, and optionally the PSK the client itself uses with the bootstrap
 * server (for coaps). Read from JSON (validated with zod, errors naming the key path) or
 * given through the API (see bootstrap-config-store.ts).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BootstrapError } from './bootstrap-error.js';

const hex = z.string().regex(/^([0-9a-fA-F]{2})+$/, 'hexadecimal bytes');

const server = z.strictObject({
  shortServerId: z.number().int().min(1).max(65534),
  uri: z.string().regex(/^coaps?:\/\/[^/]+$/, 'a coap:// or coaps:// URI without a path'),
  lifetime: z.number().int().min(1).default(86400),
  binding: z.string().regex(/^[UTSNQ]+$/).default('U'),
  security: z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('nosec') }),
    z.strictObject({ mode: z.literal('psk'), identity: z.string().min(1), key: hex }),
  ]).default({ mode: 'nosec' }),
});

/** One ACL entry, as the factory file writes them: server `server` (0: the default entry) may do `rights` on /object/instance. */
const aclEntry = z.strictObject({
  object: z.number().int().min(0).max(65535),
  instance: z.union([z.number().int().min(0).max(65534), z.literal('object')]),
  server: z.number().int().min(0).max(65534),
  rights: z.array(z.enum(['read', 'write', 'execute', 'delete', 'create'])),
  /** The Access Control Owner (/2/x/3); 65535 (the bootstrap server) when no entry of the target names one. */
  owner: z.number().int().min(1).max(65535).optional(),
});

const endpointConfig = z.strictObject({
  servers: z.array(server).min(1),
  /** Access Control instances (/2) written after the servers; the client's former ones are deleted first. */
  acl: z.array(aclEntry).optional(),
  /** The client's own PSK with this bootstrap server (DTLS); without it, plain CoAP only. */
  psk: z.strictObject({ identity: z.string().min(1), key: hex }).optional(),
}).refine((c) => new Set(c.servers.map((s) => s.shortServerId)).size === c.servers.length, { message: 'two servers have the same shortServerId', path: ['servers'] });

export const bootstrapConfigSchema = z.strictObject({
  /** Per endpoint name. */
  endpoints: z.record(z.string().min(1), endpointConfig).default({}),
  /** For endpoints not listed; without it they are refused. */
  default: z.strictObject({ servers: z.array(server).min(1), acl: z.array(aclEntry).optional() }).optional(),
});

export type BootstrapConfig = z.output<typeof bootstrapConfigSchema>;
export type BootstrapServerEntry = z.output<typeof server>;
export type BootstrapAclEntry = z.output<typeof aclEntry>;
/** One endpoint's configuration: its servers, and its PSK with the bootstrap server. */
export type BootstrapEndpointConfig = z.output<typeof endpointConfig>;
/** What an API caller gives (defaults may be left out). */
export type BootstrapEndpointConfigInput = z.input<typeof endpointConfig>;

export class BootstrapConfigError extends BootstrapError {
  override readonly name = 'BootstrapConfigError';
  constructor(message: string) {
    super('E_BS_CONFIG', message);
  }
}

function issues(source: string, error: z.ZodError): string {
  return error.issues.map((i) => `${source}: ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n');
}

export function parseBootstrapConfig(raw: unknown, source = 'bootstrap config'): BootstrapConfig {
  const r = bootstrapConfigSchema.safeParse(raw);
  if (!r.success) throw new BootstrapConfigError(issues(source, r.error));
  return r.data;
}

/** Checks one endpoint's configuration (as the API takes it) and fills in the defaults. */
export function parseEndpointConfig(raw: unknown, source = 'endpoint config'): BootstrapEndpointConfig {
  const r = endpointConfig.safeParse(raw);
  if (!r.success) throw new BootstrapConfigError(issues(source, r.error));
  return r.data;
}

export function readBootstrapConfig(file: string): BootstrapConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BootstrapConfigError(`${file}: ${(e as Error).message}`);
  }
  return parseBootstrapConfig(raw, file);
}
