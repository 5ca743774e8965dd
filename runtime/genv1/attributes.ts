/**
 * Notification attributes (LwM2M Write-Attributes), typed by what the resource can carry:
 * gt, lt and st exist only for numeric resources, edge only for boolean ones.
 */
export interface Attributes {
  /** Minimum period between notifications, seconds. */
  readonly pmin?: number;
  /** Maximum period between notifications, seconds. */
  readonly pmax?: number;
  /** Minimum evaluation period, seconds. */
  readonly epmin?: number;
  /** Maximum evaluation period, seconds. */
  readonly epmax?: number;
  /** LwM2M 1.2: notifications as confirmable (1) or not (0). */
  readonly con?: 0 | 1;
  /** LwM2M 1.2: maximum historical queue. */
  readonly hqmax?: number;
}

export interface NumericAttributes extends Attributes {
  /** Greater than: notify when the value crosses it, in either direction. */
  readonly gt?: number;
  /** Less than: notify when the value crosses it, in either direction. */
  readonly lt?: number;
  /** Step: notify when the value moved by at least this much since the last notification. */
  readonly st?: number;
}

export interface BooleanAttributes extends Attributes {
  /** LwM2M 1.2: notify on the rising (1) or falling (0) edge only. */
  readonly edge?: 0 | 1;
}

/** The attributes a resource holding values of type T accepts. */
export type AttributesFor<T> = [T] extends [number | bigint] ? NumericAttributes : [T] extends [boolean] ? BooleanAttributes : Attributes;
