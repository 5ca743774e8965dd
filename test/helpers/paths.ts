import { resolve } from 'node:path';

/** The OMA registry beside the checkout (../shared), as CI lays it out. */
export const registryDir = resolve('../shared/lwm2m-registry');
/** The registry as the generator is given it in tests and in `npm run gen:core`: relative, so headers do not depend on the machine. */
export const registryArg = '../shared/lwm2m-registry';
export const repoRoot = resolve('.');
