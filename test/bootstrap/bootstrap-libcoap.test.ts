/**
 * libcoap's coap-client-notls as the bootstrap server, a peer that shares no code with ours:
 * bound (-p) to the port of the client's bootstrap account, it starts a bootstrap the client
 * did not ask for: Discover, Delete, Write (TLV), Read (SenML JSON), Finish; the client then
 * leaves server A for server B.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { coreRegistry, Device } from '../../registry/index.js';
import { encode } from '../../runtime/codec/codec.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { BasicDevice, LwM2MClient } from '../../runtime/client/index.js';
import { instanceNode, resourceNode } from '../../runtime/model/node.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { LwM2MServer } from '../../runtime/server/index.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

const CLIENT = 'coap-client-notls';
const have = await new Promise<boolean>((r) => execFile('sh', ['-c', `command -v ${CLIENT}`], (err) => r(err === null)));
const skip = have ? false : `${CLIENT} is not installed (scripts/setup.sh)`;
const resolve = objectResolver(coreRegistry);

test('coap-client as a server-initiated bootstrap server: Discover, Delete, Write, Read, Finish', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bs-libcoap-'));
  let n = 0;
  const t = await UdpTransport.bind({ port: 0 });
  const bsPort = t.address().port;
  await t.close();
  /** One coap-client run from the bootstrap server's port; an error code comes back as "4.xx". */
  const coap = (args: string[]): Promise<string> => {
    const out = join(dir, `body-${n++}`);
    return new Promise((res, rej) => {
      execFile(CLIENT, ['-B', '3', '-p', String(bsPort), '-o', out, ...args], { timeout: 6000, encoding: 'buffer' }, (err, _o, stderr) => {
        const code = /^[45]\.[0-9]{2}/m.exec(stderr.toString('utf8'));
        if (code !== null) res(code[0]);
        else if (err !== null) rej(err);
        else res(existsSync(out) ? readFileSync(out, 'utf8') : '');
      });
    });
  };
  const file = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const [dmA, dmB] = [new LwM2MServer({ port: 0 }), new LwM2MServer({ port: 0 })];
  await Promise.all([dmA.start(), dmB.start()]);
  const client = new LwM2MClient({
    endpoint: 'libcoap-bs', objects: [new BasicDevice({ manufacturer: 'Interop' })],
    servers: [{ uri: `coap://127.0.0.1:${dmA.address().port}`, shortServerId: 1 }], bootstrap: { uri: `coap://127.0.0.1:${bsPort}` },
  });
  try {
    const onA = once(dmA, 'registered');
    await client.start();
    await onA;
    const base = `coap://127.0.0.1:${client.address().port}`;
    const links = await coap(['-m', 'get', '-A', '40', `${base}/`]);
    assert.match(links, /^<\/>;lwm2m=1\.1,/);
    assert.match(links, new RegExp(`</0/0>;ssid=1;uri="coap://127\\.0\\.0\\.1:${dmA.address().port}"`));
    assert.match(links, new RegExp(`</0/1>;uri="coap://127\\.0\\.0\\.1:${bsPort}"`));
    assert.equal(await coap(['-m', 'delete', `${base}/0`]), '');
    assert.equal(await coap(['-m', 'delete', `${base}/1`]), '');
    const sec = instanceNode(3, [resourceNode(0, `coap://127.0.0.1:${dmB.address().port}`), resourceNode(1, false), resourceNode(2, 3), resourceNode(3, new Uint8Array()), resourceNode(4, new Uint8Array()), resourceNode(5, new Uint8Array()), resourceNode(10, 2)]);
    const srv = instanceNode(3, [resourceNode(0, 2), resourceNode(1, 75), resourceNode(6, false), resourceNode(7, 'U')]);
    assert.equal(await coap(['-m', 'put', '-t', '11542', '-f', file('sec.tlv', encode(ContentFormat.TLV, parsePath('/0/3'), sec, { resolve })), `${base}/0/3`]), '');
    assert.equal(await coap(['-m', 'put', '-t', '11542', '-f', file('srv.tlv', encode(ContentFormat.TLV, parsePath('/1/3'), srv, { resolve })), `${base}/1/3`]), '');
    const read = JSON.parse(await coap(['-m', 'get', '-A', '110', `${base}/1/3`])) as { bn?: string; n: string; v?: number; vs?: string }[];
    assert.equal(read[0]?.bn, '/1/3/');
    assert.deepEqual(read.filter((r) => r.n === '1').map((r) => r.v), [75]);
    assert.equal(await coap(['-m', 'get', `${base}/3/0`]), '4.01', 'Bootstrap-Read of the Device object');
    assert.equal(client.status()[0]?.shortServerId, 1, 'nothing applied yet');
    const onB = once(dmB, 'registered');
    const leftA = once(dmA, 'deregistered');
    assert.equal(await coap(['-m', 'post', `${base}/bs`]), '');
    const [[reg]] = await Promise.all([onB, leftA]);
    assert.equal(reg.lifetime, 75);
    assert.equal(await dmB.client('libcoap-bs').object(Device).instance(0).manufacturer.read(), 'Interop');
  } finally {
    await client.stop();
    await Promise.all([dmA.stop(), dmB.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
