/** A resource identifier must never shadow a member of the classes generated code builds on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reservedMembers } from '../../codegen/names.js';
import { Device } from '../../registry/index.js';
import { ObjectInstance } from '../../runtime/genv1/object-instance.js';
import { remoteObject } from '../../runtime/server/remote-handles.js';
import type { RemoteClient } from '../../runtime/server/remote-client.js';

test('every member of ObjectInstance and of a remote instance handle is reserved', () => {
  const local = Object.getOwnPropertyNames(ObjectInstance.prototype);
  const instance = new Device.Instance(0, { errorCode: new Map(), supportedBindingAndModes: 'U', reboot: () => {} });
  const own = Object.keys(instance);
  const remote = Object.keys(remoteObject({} as RemoteClient, Device).instance(0));
  const remoteObjectKeys = Object.keys(remoteObject({} as RemoteClient, Device));
  for (const name of [...local, ...own, ...remote, ...remoteObjectKeys]) {
    assert.ok(reservedMembers.has(name), `"${name}" must be in codegen/names.ts reservedMembers`);
  }
});
