/**
 * Bad input gets a message naming file, line and field, a non-zero exit, and nothing
 * written: an existing output folder stays exactly as it was.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cli } from '../helpers/cli.js';
import { registryDir } from '../helpers/paths.js';

const work = mkdtempSync(join(tmpdir(), 'lwm2m-bad-'));
after(() => rmSync(work, { recursive: true, force: true }));

const object = (items: string, id = '<ObjectID>42000</ObjectID>') => `<?xml version="1.0" encoding="UTF-8"?>
<LWM2M>
  <Object ObjectType="MODefinition">
    <Name>Test Object</Name>
    ${id}
    <ObjectVersion>1.0</ObjectVersion>
    <MultipleInstances>Multiple</MultipleInstances>
    <Mandatory>Optional</Mandatory>
    <Resources>
${items}
    </Resources>
  </Object>
</LWM2M>
`;
const item = (id: string, type = 'Integer', ops = 'R') => `      <Item ID="${id}">
        <Name>Value ${id}</Name>
        <Operations>${ops}</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory>
        <Type>${type}</Type>
      </Item>`;

function file(name: string, content: string | Buffer): string {
  const p = join(work, name);
  writeFileSync(p, content);
  return p;
}

/** A hash of every file under a folder, to prove it untouched. */
function snapshot(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      h.update(p);
      if (e.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

const good = file('good.xml', object(item('0')));
const out = join(work, 'out');
const first = cli(['generate', good, '--out', out]);
assert.equal(first.status, 0, first.stderr);
const before = snapshot(out);

const cases: Array<{ name: string; content: string | Buffer; pattern: RegExp }> = [
  { name: 'malformed.xml', content: object(item('0')).replace('</Name>', ''), pattern: /malformed\.xml:\d+: error E_XML_MALFORMED/ },
  { name: 'no-id.xml', content: object(item('0'), ''), pattern: /no-id\.xml:3: error E_OBJECT_ID ObjectID: missing/ },
  { name: 'bad-id.xml', content: object(item('0'), '<ObjectID>abc</ObjectID>'), pattern: /bad-id\.xml:5: error E_OBJECT_ID ObjectID: "abc" is not an integer/ },
  { name: 'bad-type.xml', content: object(`${item('0')}\n${item('1', 'Decimal')}`), pattern: /bad-type\.xml:22: error E_UNKNOWN_TYPE Item\[ID=1\]\/Type: "Decimal" is not an LwM2M data type/ },
  { name: 'dup-id.xml', content: object(`${item('7')}\n${item('7')}`), pattern: /dup-id\.xml:17: error E_DUPLICATE_RESOURCE_ID Item\[ID=7\]\/@ID: resource 7 is defined twice \(lines 10 and 17\)/ },
  { name: 'bad-ops.xml', content: object(item('0', 'Integer', 'RX')), pattern: /bad-ops\.xml:12: error E_UNKNOWN_OPERATIONS Item\[ID=0\]\/Operations/ },
  { name: 'bad-item-id.xml', content: object(item('70000')), pattern: /bad-item-id\.xml:10: error E_RESOURCE_ID Item\[ID=70000\]\/@ID/ },
  { name: 'binary.xml', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), pattern: /binary\.xml:1: error E_XML_MALFORMED/ },
  { name: 'text.xml', content: 'just some text\n', pattern: /text\.xml:1: error E_XML_MALFORMED/ },
  { name: 'other-root.xml', content: '<?xml version="1.0"?>\n<DDFList><Item/></DDFList>\n', pattern: /other-root\.xml:2: error E_NOT_LWM2M: the root element is <DDFList>/ },
];

for (const c of cases) {
  test(`${c.name}: exit 1, a message with file, line and field, the output folder untouched`, () => {
    const r = cli(['generate', good, file(c.name, c.content), '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, c.pattern);
    assert.match(r.stderr, /nothing was written/);
    assert.equal(snapshot(out), before);
    assert.deepEqual(readdirSync(work).filter((f) => f.includes('.tmp-') || f.includes('.old-')), []);
  });
}

test('a file named on the command line that is not an object definition is refused; in a folder it is skipped', () => {
  const r = cli(['generate', join(registryDir, 'Common.xml'), '--out', join(work, 'common')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Common\.xml:3: error E_NOT_LWM2M Object\/@ObjectType: ObjectType="CommonResources"/);
  assert.ok(!existsSync(join(work, 'common')));
});

test('a missing input is a clear error', () => {
  const r = cli(['generate', join(work, 'nope.xml'), '--out', join(work, 'x')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope\.xml: error E_READ: no such file or folder/);
});

test('entities are never expanded: a DOCTYPE is ignored with a warning', () => {
  const doc = object(item('0')).replace('<LWM2M>', '<!DOCTYPE LWM2M [<!ENTITY x "expanded"><!ENTITY ext SYSTEM "http://127.0.0.1:1/x">]>\n<LWM2M>').replace('<Name>Value 0</Name>', '<Name>&x;&ext;</Name>');
  const r = cli(['generate', file('doctype.xml', doc), '--out', join(work, 'doctype'), '--verbose']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /W_DOCTYPE_IGNORED/);
  const js = readFileSync(join(work, 'doctype/objects/42000-test-object.js'), 'utf8');
  assert.match(js, /name: '&x;&ext;'/);
  assert.doesNotMatch(js, /expanded/);
});

test('an output folder that the generator did not make is not replaced', () => {
  const mine = join(work, 'mine');
  mkdirSync(mine);
  writeFileSync(join(mine, 'notes.txt'), 'keep me');
  const r = cli(['generate', good, '--out', mine]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /E_OUTPUT: .*mine is not empty and was not made by lwm2m-sdk/);
  assert.equal(readFileSync(join(mine, 'notes.txt'), 'utf8'), 'keep me');
});

test('the same object and version defined twice, differently: a warning with file and line, the first one kept', () => {
  const second = file('second.xml', object(item('0')).replace('<Name>Test Object</Name>', '<Name>Other Name</Name>'));
  const r = cli(['generate', good, second, '--out', join(work, 'dup'), '--verbose']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /second\.xml:3: warning W_DUPLICATE_OBJECT: object 42000 version 1\.0 differs from the one in .*good\.xml, which is used/);
  assert.ok(existsSync(join(work, 'dup/objects/42000-test-object.js')));
});
