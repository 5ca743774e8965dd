/** `lwm2m-sdk generate --config FILE`: the same options as the flags, as JSON, validated with zod. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

export const npmPackageName = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export const generateConfigSchema = z.strictObject({
  inputs: z.array(z.string().min(1)).min(1),
  out: z.string().min(1),
  package: z.string().regex(npmPackageName, 'not a valid npm package name').optional(),
  packageVersion: z.string().regex(/^\d+\.\d+\.\d+(-[\w.]+)?$/, 'not a semver version').optional(),
  objects: z.array(z.number().int().min(0).max(65535)).optional(),
  allVersions: z.boolean().optional(),
  strict: z.boolean().optional(),
  target: z.array(z.enum(['ts', 'js', 'dts'])).min(1).optional(),
  runtimeImport: z.string().min(1).optional(),
  bare: z.boolean().optional(),
});

export type GenerateConfig = z.infer<typeof generateConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates a config file; paths in it are relative to the file. */
export function readGenerateConfig(file: string): GenerateConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  const parsed = generateConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${file}: ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new ConfigError(issues.join('\n'));
  }
  const base = dirname(resolve(file));
  return { ...parsed.data, inputs: parsed.data.inputs.map((p) => resolve(base, p)), out: resolve(base, parsed.data.out) };
}
