/** The emission worker and the main thread print the same files, in the same order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from '../../codegen/generate.js';
import { startEmitter } from '../../codegen/emitter.js';
import { quirkFiles } from '../helpers/quirk-files.js';

test('parallel and sequential generation give identical output', async () => {
  const options = { inputs: quirkFiles, allVersions: true, targets: ['js', 'dts'] as const };
  const onWorker = await generate({ ...options, parallel: true });
  const here = await generate({ ...options, parallel: false });
  assert.deepEqual([...onWorker.files.keys()], [...here.files.keys()]);
  for (const [path, text] of here.files) assert.equal(onWorker.files.get(path), text, path);
});

test('an emitter with no jobs finishes; closing it twice is harmless', async () => {
  const e = startEmitter(true);
  const seen: string[] = [];
  await e.run([], (p) => seen.push(p));
  assert.deepEqual(seen, []);
  e.close();
  e.close();
});
