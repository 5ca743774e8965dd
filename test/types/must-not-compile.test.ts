/**
 * Each file of test/types/fail/ misuses a generated class once; tsc must refuse each with
 * the expected diagnostic (not just any error, so a typo cannot pass for a refusal).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';

const expected: Record<string, RegExp> = {
  'write-read-only.ts': /TS2339: Property 'write' does not exist/,
  'gt-on-string.ts': /TS2353: Object literal may only specify known properties, and 'gt' does not exist/,
  'st-on-string-attributes.ts': /TS2353: Object literal may only specify known properties, and 'st' does not exist/,
  'read-execute.ts': /TS2339: Property 'read' does not exist/,
  'execute-non-e.ts': /TS2339: Property 'execute' does not exist/,
  'read-write-only.ts': /TS2339: Property 'read' does not exist/,
  'missing-mandatory.ts': /TS2345: .*(errorCode|supportedBindingAndModes)/s,
};

test('every must-not-compile case fails with its own diagnostic', () => {
  const files = readdirSync('test/types/fail').filter((f) => f.endsWith('.ts'));
  assert.deepEqual(files.sort(), Object.keys(expected).sort(), 'each case has an expectation');
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/types/fail/tsconfig.json', '--pretty', 'false'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0, 'tsc must fail');
  // A diagnostic starts with "path(line,col): error"; indented lines continue it.
  const byFile = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of r.stdout.split('\n')) {
    const m = /^test\/types\/fail\/([^(]+)\(\d+,\d+\): error/.exec(line);
    if (m) {
      current = byFile.get(m[1]!) ?? [];
      byFile.set(m[1]!, current);
      current.push(line);
    } else if (current && line.startsWith(' ')) {
      current[current.length - 1] += `\n${line}`;
    }
  }
  for (const [file, pattern] of Object.entries(expected)) {
    const errors = byFile.get(file) ?? [];
    assert.equal(errors.length, 1, `${file} should fail exactly once; tsc said:\n${errors.join('\n') || '(nothing)'}`);
    assert.match(errors[0]!, pattern, `${file} should fail with ${pattern}; tsc said:\n${errors[0]}`);
  }
});
