/**
 * Which content format the server asks a client for and writes in. A 1.0 client gets TLV;
 * from 1.1 on, the formats the client listed in its root link (ct) come first, then SenML
 * CBOR, SenML JSON and TLV. A 4.06 answer moves on to the next candidate.
 */
import { ContentFormat } from '../codec/content-format.js';
import type { Registration } from './registration.js';

const preferred: readonly number[] = [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON, ContentFormat.TLV, ContentFormat.LWM2M_CBOR, ContentFormat.LWM2M_JSON];

export function formatCandidates(r: Pick<Registration, 'lwm2mVersion' | 'objects'>): number[] {
  if (r.lwm2mVersion === '1.0') return [ContentFormat.TLV, ContentFormat.LWM2M_JSON];
  const listed = r.objects.contentFormats.filter((f) => preferred.includes(f));
  return [...new Set([...listed.sort((a, b) => preferred.indexOf(a) - preferred.indexOf(b)), ...preferred.filter((f) => f !== ContentFormat.LWM2M_CBOR || r.lwm2mVersion === '1.2')])];
}

/**
 * The SenML format of composite operations (1.1+): the first SenML format of the candidates
 * above, so a client that listed only SenML JSON gets JSON. Undefined for a 1.0 client.
 */
export function compositeFormat(r: Pick<Registration, 'lwm2mVersion' | 'objects'>): number | undefined {
  if (r.lwm2mVersion === '1.0') return undefined;
  return formatCandidates(r).find((f) => f === ContentFormat.SENML_CBOR || f === ContentFormat.SENML_JSON);
}
