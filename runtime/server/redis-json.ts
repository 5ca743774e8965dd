/**
 * JSON for what the Redis stores hold: plain JSON plus tagged Uint8Array (base64), Date,
 * bigint and Map, so that a registration or a security entry read back equals what was
 * written (a DTLS public key stays bytes, a 64-bit value stays a bigint).
 */

type Tagged = { $u8: string } | { $date: string } | { $big: string } | { $map: [unknown, unknown][] };

export function toStoreJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    // `this[key]` is the value before toJSON (Date and Buffer have one).
    const raw = this[key];
    if (raw instanceof Uint8Array) return { $u8: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    if (raw instanceof Date) return { $date: raw.toISOString() };
    if (typeof raw === 'bigint') return { $big: raw.toString() };
    if (raw instanceof Map) return { $map: [...raw] };
    return v;
  });
}

export function fromStoreJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length !== 1) return v;
    const t = v as Partial<Record<string, unknown>> as Tagged;
    if ('$u8' in t && typeof t.$u8 === 'string') return new Uint8Array(Buffer.from(t.$u8, 'base64'));
    if ('$date' in t && typeof t.$date === 'string') return new Date(t.$date);
    if ('$big' in t && typeof t.$big === 'string') return BigInt(t.$big);
    if ('$map' in t && Array.isArray(t.$map)) return new Map(t.$map);
    return v;
  }) as T;
}
