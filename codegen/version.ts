import { readFileSync } from 'node:fs';
import { packageRoot } from './package-root.js';

/** lwm2m-sdk's own version, written into provenance headers and peer dependencies. */
export const generatorVersion: string = (JSON.parse(readFileSync(`${packageRoot}/package.json`, 'utf8')) as { version: string }).version;
