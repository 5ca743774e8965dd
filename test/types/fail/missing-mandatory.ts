import { Device } from '../../../registry/index.js';

export const device = new Device.Instance(0, { manufacturer: 'Acme', reboot: () => {} });
