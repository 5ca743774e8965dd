import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Datagram } from '../../runtime/transport/datagram-transport.js';
import { UdpTransport } from '../../runtime/transport/udp.js';

test('UDP transport: port 0 resolves, datagrams both ways on IPv4 and IPv6, no identity on plain UDP', async () => {
  for (const address of ['127.0.0.1', '::1']) {
    const a = await UdpTransport.bind({ address });
    const b = await UdpTransport.bind({ address });
    assert.ok(a.address().port > 0);
    assert.equal(a.address().address, address);
    const got = new Promise<Datagram>((resolve) => b.onDatagram(resolve));
    await a.send(Uint8Array.of(1, 2, 3), b.address());
    const d = await got;
    assert.deepEqual([...d.data], [1, 2, 3]);
    assert.deepEqual(d.peer, a.address());
    assert.equal(d.identity, undefined);
    await a.close();
    await b.close();
  }
});

test('UDP transport: a taken port rejects at bind; send after close rejects; close twice is fine', async () => {
  const a = await UdpTransport.bind();
  await assert.rejects(UdpTransport.bind({ port: a.address().port }));
  await a.close();
  await a.close();
  await assert.rejects(a.send(Uint8Array.of(1), { address: '127.0.0.1', port: 9 }));
});
