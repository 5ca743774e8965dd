import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignIdentifiers, camelCase, kebabCase, pascalCase } from '../../codegen/names.js';

test('camelCase and pascalCase: words, acronyms, digits, accents, odd spaces', () => {
  assert.equal(camelCase('Short Server ID'), 'shortServerId');
  assert.equal(camelCase('SMS Binding Key Parameters'), 'smsBindingKeyParameters');
  assert.equal(camelCase('LwM2M Server URI'), 'lwm2mServerUri');
  assert.equal(camelCase('3D Fix'), '_3dFix');
  assert.equal(camelCase('Température\u00a0Max'), 'temperatureMax');
  assert.equal(camelCase('x-axis (g)'), 'xAxisG');
  assert.equal(camelCase('日本'), '');
  assert.equal(pascalCase('LWM2M Security'), 'LwM2MSecurity');
  assert.equal(pascalCase('LwM2M Server'), 'LwM2MServer');
  assert.equal(pascalCase('IPSO temperature'), 'IpsoTemperature');
  assert.equal(pascalCase('2G Cell'), '_2GCell');
  assert.equal(kebabCase('LwM2M Access Control'), 'lwm2m-access-control');
});

test('identifiers: the lowest ID keeps a shared name, reserved names and later ones get _<id>', () => {
  const items = [
    { id: 7, name: 'Value' },
    { id: 2, name: 'value' },
    { id: 3, name: 'Delete' },
    { id: 4, name: 'Read' },
    { id: 5, name: '' },
  ];
  const renamed: string[] = [];
  const ids = assignIdentifiers(items, (id) => `resource${id}`, (item, wanted) => renamed.push(`${item.id}:${wanted}`));
  assert.deepEqual(items.map((i) => ids.get(i)), ['value_7', 'value', 'delete_3', 'read_4', 'resource5']);
  assert.deepEqual(renamed.sort(), ['3:delete', '4:read', '7:value']);
  // Independent of input order.
  const again = assignIdentifiers([...items].reverse(), (id) => `resource${id}`);
  assert.deepEqual(items.map((i) => again.get(i)), items.map((i) => ids.get(i)));
});
