import type { DeviceSchema, FirmwareUpdateSchema } from '../../../registry/index.js';
import type { RemoteInstance } from '../../../runtime/genv1/index.js';

declare const dev: RemoteInstance<DeviceSchema>;
declare const fw: RemoteInstance<FirmwareUpdateSchema>;
export async function run(): Promise<void> {
  void dev;
  void fw;
  await dev.batteryLevel.execute();
}
