/**
 * A ready Device (/3/0, newest version) that applications extend: a clock that a server may
 * set (Current Time keeps ticking from the written value), an Error Code list with
 * "no error", Reset Error Code, and a Reboot that does nothing unless given (Factory Reset only when given).
 */
import { Device } from '../../registry/index.js';
import type { DeviceSchema } from '../../registry/index.js';
import type { ExecuteHandler, InstanceValues } from '../genv1/local.js';
import type { StoredResourceValue } from '../genv1/object-instance.js';

/** Everything of Device's constructor values is optional here; the basics fill in the mandatory ones. */
export type BasicDeviceValues = Partial<InstanceValues<DeviceSchema>>;

const CURRENT_TIME = 13;
const ERROR_CODE = 11;

export class BasicDevice extends Device.Instance {
  /** Milliseconds added to the system clock since a server wrote Current Time. */
  #offsetMs = 0;

  constructor(values: BasicDeviceValues = {}) {
    let self: BasicDevice | undefined;
    const noop: ExecuteHandler = () => {};
    super(0, {
      errorCode: new Map([[0, 0]]),
      supportedBindingAndModes: 'U',
      reboot: noop,
      currentTime: () => new Date(Math.floor((Date.now() + (self === undefined ? 0 : self.#offsetMs)) / 1000) * 1000),
      resetErrorCode: () => self?.write(ERROR_CODE, new Map([[0, 0]])),
      ...values,
    } as InstanceValues<DeviceSchema>);
    self = this;
  }

  /** A written Current Time sets the clock offset instead of freezing the value. */
  override async applyWrite(changes: ReadonlyMap<number, StoredResourceValue | undefined>): Promise<void> {
    const time = changes.get(CURRENT_TIME);
    if (!(time instanceof Date)) return super.applyWrite(changes);
    const rest = new Map(changes);
    rest.delete(CURRENT_TIME);
    await super.applyWrite(rest);
    this.#offsetMs = time.getTime() - Date.now();
  }
}
