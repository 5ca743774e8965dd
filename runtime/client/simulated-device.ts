/**
 * Objects for a simulated device (the CLI's `client` command, demos, load tests): a
 * BasicDevice whose battery drains and memory moves, plus one instance of any other object
 * type with a valid value for each mandatory resource (within its range, length or enumeration).
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import { ObjectInstance } from '../genv1/object-instance.js';
import type { ResourceValue } from '../model/values.js';
import { BasicDevice } from './basic-device.js';
import type { InstanceConstructor } from './object-tree.js';

export interface SimulatedDeviceOptions {
  readonly manufacturer?: string;
  readonly modelNumber?: string;
  readonly serialNumber?: string;
  /** Further object types (generated), one instance 0 each with valid mandatory values. */
  readonly objectTypes?: readonly { readonly descriptor: ObjectDescriptor; readonly Instance?: InstanceConstructor }[];
}

/** A value of the resource's type that its constraint accepts. */
export function sampleValue(r: ResourceDescriptor): ResourceValue {
  const c = r.range?.parsed;
  switch (r.type) {
    case 'string':
      if (c?.kind === 'enum' && c.values[0] !== undefined) return c.values[0];
      return c?.kind === 'length' ? 'x'.repeat(Math.min(c.min, 64)) : '';
    case 'integer':
    case 'unsignedInteger':
    case 'float': {
      const i = c?.kind === 'range' ? c.intervals[0] : undefined;
      if (i === undefined) return 0;
      // 0 when allowed, else the lower bound.
      const min = Number(i.min);
      const max = Number(i.max);
      const v = min <= 0 && max >= 0 ? 0 : min;
      return r.type === 'float' ? v : Number.isSafeInteger(v) ? v : BigInt(i.min);
    }
    case 'boolean': return false;
    case 'opaque': return new Uint8Array(c?.kind === 'length' ? Math.min(c.min, 64) : 0);
    case 'time': return new Date(Math.floor(Date.now() / 1000) * 1000);
    case 'objlnk': return { objectId: 65535, instanceId: 65535 };
    case 'corelnk': return [];
    case 'none': throw new RangeError(`resource ${r.id} (${r.name}) is executable: it has no value`);
  }
}

/** Constructor values with every mandatory resource set (Execute ones to a no-op). */
export function sampleValues(d: ObjectDescriptor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of d.resources) {
    if (!r.mandatory) continue;
    if (r.operations === 'E') out[r.identifier] = () => {};
    else out[r.identifier] = r.multiple ? new Map([[0, sampleValue(r)]]) : sampleValue(r);
  }
  return out;
}

export function simulatedObjects(options: SimulatedDeviceOptions = {}): ObjectInstance[] {
  const started = Date.now();
  const device = new BasicDevice({
    manufacturer: options.manufacturer ?? 'lwm2m-sdk',
    modelNumber: options.modelNumber ?? 'simulated',
    serialNumber: options.serialNumber ?? 'SIM-0001',
    firmwareVersion: '1.0.0',
    // One percent less every minute, from 100 down to 0 and around again.
    batteryLevel: () => 100 - (Math.floor((Date.now() - started) / 60_000) % 101),
    memoryFree: () => 1024 + Math.floor(Math.random() * 256),
  });
  const out: ObjectInstance[] = [device];
  for (const t of options.objectTypes ?? []) {
    const d = t.descriptor;
    if (d.id <= 3) continue; // Security, Server, Access Control come from the servers; Device is above.
    out.push(t.Instance !== undefined ? new t.Instance(0, sampleValues(d) as never) : new ObjectInstance(d, 0, sampleValues(d)));
  }
  return out;
}
