/** libcoap's coap-client (OpenSSL and GnuTLS builds) registering with our server over DTLS with a PSK. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { haveCommand, run } from '../dtls/helpers/processes.js';
import { closeAll, KEY_A, recordingLogger, securityStore, startServer } from './dtls-helpers.js';

after(closeAll);

for (const cmd of ['coap-client-openssl', 'coap-client-gnutls']) {
  const skip = !haveCommand(cmd) && `${cmd} not installed (scripts/setup.sh installs it)`;

  /** One request with coap-client; the response code from its verbose output. */
  async function coapClient(args: string[]): Promise<{ code: string; out: string }> {
    const r = await run(cmd, ['-B', '3', '-v', '6', ...args], 8000);
    const out = r.stdout + r.stderr;
    return { code: /v:1 t:\w+ c:(\d\.\d\d)/.exec(out)?.[1] ?? '', out };
  }

  test(`${cmd} registers with a PSK; as another endpoint it gets 4.03`, { skip }, async () => {
    const log = recordingLogger();
    const server = await startServer({ securityStore: securityStore(), dtls: { retransmit: { initialMs: 200 } }, logger: log });
    const uri = (ep: string): string => `coaps://127.0.0.1:${server.address().port}/rd?ep=${ep}&lt=60&lwm2m=1.1&b=U`;
    const psk = ['-u', 'id-a', '-k', KEY_A.toString()];

    const ok = await coapClient(['-m', 'post', ...psk, '-t', '40', '-e', '</1/0>,</3/0>', uri('dev-a')]);
    assert.equal(ok.code, '2.01', ok.out);
    const r = await server.store.byEndpoint('dev-a');
    assert.deepEqual(r?.identity, { type: 'psk', identity: 'id-a' });
    assert.deepEqual(r.objects.objects.map((o) => o.id), [1, 3]);

    const other = await coapClient(['-m', 'post', ...psk, '-t', '40', '-e', '</1/0>,</3/0>', uri('dev-b')]);
    assert.equal(other.code, '4.03', other.out);
    assert.equal(await server.store.byEndpoint('dev-b'), undefined);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.obj['code'] === 'E_REG_FORBIDDEN'));

    // A fresh session with the same identity may de-register what that identity registered.
    const del = await coapClient(['-m', 'delete', ...psk, `coaps://127.0.0.1:${server.address().port}/rd/${r.id}`]);
    assert.equal(del.code, '2.02', del.out);
    assert.equal(await server.store.size(), 0);
  });

  test(`${cmd} with a wrong key: no session, no registration`, { skip }, async () => {
    const log = recordingLogger();
    const server = await startServer({ securityStore: securityStore(), dtls: { retransmit: { initialMs: 200 } }, logger: log });
    const r = await coapClient(['-m', 'post', '-u', 'id-a', '-k', 'not-the-key', '-t', '40', '-e', '</1/0>', `coaps://127.0.0.1:${server.address().port}/rd?ep=dev-a`]);
    assert.equal(r.code, '', r.out);
    assert.equal(await server.store.size(), 0);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.obj['code'] === 'E_DTLS_BAD_RECORD_MAC'));
  });
}
