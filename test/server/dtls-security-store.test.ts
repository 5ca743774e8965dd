/** The security store and the identity checks behind 4.03: no network. */
import assert from 'node:assert/strict';
import { ECDH, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { commonNameOf, describeIdentity, identityBelongsTo, sameIdentity } from '../../runtime/server/endpoint-identity.js';
import { checkRegister, checkSameClient } from '../../runtime/server/registration-access.js';
import { MemorySecurityStore, ServerError } from '../../runtime/server/index.js';
import type { Registration } from '../../runtime/server/index.js';

const key = new Uint8Array(16).fill(7);
const spki = (): Uint8Array => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));
const spkiA = spki();
const spkiB = spki();

/** The same P-256 key as SPKI with a compressed point (33 bytes instead of 65). */
function compressed(uncompressedSpki: Uint8Array): Uint8Array {
  const point = ECDH.convertKey(Buffer.from(uncompressedSpki.subarray(26)), 'prime256v1', undefined, undefined, 'compressed') as Buffer;
  return Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), point]);
}

function store(): MemorySecurityStore {
  return new MemorySecurityStore([
    { endpoint: 'dev-psk', credentials: { mode: 'psk', identity: 'id-1', key } },
    { endpoint: 'dev-rpk', credentials: { mode: 'rpk', publicKey: spkiA } },
    { endpoint: 'urn:dev:1', credentials: { mode: 'x509' } },
    { endpoint: 'dev-x509-cn', credentials: { mode: 'x509', commonName: 'other-cn' } },
    { endpoint: 'dev-open', allowNoSec: true },
  ]);
}

const forbidden = (e: unknown): boolean => e instanceof ServerError && e.code === 'E_REG_FORBIDDEN' && e.coapCode === '4.03';

test('lookups by PSK identity, public key and certificate CN find the endpoint', async () => {
  const s = store();
  assert.equal((await s.byPskIdentity('id-1'))?.endpoint, 'dev-psk');
  assert.equal(await s.byPskIdentity('id-2'), undefined);
  assert.equal((await s.byPublicKey(new Uint8Array(spkiA)))?.endpoint, 'dev-rpk');
  assert.equal((await s.byPublicKey(compressed(spkiA)))?.endpoint, 'dev-rpk', 'the same key with a compressed point');
  assert.equal(await s.byPublicKey(Uint8Array.of(1, 2, 3)), undefined);
  assert.equal(await s.byPublicKey(spkiB), undefined);
  assert.equal((await s.byCommonName('urn:dev:1'))?.endpoint, 'urn:dev:1', 'the CN defaults to the endpoint name');
  assert.equal((await s.byCommonName('other-cn'))?.endpoint, 'dev-x509-cn');
  assert.equal(await s.byCommonName('dev-x509-cn'), undefined);
  assert.equal((await s.get('dev-open'))?.allowNoSec, true);
  assert.equal((await s.get('dev-psk'))?.allowNoSec, false);
  assert.equal((await s.all()).length, 5);
});

test('credentials belong to one endpoint only; replacing an entry frees the old ones; remove', async () => {
  const s = store();
  await assert.rejects(s.set({ endpoint: 'thief', credentials: { mode: 'psk', identity: 'id-1', key } }), (e: unknown) => e instanceof ServerError && e.code === 'E_ARGUMENT');
  await assert.rejects(s.set({ endpoint: 'thief', credentials: { mode: 'rpk', publicKey: compressed(spkiA) } }), /already belong to endpoint dev-rpk/);
  await s.set({ endpoint: 'dev-psk', credentials: { mode: 'psk', identity: 'id-9', key } });
  assert.equal(await s.byPskIdentity('id-1'), undefined);
  assert.equal((await s.byPskIdentity('id-9'))?.endpoint, 'dev-psk');
  assert.equal((await s.remove('dev-psk'))?.endpoint, 'dev-psk');
  assert.equal(await s.byPskIdentity('id-9'), undefined);
  assert.equal(await s.remove('dev-psk'), undefined);
});

test('the store keeps copies: changing the caller\'s buffers changes nothing', async () => {
  const k = new Uint8Array(16).fill(1);
  const s = new MemorySecurityStore([{ endpoint: 'e', credentials: { mode: 'psk', identity: 'i', key: k } }]);
  k.fill(2);
  const c = (await s.byPskIdentity('i'))?.credentials;
  assert.ok(c?.mode === 'psk');
  assert.equal(c.key[0], 1);
});

