/** Device management driven by libcoap's coap-client-notls, a peer that shares no code with ours. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decode } from '../../runtime/codec/codec.js';
import { ContentFormat as F } from '../../runtime/codec/content-format.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { Device } from '../../registry/index.js';
import type { LwM2MClient } from '../../runtime/client/index.js';
import { cleanup, client, device, FakeServer } from './helpers.js';
import { TestObject, testDescriptor } from './fixtures.js';

const CLIENT = 'coap-client-notls';
const have = await new Promise<boolean>((r) => execFile('sh', ['-c', `command -v ${CLIENT}`], (err) => r(err === null)));
const opts = { resolve: objectResolver([Device.descriptor, testDescriptor]) };
let c: LwM2MClient;
let base = '';
const calls: (string | undefined)[] = [];

before(async () => {
  if (!have) return;
  // The registered server never answers DM here: coap-client comes from its own port.
  const server = await FakeServer.start();
  c = client({
    endpoint: 'libcoap', lwm2mVersion: '1.1', acceptUnknownPeers: true,
    objects: [device(), new TestObject.Instance(0, { value: 21.5, name: 'probe', levels: new Map([[0, 10]]), reset: (a) => { calls.push(a); } })],
    servers: [{ uri: server.uri, shortServerId: 1 }],
  });
  await c.start();
  await c.next('registered');
  base = `coap://127.0.0.1:${c.address().port}`;
});
after(async () => {
  await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const dir = mkdtempSync(join(tmpdir(), 'lwm2m-client-libcoap-'));
let n = 0;

/**
 * Runs coap-client-notls, bounded by -B and a kill timer. The payload is written to a file
 * (-o) so binary bodies arrive exact; an error response is printed as "4.04 ..." on stderr.
 */
function coap(args: string[]): Promise<Buffer> {
  const out = join(dir, `body-${n++}`);
  return new Promise((resolve, reject) => {
    execFile(CLIENT, ['-B', '3', '-o', out, ...args], { timeout: 6000, encoding: 'buffer' }, (err, _stdout, stderr) => {
      const text = stderr.toString('utf8');
      const code = /^[45]\.[0-9]{2}/m.exec(text);
      if (code !== null) resolve(Buffer.from(code[0]));
      else if (err !== null) reject(err);
      else resolve(existsSync(out) ? readFileSync(out) : Buffer.alloc(0));
    });
  });
}
const str = async (args: string[]): Promise<string> => (await coap(args)).toString('utf8');

const skip = have ? false : `${CLIENT} is not installed (scripts/setup.sh)`;

test('Read: text, TLV, SenML JSON, SenML CBOR, LwM2M JSON', { skip }, async () => {
  assert.equal(await str(['-m', 'get', `${base}/3/0/0`]), 'Acme');
  const tlv = await coap(['-m', 'get', '-A', '11542', `${base}/33000/0`]);
  const inst = decode(F.TLV, parsePath('/33000/0'), tlv, opts);
  assert.equal(inst.kind, 'instance');
  const json = JSON.parse(await str(['-m', 'get', '-A', '110', `${base}/33000/0`])) as { n?: string; bn?: string; v?: number; vs?: string }[];
  assert.equal(json[0]?.bn, '/33000/0/');
  assert.deepEqual(json.map((r) => r.n), ['0', '1', '2/0']);
  for (const f of [F.SENML_CBOR, F.LWM2M_JSON]) {
    assert.deepEqual(decode(f, parsePath('/33000/0'), await coap(['-m', 'get', '-A', String(f), `${base}/33000/0`]), opts), inst, `format ${f}`);
  }
  assert.match(await str(['-m', 'get', '-A', '0', `${base}/33000/0`]), /^4\.06/);
  assert.match(await str(['-m', 'get', `${base}/3/0/99`]), /^4\.04/);
  assert.match(await str(['-m', 'get', `${base}/3/0/4`]), /^4\.05/);
  assert.match(await str(['-m', 'get', `${base}/0/0/0`]), /^4\.04/);
});

test('Discover and Write-Attributes', { skip }, async () => {
  assert.equal(await str(['-m', 'put', `${base}/33000/0/0?pmin=5&pmax=50&st=1`]), '');
  assert.equal(await str(['-m', 'get', '-A', '40', `${base}/33000/0`]), '</33000/0>,</33000/0/0>;pmin=5;pmax=50;st=1,</33000/0/1>,</33000/0/2>;dim=1,</33000/0/3>');
  assert.match(await str(['-m', 'put', `${base}/33000/0/0?pmin=60`]), /^4\.00/);
});

test('Write, Execute, Create, Delete', { skip }, async () => {
  assert.equal(await str(['-m', 'put', '-t', '0', '-e', 'renamed', `${base}/33000/0/1`]), '');
  assert.equal(await str(['-m', 'get', `${base}/33000/0/1`]), 'renamed');
  assert.equal(await str(['-m', 'post', '-t', '110', '-e', '[{"n":"/33000/0/2/4","v":44}]', `${base}/33000/0/2`]), '');
  assert.equal(await str(['-m', 'get', `${base}/33000/0/2/4`]), '44');
  assert.match(await str(['-m', 'put', '-t', '0', '-e', 'x', `${base}/33000/0/0`]), /^4\.05/);
  assert.match(await str(['-m', 'put', '-t', '0', '-e', '12345678901', `${base}/33000/0/1`]), /^4\.00/);
  assert.match(await str(['-m', 'put', '-t', '50', '-e', '{}', `${base}/33000/0/1`]), /^4\.15/);

  assert.equal(await str(['-m', 'post', '-t', '0', '-e', "1='now'", `${base}/33000/0/3`]), '');
  assert.deepEqual(calls, ["1='now'"]);
  assert.match(await str(['-m', 'post', '-t', '0', '-e', 'bad args', `${base}/33000/0/3`]), /^4\.00/);

  assert.equal(await str(['-m', 'post', '-t', '110', '-e', '[{"bn":"/33000/7/","n":"0","v":1.5},{"n":"1","vs":"made"}]', `${base}/33000`]), '');
  assert.equal(await str(['-m', 'get', `${base}/33000/7/1`]), 'made');
  assert.equal(await str(['-m', 'delete', `${base}/33000/7`]), '');
  assert.match(await str(['-m', 'get', `${base}/33000/7`]), /^4\.04/);
  assert.match(await str(['-m', 'delete', `${base}/3/0`]), /^4\.05/);
});

test('Read-Composite (FETCH) and Write-Composite (iPATCH)', { skip }, async () => {
  const out = JSON.parse(await str(['-m', 'fetch', '-t', '110', '-A', '110', '-e', '[{"n":"/3/0/0"},{"n":"/33000/0/0"}]', `${base}/`])) as { n?: string; bn?: string; v?: number; vs?: string }[];
  assert.deepEqual(out.map((r) => r.v ?? r.vs), ['Acme', 21.5]);
  assert.equal(await str(['-m', 'ipatch', '-t', '110', '-e', '[{"n":"/33000/0/1","vs":"patched"},{"n":"/3/0/15","vs":"Europe/Paris"}]', `${base}/`]), '');
  assert.equal(await str(['-m', 'get', `${base}/33000/0/1`]), 'patched');
  assert.equal(await str(['-m', 'get', `${base}/3/0/15`]), 'Europe/Paris');
  assert.match(await str(['-m', 'ipatch', '-t', '110', '-e', '[{"n":"/3/0/0","vs":"x"}]', `${base}/`]), /^4\.05/);
});
