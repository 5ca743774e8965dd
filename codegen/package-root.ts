import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of lwm2m-sdk's package.json, from source (codegen/) or from the build (dist/codegen/). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    if (dirname(dir) === dir) throw new Error(`lwm2m-sdk: cannot find its package root above ${from}`);
  }
}

export const packageRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));
