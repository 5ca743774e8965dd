import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LwM2MServer } from '../../runtime/server/lwm2m-server.js';
import { parseRegisteredObjects } from '../../runtime/server/registered-objects.js';
import { parseRegisterParams, parseUpdateParams } from '../../runtime/server/registration-params.js';
import { ServerError } from '../../runtime/server/server-error.js';

const refused = (fn: () => unknown, code: string, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ServerError && e.code === code && pattern.test(e.message));

test('Register: defaults, versions, bindings and queue mode', () => {
  assert.deepEqual(parseRegisterParams(['ep=dev1']), { endpoint: 'dev1', lifetime: 86400, lwm2mVersion: '1.0', binding: 'U', queueMode: false });
  assert.deepEqual(parseRegisterParams(['ep=dev1', 'lt=300', 'lwm2m=1.1', 'b=UT', 'Q', 'sms=+123']), { endpoint: 'dev1', lifetime: 300, lwm2mVersion: '1.1', binding: 'UT', queueMode: true, sms: '+123' });
  assert.deepEqual(parseRegisterParams(['ep=old', 'lwm2m=1.0', 'b=UQ']), { endpoint: 'old', lifetime: 86400, lwm2mVersion: '1.0', binding: 'U', queueMode: true });
  assert.equal(parseRegisterParams(['ep=x', 'lwm2m=1.2', 'Q']).queueMode, true);
});

test('Register: what is refused, and how', () => {
  refused(() => parseRegisterParams(['lt=60']), 'E_REG_PARAM', /endpoint name \(ep\) is missing/);
  refused(() => parseRegisterParams(['ep=']), 'E_REG_PARAM', /ep\) is missing/);
  refused(() => parseRegisterParams(['ep=a', 'ep=b']), 'E_REG_PARAM', /ep is given twice/);
  refused(() => parseRegisterParams(['ep=a', 'lt=0']), 'E_REG_PARAM', /lt=0/);
  refused(() => parseRegisterParams(['ep=a', 'lt=-5']), 'E_REG_PARAM', /lt=-5/);
  refused(() => parseRegisterParams(['ep=a', 'lt=abc']), 'E_REG_PARAM', /lt=abc/);
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=1.1', 'b=UQ']), 'E_REG_PARAM', /Q is its own parameter/);
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=1.1', 'Q=1']), 'E_REG_PARAM', /Q takes no value/);
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=1.0', 'Q']), 'E_REG_PARAM', /1\.0 writes it in b/);
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=1.0', 'b=T']), 'E_REG_PARAM', /not a binding of LwM2M 1\.0/);
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=1.1', 'b=UU']), 'E_REG_PARAM', /b=UU/);
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=2.0']), 'E_REG_VERSION', /LwM2M 2\.0 is not supported/);
  assert.equal(new ServerError('E_REG_VERSION', '').coapCode, '4.12');
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=one']), 'E_REG_PARAM', /not a version/);
  refused(() => parseRegisterParams(['ep=a', 'lt']), 'E_REG_PARAM', /lt needs a value/);
});

test('Register: a server that accepts only some versions refuses the others with E_REG_VERSION (4.12)', () => {
  assert.equal(parseRegisterParams(['ep=a', 'lwm2m=1.0'], ['1.0']).lwm2mVersion, '1.0');
  refused(() => parseRegisterParams(['ep=a', 'lwm2m=1.1'], ['1.0']), 'E_REG_VERSION', /LwM2M 1\.1 is not supported \(1\.0\)/);
  // No lwm2m parameter means 1.0, which a 1.1-only server refuses too.
  refused(() => parseRegisterParams(['ep=a'], ['1.1']), 'E_REG_VERSION', /LwM2M 1\.0 is not supported/);
  assert.throws(() => new LwM2MServer({ lwm2mVersions: [] }), (e: unknown) => e instanceof ServerError && e.code === 'E_ARGUMENT');
  assert.throws(() => new LwM2MServer({ lwm2mVersions: ['2.0' as '1.0'] }), (e: unknown) => e instanceof ServerError && e.code === 'E_ARGUMENT');
});

