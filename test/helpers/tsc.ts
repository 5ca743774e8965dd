import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Type-checks a folder with `tsc --strict --noEmit`, resolving `lwm2m-sdk/genv1` to this
 * checkout's source. Returns tsc's output; throws nothing.
 */
export function typecheck(dir: string, include: readonly string[] = ['**/*.ts']): { ok: boolean; output: string } {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
      skipLibCheck: false, types: [], lib: ['ES2023'],
      paths: { 'lwm2m-sdk/genv1': [resolve('runtime/genv1/index.ts')] },
    },
    include,
  }, null, 2));
  const r = spawnSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
