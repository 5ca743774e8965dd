/**
 * The one cbor-x configuration of the codecs, for writing CBOR (60) and LwM2M CBOR: Maps
 * (integer keys), no record extension, no float32 fitting (lossy), plain byte strings for
 * Uint8Array (cbor-x tags them 64 by default on Node). Reading never goes through cbor-x:
 * cbor-reader.ts reads every CBOR format in place.
 */
import { Encoder, FLOAT32_OPTIONS } from 'cbor-x';

export const cborEngine = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  useFloat32: FLOAT32_OPTIONS.NEVER,
  tagUint8Array: false,
  structuredClone: false,
  pack: false,
  bundleStrings: false,
});

export function cborEncode(value: unknown): Uint8Array {
  return cborEngine.encode(value);
}

/** A CBOR integer as the runtime holds it: bigint only beyond 2^53. */
export function cborInteger(v: unknown): number | bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  return undefined;
}

/**
 * Integral numbers beyond 32 bits (up to 2^64) go to cbor-x as bigint: as a number cbor-x
 * would write them as a float64. Beyond 2^64 they stay floats (a bignum tag is not LwM2M).
 */
export function cborIntegerOut(v: number | bigint): number | bigint {
  if (typeof v === 'number' && (v > 0xffffffff || v < -0x100000000) && Math.abs(v) < 18446744073709551616) return BigInt(v);
  return v;
}
