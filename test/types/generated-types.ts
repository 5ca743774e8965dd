/**
 * Type tests over the generated core objects: what must compile, and (with @ts-expect-error)
 * what must not. `npm run typecheck` fails if an expected error disappears.
 * test/types/fail/ holds the same refusals one per file, checked for their exact diagnostic.
 */
import { Device, LwM2MServer, Location, type DeviceSchema } from '../../registry/index.js';
import type { InstanceValues, RemoteInstance, RemoteObject } from '../../runtime/genv1/index.js';
import type { LwM2MServer as Server } from '../../runtime/server/index.js';

declare const dev: RemoteInstance<DeviceSchema>;
declare function objectOf<S>(type: { readonly schema?: S }): RemoteObject<S>;

export async function serverSide(): Promise<void> {
  const level: number = await dev.batteryLevel.read();
  const maker: string = await dev.manufacturer.read();
  const errors: ReadonlyMap<number, number> = await dev.errorCode.read();
  const time: Date = await dev.currentTime.read();
  await dev.currentTime.write(new Date());
  await dev.reboot.execute();
  await dev.batteryLevel.observe({ pmin: 10, pmax: 60, gt: 80, lt: 20, st: 5 }, (v: number) => void v);
  await dev.manufacturer.observe({ pmin: 1 }, (v: string) => void v);
  await dev.manufacturer.writeAttributes({ pmax: 300 });
  for await (const v of dev.batteryLevel.observeValues({ pmin: 10, gt: 80 })) {
    const n: number = v;
    void n;
    break;
  }
  void [level, maker, errors, time];

  // @ts-expect-error Manufacturer is read-only
  await dev.manufacturer.write('x');
  // @ts-expect-error gt belongs to numeric resources only
  await dev.manufacturer.observe({ gt: 1 }, () => {});
  // @ts-expect-error st belongs to numeric resources only
  await dev.manufacturer.writeAttributes({ st: 1 });
  // @ts-expect-error gt belongs to numeric resources only, for iterators too
  dev.manufacturer.observeValues({ gt: 1 });
  // @ts-expect-error Reboot is an Execute resource: nothing to observe
  dev.reboot.observeValues();
  for await (const v of dev.manufacturer.observeValues()) {
    // @ts-expect-error Manufacturer's values are strings
    const n: number = v;
    void n;
  }
  // @ts-expect-error Reboot is an Execute resource: it cannot be read
  await dev.reboot.read();
  // @ts-expect-error Battery Level is not an Execute resource
  await dev.batteryLevel.execute();
  // @ts-expect-error Battery Level holds a number
  const wrong: string = await dev.batteryLevel.read();
  void wrong;
  // @ts-expect-error Current Time takes a Date
  await dev.currentTime.write(1234);
  // @ts-expect-error no such resource
  void dev.batteryLevelx;

  // The object type carries its schema: the server API infers handles from it.
  const server = objectOf(LwM2MServer).instance(0);
  const lifetime: number = await server.lifetime.read();
  await server.lifetime.write(3600);
  await server.registrationUpdateTrigger.execute();
  void lifetime;
  // @ts-expect-error Short Server ID is read-only on the Server object
  await server.shortServerId.write(5);
  const location = objectOf(Location).instance(0);
  const lat: number = await location.latitude.read();
  void lat;
}

/** The same through the real server API, as DESIGN.md shows it. */
export async function throughTheServer(server: Server): Promise<void> {
  const dev = server.client('urn:dev:1').object(Device).instance(0);
  const level: number = await dev.batteryLevel.read();
  await dev.reboot.execute();
  await dev.batteryLevel.observe({ pmin: 10, gt: 80 }, (v: number) => void v);
  void level;
  // @ts-expect-error Manufacturer is read-only
  await dev.manufacturer.write('x');
  // @ts-expect-error gt/lt/st belong to numeric resources
  await dev.manufacturer.observe({ gt: 1 }, () => {});
}

export function clientSide(): void {
  const device = new Device.Instance(0, {
    manufacturer: 'Acme',
    batteryLevel: () => 57,
    errorCode: new Map([[0, 0]]),
    supportedBindingAndModes: 'UQ',
    reboot: async () => {},
  });
  device.batteryLevel.set(58);
  void device.reboot.execute();

  // @ts-expect-error mandatory resources (reboot, errorCode, supportedBindingAndModes) are missing
  new Device.Instance(0, { manufacturer: 'Acme' });
  const values: InstanceValues<DeviceSchema> = {
    errorCode: new Map(),
    supportedBindingAndModes: 'U',
    reboot: () => {},
    // @ts-expect-error Battery Level holds a number, not a string
    batteryLevel: '57',
  };
  void values;
  // @ts-expect-error a multiple resource holds a Map
  device.errorCode.set(0);
  // @ts-expect-error an Execute resource has no value to set
  device.reboot.set(1);
}
