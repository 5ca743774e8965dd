/**
 * What the bootstrap server gives each client: its LwM2M servers, as Security (/0) and
 * Server (/1) instances. Read from JSON (validated with zod, errors naming the key path) or
 * given through the API.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const server = z.strictObject({
  shortServerId: z.number().int().min(1).max(65534),
  uri: z.string().regex(/^coaps?:\/\/[^/]+$/, 'a coap:// or coaps:// URI without a path'),
  lifetime: z.number().int().min(1).default(86400),
  binding: z.string().regex(/^[UTSNQ]+$/).default('U'),
  security: z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('nosec') }),
    z.strictObject({ mode: z.literal('psk'), identity: z.string().min(1), key: z.string().regex(/^([0-9a-fA-F]{2})+$/, 'hexadecimal bytes') }),
  ]).default({ mode: 'nosec' }),
});

export const bootstrapConfigSchema = z.strictObject({
  /** Per endpoint name. */
  endpoints: z.record(z.string().min(1), z.strictObject({ servers: z.array(server).min(1) })).default({}),
  /** For endpoints not listed; without it they are refused. */
  default: z.strictObject({ servers: z.array(server).min(1) }).optional(),
});

export type BootstrapConfig = z.output<typeof bootstrapConfigSchema>;
export type BootstrapServerEntry = z.output<typeof server>;

export class BootstrapConfigError extends Error {
  override readonly name = 'BootstrapConfigError';
}

export function parseBootstrapConfig(raw: unknown, source = 'bootstrap config'): BootstrapConfig {
  const r = bootstrapConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new BootstrapConfigError(r.error.issues.map((i) => `${source}: ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`).join('\n'));
  }
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
