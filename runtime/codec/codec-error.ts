/** The one error type of the codec layer: a stable code, and where (byte offset or path). */
import { ModelError, type ModelErrorCode } from '../model/model-error.js';

export type CodecErrorCode =
  | ModelErrorCode
  /** The input ends inside an item. */
  | 'E_TRUNCATED'
  /** Bytes left after the payload's last item. */
  | 'E_TRAILING_BYTES'
  /** A declared length, count or nesting depth beyond what the input or the limits allow. */
  | 'E_LIMIT'
  /** Not well-formed for the format (JSON, CBOR, CoRE link, TLV header, SenML record). */
  | 'E_SYNTAX'
  /** Invalid UTF-8 text. */
  | 'E_UTF8'
  /** Invalid base64 / base64url. */
  | 'E_BASE64'
  /** A value's wire form does not fit the resource's type (wrong SenML label, integer width...). */
  | 'E_WIRE_TYPE'
  /** A value that the format cannot carry (NaN in JSON, an instance in text/plain...). */
  | 'E_UNREPRESENTABLE'
  /** The content format is unknown, or cannot carry this path / LwM2M version. */
  | 'E_UNSUPPORTED_FORMAT'
  /** A bug: an exception that is not ours. The fuzz test asserts this never happens. */
  | 'E_INTERNAL';

export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly code: CodecErrorCode,
    message: string,
    /** Byte (or character, for text formats) offset into the input, when decoding. */
    readonly offset?: number,
    /** The LwM2M path concerned, when known. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What decoders rethrow, so that only CodecError escapes: model errors keep their code, anything else is E_INTERNAL. */
export function asCodecError(e: unknown): CodecError {
  if (e instanceof CodecError) return e;
  if (e instanceof ModelError) return new CodecError(e.code, e.message, undefined, e.path, { cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new CodecError('E_INTERNAL', `unexpected error: ${msg}`, undefined, undefined, { cause: e });
}
