/**
 * Golden files: a test compares generated text with the committed copy and fails on any
 * difference. `UPDATE_GOLDEN=1 npm test -- golden` rewrites them; review the diff before committing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { diffOutput } from '../../codegen/write-output.js';

export const updating = process.env['UPDATE_GOLDEN'] === '1';

export function assertGoldenDir(dir: string, files: ReadonlyMap<string, string>): void {
  if (updating) {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, content] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return;
  }
  const differs = diffOutput(dir, files);
  if (differs.length > 0) {
    const first = differs[0]!;
    const expected = files.get(first);
    let actual = '(missing)';
    try {
      actual = readFileSync(join(dir, first), 'utf8');
    } catch {}
    assert.equal(expected ?? '(not generated)', actual, `${differs.length} file(s) differ from ${dir}: ${differs.join(', ')}; first: ${first} (UPDATE_GOLDEN=1 to accept)`);
  }
}

export function assertGoldenFile(path: string, content: string): void {
  if (updating) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return;
  }
  assert.equal(content, readFileSync(path, 'utf8'), `${path} differs (UPDATE_GOLDEN=1 to accept)`);
}
