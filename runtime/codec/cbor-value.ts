/**
 * One typed value in plain CBOR, shared by application/cbor (60) and LwM2M CBOR (11544):
 * text, integers (bigint beyond 2^53), floats, booleans, byte strings; Time as integer
 * seconds (tag 1 accepted on input); Objlnk as the text "o:i"; Corelnk as link text.
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import type { CoreLink, ObjectLink, ResourceValue } from '../model/values.js';
import { CodecError } from './codec-error.js';
import { cborInteger, cborIntegerOut } from './cbor-engine.js';
import { formatCoreLinks, parseCoreLinks } from './core-link.js';
import { checkOrCodecError, formatObjectLink, parseObjectLink, secondsToTime, timeToSeconds } from './senml-value.js';

export const CBOR_TAGS: ReadonlySet<number> = new Set([1]);

export function toCborValue(v: ResourceValue, res: ResourceDescriptor): unknown {
  switch (res.type) {
    case 'integer': case 'unsignedInteger': return cborIntegerOut(v as number | bigint);
    case 'time': return cborIntegerOut(timeToSeconds(v as Date));
    case 'objlnk': return formatObjectLink(v as ObjectLink);
    case 'corelnk': return formatCoreLinks(v as readonly CoreLink[]);
    default: return v;
  }
}

function wrong(res: ResourceDescriptor, path: string, got: unknown): never {
  const what = got === null ? 'null' : got instanceof Uint8Array ? 'bytes' : got instanceof Map ? 'a map' : Array.isArray(got) ? 'an array' : typeof got;
  throw new CodecError('E_WIRE_TYPE', `${path} is ${res.type}: CBOR ${what} does not fit`, undefined, path);
}

export function fromCborValue(x: unknown, res: ResourceDescriptor, obj: ObjectDescriptor, path: string, check: boolean): ResourceValue {
  let v: ResourceValue;
  switch (res.type) {
    case 'string': if (typeof x !== 'string') wrong(res, path, x); v = x; break;
    case 'integer': case 'unsignedInteger': {
      const i = cborInteger(x);
      if (i === undefined) wrong(res, path, x);
      v = i;
      break;
    }
    case 'float':
      if (typeof x === 'number') v = x;
      else if (typeof x === 'bigint') v = Number(x);
      else wrong(res, path, x);
      break;
    case 'boolean': if (typeof x !== 'boolean') wrong(res, path, x); v = x; break;
    case 'opaque': if (!(x instanceof Uint8Array)) wrong(res, path, x); v = new Uint8Array(x); break; // a plain copy, detached from the input
    case 'time':
      if (x instanceof Date) { // tag 1, decoded by cbor-x
        if (Number.isNaN(x.getTime())) throw new CodecError('E_VALUE_RANGE', `${path}: time outside the range of a date`, undefined, path);
        v = x;
      } else if (typeof x === 'number' || typeof x === 'bigint') v = secondsToTime(x, path);
      else wrong(res, path, x);
      break;
    case 'objlnk': if (typeof x !== 'string') wrong(res, path, x); v = parseObjectLink(x, path); break;
    case 'corelnk': if (typeof x !== 'string') wrong(res, path, x); v = parseCoreLinks(x); break;
    case 'none': return wrong(res, path, x);
  }
  return check ? checkOrCodecError(v, res, obj, path) : v;
}
