/** Numeric CoAP Content-Format ids of the LwM2M formats. */

export const ContentFormat = {
  TEXT: 0,
  LINK: 40,
  OPAQUE: 42,
  CBOR: 60,
  SENML_JSON: 110,
  SENML_CBOR: 112,
  TLV: 11542,
  LWM2M_JSON: 11543,
  LWM2M_CBOR: 11544,
  /** Pre-registration ids still sent by LwM2M 1.0 clients. */
  TLV_LEGACY: 1542,
  JSON_LEGACY: 1543,
} as const;

export type ContentFormatId = (typeof ContentFormat)[keyof typeof ContentFormat];

const ALL: ReadonlySet<number> = new Set(Object.values(ContentFormat));

export function isContentFormat(n: number): n is ContentFormatId {
  return ALL.has(n);
}

/** The format a legacy id stands for. */
export function canonicalFormat(f: ContentFormatId): ContentFormatId {
  return f === ContentFormat.TLV_LEGACY ? ContentFormat.TLV : f === ContentFormat.JSON_LEGACY ? ContentFormat.LWM2M_JSON : f;
}

export const contentFormatName: Readonly<Record<ContentFormatId, string>> = {
  0: 'text/plain',
  40: 'application/link-format',
  42: 'application/octet-stream',
  60: 'application/cbor',
  110: 'application/senml+json',
  112: 'application/senml+cbor',
  11542: 'application/vnd.oma.lwm2m+tlv',
  11543: 'application/vnd.oma.lwm2m+json',
  11544: 'application/vnd.oma.lwm2m+cbor',
  1542: 'application/vnd.oma.lwm2m+tlv (legacy 1542)',
  1543: 'application/vnd.oma.lwm2m+json (legacy 1543)',
};
