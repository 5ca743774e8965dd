/** Every LwM2M content format: one entry point, the per-format modules, negotiation. */
export { decode, decodeCompositeRequest, decodeRecords, encode, encodeCompositeRequest, encodeRecords, isRecordFormat, type CodecOptions } from './codec.js';
export { CodecError, type CodecErrorCode } from './codec-error.js';
export { ContentFormat, canonicalFormat, contentFormatName, isContentFormat, type ContentFormatId } from './content-format.js';
export { compositeFormats, formatsFor, isSingleValuePath, negotiateFormat, type LwM2MVersion } from './negotiate.js';
export { decodeCoreLinks, encodeCoreLinks, formatCoreLinks, parseCoreLinks } from './core-link.js';
export { decodeTextPlain, encodeTextPlain } from './text-plain.js';
export { decodeOpaque, encodeOpaque } from './opaque.js';
export { decodeCbor, encodeCbor } from './cbor.js';
export { decodeTlv, encodeTlv, encodeTlvInstanceWrapped, readTlvs, type TlvEntry } from './tlv.js';
export { decodeSenmlJson, encodeSenmlJson } from './senml-json.js';
export { decodeSenmlCbor, encodeSenmlCbor } from './senml-cbor.js';
export { decodeLwm2mJson, encodeLwm2mJson } from './lwm2m-json.js';
export { decodeLwm2mCbor, encodeLwm2mCbor } from './lwm2m-cbor.js';
