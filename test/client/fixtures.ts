/** A test object (non-core id 33000) with every shape the device-management tests need. */
import type { ObjectDescriptor } from '../../registry/descriptor.js';
import { defineObject } from '../../runtime/genv1/define-object.js';
import type { Res } from '../../runtime/genv1/schema.js';

export const testDescriptor: ObjectDescriptor = {
  id: 33000, version: '1.1', lwm2mVersion: '1.1', urn: 'urn:oma:lwm2m:x:33000:1.1', name: 'Test', multiple: true, mandatory: false,
  resources: [
    { id: 0, name: 'Value', identifier: 'value', operations: 'R', multiple: false, mandatory: true, type: 'float', range: { raw: '-40..125', parsed: { kind: 'range', intervals: [{ min: '-40', max: '125' }] } } },
    { id: 1, name: 'Name', identifier: 'name', operations: 'RW', multiple: false, mandatory: false, type: 'string', range: { raw: '0..10', parsed: { kind: 'length', min: 0, max: 10 } } },
    { id: 2, name: 'Levels', identifier: 'levels', operations: 'RW', multiple: true, mandatory: false, type: 'integer', range: { raw: '0..100', parsed: { kind: 'range', intervals: [{ min: '0', max: '100' }] } } },
    { id: 3, name: 'Reset', identifier: 'reset', operations: 'E', multiple: false, mandatory: false, type: 'none' },
    { id: 4, name: 'Blob', identifier: 'blob', operations: 'R', multiple: false, mandatory: false, type: 'opaque' },
    { id: 5, name: 'Count', identifier: 'count', operations: 'RW', multiple: false, mandatory: false, type: 'integer', range: { raw: '0..10', parsed: { kind: 'range', intervals: [{ min: '0', max: '10' }] } } },
    { id: 6, name: 'Secret', identifier: 'secret', operations: 'W', multiple: false, mandatory: false, type: 'string' },
    { id: 7, name: 'Data', identifier: 'data', operations: 'RW', multiple: false, mandatory: false, type: 'opaque' },
  ],
};

export interface TestSchema {
  readonly value: Res<number, 'R', true>;
  readonly name: Res<string, 'RW'>;
  readonly levels: Res<number, 'RW', false, true>;
  readonly reset: Res<void, 'E'>;
  readonly blob: Res<Uint8Array, 'R'>;
  readonly count: Res<number, 'RW'>;
  readonly secret: Res<string, 'W'>;
  readonly data: Res<Uint8Array, 'RW'>;
}

export const TestObject = defineObject<TestSchema>(testDescriptor);