test('invalid entries are refused', () => {
  assert.throws(() => new MemorySecurityStore([{ endpoint: '' }]), /endpoint name/);
  assert.throws(() => new MemorySecurityStore([{ endpoint: 'e', credentials: { mode: 'psk', identity: '', key } }]), /identity and a key/);
  assert.throws(() => new MemorySecurityStore([{ endpoint: 'e', credentials: { mode: 'psk', identity: 'i', key: new Uint8Array(0) } }]), /identity and a key/);
  assert.throws(() => new MemorySecurityStore([{ endpoint: 'e', credentials: { mode: 'rpk', publicKey: new Uint8Array(0) } }]), /public key/);
  assert.throws(() => new MemorySecurityStore([{ endpoint: 'e', credentials: { mode: 'rpk', publicKey: Buffer.from('-----BEGIN PUBLIC KEY-----') } }]), /not an EC key as SPKI DER/);
});

test('commonNameOf reads node:crypto subjects; none or several CNs give undefined', () => {
  assert.equal(commonNameOf('CN=dev1'), 'dev1');
  assert.equal(commonNameOf('C=FR\nO=Acme\nCN=urn:dev:1'), 'urn:dev:1');
  assert.equal(commonNameOf('O=Acme'), undefined);
  assert.equal(commonNameOf('CN=a\nCN=b'), undefined);
});

test('identityBelongsTo: the mode and the credential must both match', async () => {
  const s = store();
  const psk = (await s.get('dev-psk'))!;
  assert.equal(identityBelongsTo(psk, { type: 'psk', identity: 'id-1' }), true);
  assert.equal(identityBelongsTo(psk, { type: 'psk', identity: 'id-2' }), false);
  assert.equal(identityBelongsTo(psk, { type: 'rpk', publicKey: spkiA }), false);
  const rpk = (await s.get('dev-rpk'))!;
  assert.equal(identityBelongsTo(rpk, { type: 'rpk', publicKey: spkiA }), true);
  assert.equal(identityBelongsTo(rpk, { type: 'rpk', publicKey: spkiB }), false);
  assert.equal(identityBelongsTo(rpk, { type: 'rpk', publicKey: compressed(spkiA) }), true);
  const x509 = (await s.get('urn:dev:1'))!;
  assert.equal(identityBelongsTo(x509, { type: 'x509', subject: 'O=Acme\nCN=urn:dev:1', certificate: new Uint8Array(1) }), true);
  assert.equal(identityBelongsTo(x509, { type: 'x509', subject: 'CN=urn:dev:2', certificate: new Uint8Array(1) }), false);
  assert.equal(identityBelongsTo((await s.get('dev-open'))!, { type: 'psk', identity: 'id-1' }), false, 'an entry without credentials matches no identity');
});

test('checkRegister: NoSec only where allowed, DTLS only with the endpoint\'s own identity, nothing checked without a store', async () => {
  const s = store();
  await checkRegister('dev-open', undefined, s);
  await assert.rejects(checkRegister('dev-psk', undefined, s), forbidden);
  await assert.rejects(checkRegister('unknown', undefined, s), forbidden, 'NoSec is never the default');
  await checkRegister('dev-psk', { type: 'psk', identity: 'id-1' }, s);
  await assert.rejects(checkRegister('dev-rpk', { type: 'psk', identity: 'id-1' }, s), forbidden);
  await assert.rejects(checkRegister('unknown', { type: 'psk', identity: 'id-1' }, s), forbidden);
  await checkRegister('anything', undefined, undefined);
  await checkRegister('anything', { type: 'psk', identity: 'x' }, undefined);
});

test('checkSameClient and sameIdentity: the registering identity only', () => {
  const reg = { id: 'r1', identity: { type: 'psk', identity: 'id-1' } } as unknown as Registration;
  checkSameClient(reg, { type: 'psk', identity: 'id-1' });
  assert.throws(() => checkSameClient(reg, { type: 'psk', identity: 'id-2' }), forbidden);
  assert.throws(() => checkSameClient(reg, undefined), forbidden, 'plain CoAP cannot touch a DTLS registration');
  const plain = { id: 'r2' } as unknown as Registration;
  checkSameClient(plain, undefined);
  assert.throws(() => checkSameClient(plain, { type: 'psk', identity: 'id-1' }), forbidden);
  assert.equal(sameIdentity({ type: 'x509', subject: 'CN=a', certificate: Uint8Array.of(1) }, { type: 'x509', subject: 'CN=a', certificate: Uint8Array.of(2) }), true, 'a renewed certificate of the same subject');
  assert.equal(sameIdentity({ type: 'rpk', publicKey: spkiA }, { type: 'rpk', publicKey: spkiB }), false);
  assert.equal(describeIdentity({ type: 'psk', identity: 'id-1' }), 'psk:id-1');
  assert.match(describeIdentity({ type: 'rpk', publicKey: spkiA }), /^rpk:sha256:[0-9a-f]{16}$/);
  assert.equal(describeIdentity(undefined), 'nosec');
});
