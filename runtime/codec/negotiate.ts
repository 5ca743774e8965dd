/**
 * Content negotiation: which formats a path allows for an LwM2M version, and what to
 * answer to an Accept option. The caller turns E_UNSUPPORTED_FORMAT into 4.06.
 *
 * - Single values (a single resource, a resource instance): text/plain (0) and, for
 *   Opaque resources, octet-stream (42); CBOR (60) from 1.1; plus every multi-value format.
 * - Multi-value (object, instance, multiple resource): TLV (11542) and LwM2M JSON (11543)
 *   in every version; SenML JSON (110) and SenML CBOR (112) from 1.1; LwM2M CBOR
 *   (11544) from 1.2. Legacy 1542/1543 are answered in kind (old 1.0 peers ask for them).
 * - Without Accept: 1.0 answers single values as text (42 for Opaque), others as TLV;
 *   1.1+ answers single values as text (42 for Opaque), others as SenML CBOR.
 */
import type { ResourceDescriptor } from '../../registry/descriptor.js';
import { pathLevel, type LwM2MPath } from '../model/path.js';
import { CodecError } from './codec-error.js';
import { ContentFormat, contentFormatName, isContentFormat, type ContentFormatId } from './content-format.js';

export type LwM2MVersion = '1.0' | '1.1' | '1.2';

function atLeast(v: LwM2MVersion, min: LwM2MVersion): boolean {
  return Number(v.slice(2)) >= Number(min.slice(2));
}

/** Whether `path` addresses one value (given its resource descriptor, when at resource level). */
export function isSingleValuePath(path: LwM2MPath, resource?: ResourceDescriptor): boolean {
  const level = pathLevel(path);
  return level === 'resourceInstance' || (level === 'resource' && resource !== undefined && !resource.multiple);
}

/** Formats that may carry a Read/Write payload of `path`, in order of preference. */
export function formatsFor(path: LwM2MPath, version: LwM2MVersion, resource?: ResourceDescriptor): ContentFormatId[] {
  const out: ContentFormatId[] = [];
  if (isSingleValuePath(path, resource)) {
    if (resource?.type === 'opaque') out.push(ContentFormat.OPAQUE);
    out.push(ContentFormat.TEXT);
    if (atLeast(version, '1.1')) out.push(ContentFormat.CBOR);
  }
  if (atLeast(version, '1.1')) out.push(ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON);
  if (atLeast(version, '1.2')) out.push(ContentFormat.LWM2M_CBOR);
  out.push(ContentFormat.TLV, ContentFormat.LWM2M_JSON, ContentFormat.TLV_LEGACY, ContentFormat.JSON_LEGACY);
  return out;
}

/** Formats of composite operations (Read-/Observe-/Write-Composite, Send): 1.1 and later. */
export function compositeFormats(version: LwM2MVersion): ContentFormatId[] {
  if (!atLeast(version, '1.1')) return [];
  return atLeast(version, '1.2')
    ? [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON, ContentFormat.LWM2M_CBOR]
    : [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON];
}

/**
 * The format to answer a Read with. `accept` undefined: the default for the version.
 * An Accept the path cannot be given in: E_UNSUPPORTED_FORMAT (answer 4.06).
 */
export function negotiateFormat(accept: number | undefined, path: LwM2MPath, version: LwM2MVersion, resource?: ResourceDescriptor): ContentFormatId {
  const allowed = formatsFor(path, version, resource);
  if (accept === undefined) {
    if (isSingleValuePath(path, resource)) return resource?.type === 'opaque' ? ContentFormat.OPAQUE : ContentFormat.TEXT;
    return atLeast(version, '1.1') ? ContentFormat.SENML_CBOR : ContentFormat.TLV;
  }
  if (isContentFormat(accept) && allowed.includes(accept)) return accept;
  const name = isContentFormat(accept) ? contentFormatName[accept] : `content format ${accept}`;
  throw new CodecError('E_UNSUPPORTED_FORMAT', `${name} cannot carry this path for LwM2M ${version}`);
}
