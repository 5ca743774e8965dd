import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `lwm2m-sdk` from source, as a user would run the built command. */
export function cli(args: readonly string[], cwd = resolve('.')): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('cli/main.ts'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
