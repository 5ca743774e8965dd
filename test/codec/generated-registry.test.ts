// The codecs driven by the generator's descriptors of the core objects (registry/gen),
// not only by the hand-written test fixtures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coreRegistry } from '../../registry/index.js';
import { decode, encode } from '../../runtime/codec/codec.js';
import { ContentFormat } from '../../runtime/codec/content-format.js';
import { objectResolver } from '../../runtime/model/object-resolver.js';
import { parsePath } from '../../runtime/model/path.js';
import { accessControlTlv, deviceInstance, deviceTlv } from './fixtures/device-example.js';

test('spec TLV examples decode and re-encode with the generated Device and Access Control descriptors', () => {
  const opts = { resolve: objectResolver(coreRegistry) };
  assert.deepEqual(decode(ContentFormat.TLV, parsePath('/3/0'), deviceTlv, opts), deviceInstance);
  assert.deepEqual(encode(ContentFormat.TLV, parsePath('/3/0'), deviceInstance, opts), deviceTlv);
  const acl = decode(ContentFormat.TLV, parsePath('/2'), accessControlTlv, opts);
  assert.deepEqual(encode(ContentFormat.TLV, parsePath('/2'), acl, opts), accessControlTlv);
});

test('the Device instance round-trips in every multi-value format for each generated Device version', () => {
  for (const version of coreRegistry.versions(3)) {
    const opts = { resolve: objectResolver(coreRegistry, new Map([[3, version]])) };
    for (const f of [ContentFormat.TLV, ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.LWM2M_JSON, ContentFormat.LWM2M_CBOR]) {
      const p = parsePath('/3/0');
      assert.deepEqual(decode(f, p, encode(f, p, deviceInstance, opts), opts), deviceInstance, `Device ${version}, format ${f}`);
    }
  }
});