test('Update: only what changed; ep and lwm2m cannot change', () => {
  assert.deepEqual(parseUpdateParams([], '1.1'), {});
  assert.deepEqual(parseUpdateParams(['lt=60'], '1.1'), { lifetime: 60 });
  assert.deepEqual(parseUpdateParams(['b=U'], '1.1'), { binding: 'U', queueMode: false });
  assert.deepEqual(parseUpdateParams(['Q'], '1.1'), { queueMode: true });
  refused(() => parseUpdateParams(['ep=x'], '1.1'), 'E_REG_PARAM', /ep cannot change/);
});

test('object links: versions quoted or not, defaults per LwM2M version, instances', () => {
  const r11 = parseRegisteredObjects('</>;rt="oma.lwm2m";ct=110,</1/0>,</3/0>,</3303>;ver=1.1,</3303/1>,</3303/0>,</5>', '1.1');
  assert.equal(r11.rootPath, '/');
  assert.deepEqual(r11.contentFormats, [110]);
  assert.deepEqual(r11.objects, [
    { id: 1, version: '1.1', instances: [0] },
    { id: 3, version: '1.1', instances: [0] },
    { id: 5, version: '1.0', instances: [] },
    { id: 3303, version: '1.1', instances: [0, 1] },
  ]);
  const r10 = parseRegisteredObjects('</1/0>,</3/0>,</4>;ver="1.2"', '1.0');
  assert.deepEqual(r10.objects.map((o) => `${o.id}@${o.version}`), ['1@1.0', '3@1.0', '4@1.2']);
  assert.deepEqual(parseRegisteredObjects('', '1.1').objects, []);
  assert.equal(parseRegisteredObjects('</3>;ver=1.10', '1.1').objects[0]!.version, '1.10');
});

test('object links: identical payloads share one frozen parse; another LwM2M version gets its own', () => {
  const a = parseRegisteredObjects('</1/0>,</3/0>,</3303/2>', '1.1');
  const b = parseRegisteredObjects('</1/0>,</3/0>,</3303/2>', '1.1');
  assert.equal(a, b);
  const c = parseRegisteredObjects('</1/0>,</3/0>,</3303/2>', '1.0');
  assert.notEqual(a, c);
  assert.equal(a.objects.find((o) => o.id === 3)?.version, '1.1');
  assert.equal(c.objects.find((o) => o.id === 3)?.version, '1.0');
  // Shared, so nobody may change it: every level is frozen.
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.objects) && Object.isFrozen(a.contentFormats));
  assert.ok(a.objects.every((o) => Object.isFrozen(o) && Object.isFrozen(o.instances)));
  assert.throws(() => (a.objects as unknown as unknown[]).push({}), TypeError);
  // A refused payload is refused every time (refusals are not cached).
  for (let i = 0; i < 2; i++) refused(() => parseRegisteredObjects('</lwm2m>;rt="oma.lwm2m",</3/0>', '1.1'), 'E_REG_PAYLOAD', /outside the alternate path/);
});

test('object links: an alternate path, and what is refused', () => {
  const alt = parseRegisteredObjects('</lwm2m>;rt="oma.lwm2m";ct="60 112",</lwm2m/3/0>,</lwm2m/1/0>', '1.1');
  assert.equal(alt.rootPath, '/lwm2m');
  assert.deepEqual(alt.contentFormats, [60, 112]);
  assert.deepEqual(alt.objects.map((o) => o.id), [1, 3]);
  refused(() => parseRegisteredObjects('</lwm2m>;rt="oma.lwm2m",</3/0>', '1.1'), 'E_REG_PAYLOAD', /outside the alternate path/);
  refused(() => parseRegisteredObjects('</3/0/1>', '1.1'), 'E_REG_PAYLOAD', /not an object or object instance link/);
  refused(() => parseRegisteredObjects('</3/65535>', '1.1'), 'E_REG_PAYLOAD', /not an object or object instance/);
  refused(() => parseRegisteredObjects('</3/0', '1.1'), 'E_REG_PAYLOAD', /do not parse/);
  refused(() => parseRegisteredObjects('</3>;ver=abc', '1.1'), 'E_REG_PAYLOAD', /ver=abc is not a version/);
});
