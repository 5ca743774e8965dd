/** Flat (path, value, time) records: the shape of SenML, LwM2M JSON and LwM2M CBOR payloads. */
import type { LwM2MPath } from './path.js';
import type { ResourceValue } from './values.js';

export interface LwM2MRecord {
  /** A resource or resource-instance path for a value; any level for value-less records (composite requests). */
  readonly path: LwM2MPath;
  /** Absent in Read-/Observe-Composite request bodies. */
  readonly value?: ResourceValue;
  /**
   * Seconds: base time plus record time, as SenML resolves them. Values >= 2^28 are
   * absolute (seconds since 1970); smaller ones are relative to "now" and kept as given.
   */
  readonly time?: number;
}
