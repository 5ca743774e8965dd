/** Regeneration must reproduce the committed outputs byte for byte. */
import { test } from 'node:test';
import { generate } from '../../codegen/generate.js';
import { assertGoldenDir } from '../helpers/golden.js';
import { registryArg } from '../helpers/paths.js';
import { quirkFiles } from '../helpers/quirk-files.js';

test('registry/gen: the core objects 0-7 and 21, all versions, as committed', async () => {
  // The same options as `npm run gen:core`.
  const r = await generate({
    inputs: [registryArg], objects: [0, 1, 2, 3, 4, 5, 6, 7, 21], allVersions: true, targets: ['ts'],
    runtimeImport: '../../runtime/genv1/index.js', bare: true,
  });
  assertGoldenDir('registry/gen', r.files);
});

test('test/golden/quirks: the quirk files of the registry, as committed', async () => {
  const r = await generate({ inputs: quirkFiles, allVersions: true, targets: ['ts'], bare: true });
  assertGoldenDir('test/golden/quirks', r.files);
});
