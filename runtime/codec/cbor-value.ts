/**
 * One typed value in plain CBOR, shared by application/cbor (60) and LwM2M CBOR (11544):
 * text, integers (bigint beyond 2^53), floats, booleans, byte strings; Time as integer
 * seconds (tags 0 and 1 accepted on input); Objlnk as the text "o:i"; Corelnk as link text.
 */
import type { ObjectDescriptor, ResourceDescriptor } from '../../registry/descriptor.js';
import type { CoreLink, ObjectLink, ResourceValue } from '../model/values.js';
import { CodecError } from './codec-error.js';
import type { CborReader } from './cbor-reader.js';
import { cborInteger, cborIntegerOut } from './cbor-engine.js';
import { formatCoreLinks, parseCoreLinks } from './core-link.js';
import { checkOrCodecError, formatObjectLink, parseObjectLink, secondsToTime, timeToSeconds } from './senml-value.js';

/**
 * One value item, read in place: scalars as they are; Time's two tags (RFC 8949 3.4.1 tag 0,
 * an RFC 3339 date/time string, and 3.4.2 tag 1, epoch seconds, both allowed by the TS's
 * Table C-2 for the CBOR formats) as a Date; every other tag refused; an array or a map is
 * no value (E_WIRE_TYPE).
 */
export function readCborLeaf(rd: CborReader, where: string): unknown {
  const b = rd.b;
  const p = rd.pos;
  const ib = p < b.length ? b[p]! : -1;
  if (ib >> 5 === 4 || ib >> 5 === 5) throw new CodecError('E_WIRE_TYPE', `CBOR: ${ib >> 5 === 4 ? 'an array' : 'a map'} is no value (${where})`, p, where);
  if (ib === 0xc0) {
    rd.pos = p + 1;
    const v = rd.scalar(1);
    if (typeof v !== 'string' || !RFC3339.test(v)) rd.fail('E_SYNTAX', 'tag 0 holds an RFC 3339 date/time string', p);
    return new Date(v);
  }
  if (ib === 0xc1) {
    rd.pos = p + 1;
    const v = rd.scalar(1);
    if (typeof v !== 'number' && typeof v !== 'bigint') rd.fail('E_SYNTAX', 'tag 1 holds a number of seconds', p);
    return new Date(Number(v) * 1000);
  }
  return rd.scalar(1);
}

const RFC3339 = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;

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
