/**
 * Raw XML fields -> ObjectDescriptor, with a diagnostic for everything that had to be
 * defaulted, ignored or refused. Lenient: only what makes an object unusable is an error.
 */
import type { ObjectDescriptor, Operations, RangeDescriptor, ResourceDescriptor, ResourceType } from '../registry/descriptor.js';
import type { Diagnostic, ErrorCode, WarningCode } from './diagnostics.js';
import { assignIdentifiers } from './names.js';
import type { ParsedXml, RawItem, RawObject } from './parse-xml.js';
import { parseRange } from './range.js';

export interface NormaliseResult {
  readonly descriptor?: ObjectDescriptor;
  readonly diagnostics: readonly Diagnostic[];
}

const types: Record<string, ResourceType> = {
  string: 'string', integer: 'integer', unsignedinteger: 'unsignedInteger', float: 'float',
  boolean: 'boolean', opaque: 'opaque', time: 'time', objlnk: 'objlnk', corelnk: 'corelnk', none: 'none',
};

export function normaliseObject(file: string, xml: ParsedXml, raw: RawObject): NormaliseResult {
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number, field: string | undefined, fieldPath: string | undefined, code: WarningCode | ErrorCode, message: string, severity: 'warning' | 'error'): void => {
    const line = field === undefined ? xml.lineAt(offset) : xml.lineOfField(offset, field);
    diagnostics.push({ severity, code, file, line, ...(fieldPath === undefined ? {} : { field: fieldPath }), message });
  };
  const objWarn = (field: string, code: WarningCode, message: string): void => at(raw.offset, field, field, code, message, 'warning');
  const objErr = (field: string, code: ErrorCode, message: string): void => at(raw.offset, field, field, code, message, 'error');

  const idText = raw.fields.get('ObjectID');
  const id = parseId(idText);
  if (id === undefined) {
    objErr('ObjectID', 'E_OBJECT_ID', idText === undefined ? 'missing' : `"${idText}" is not an integer in 0..65535`);
    return { diagnostics };
  }

  let version = raw.fields.get('ObjectVersion') ?? '';
  if (!/^\d+\.\d+$/.test(version)) {
    if (version !== '') objWarn('ObjectVersion', 'W_FIELD_INVALID', `"${version}" is not major.minor; 1.0 is used`);
    version = '1.0';
  }
  let lwm2mVersion = raw.fields.get('LWM2MVersion') ?? '';
  if (!/^\d+\.\d+$/.test(lwm2mVersion)) {
    objWarn('LWM2MVersion', lwm2mVersion === '' ? 'W_FIELD_MISSING' : 'W_FIELD_INVALID', `"${lwm2mVersion}": 1.0 is used`);
    lwm2mVersion = '1.0';
  }
  const schemaSays = xml.schemaLocation?.includes('v1_1') ? '1.1' : xml.schemaLocation ? '1.0' : undefined;
  if (schemaSays === '1.0' && lwm2mVersion !== '1.0') {
    objWarn('LWM2MVersion', 'W_VERSION_MISMATCH', `LWM2MVersion ${lwm2mVersion} in a file that names the 1.0 schema (LWM2M.xsd)`);
  } else if (schemaSays === '1.1' && lwm2mVersion === '1.0') {
    objWarn('LWM2MVersion', 'W_VERSION_MISMATCH', 'LWM2MVersion 1.0 in a file that names the 1.1 schema (LWM2M-v1_1.xsd)');
  }

  const name = raw.fields.get('Name') ?? '';
  if (name === '') objWarn('Name', 'W_FIELD_MISSING', `the object has no Name; "Object ${id}" is used`);
  const urn = raw.fields.get('ObjectURN') || defaultUrn(id, version);
  if (!urnMatches(urn, id, version)) objWarn('ObjectURN', 'W_URN_MISMATCH', `"${urn}" for object ${id} version ${version}`);

  const resources: ResourceDescriptor[] = [];
  const seen = new Map<number, RawItem>();
  for (const item of raw.items) {
    const rid = parseId(item.id);
    const where = `Item[ID=${item.id ?? '?'}]`;
    if (rid === undefined) {
      at(item.offset, undefined, `${where}/@ID`, 'E_RESOURCE_ID', item.id === undefined ? 'missing' : `"${item.id}" is not an integer in 0..65535`, 'error');
      continue;
    }
    if (seen.has(rid)) {
      at(item.offset, undefined, `${where}/@ID`, 'E_DUPLICATE_RESOURCE_ID', `resource ${rid} is defined twice (lines ${xml.lineAt(seen.get(rid)!.offset)} and ${xml.lineAt(item.offset)})`, 'error');
      continue;
    }
    seen.set(rid, item);
    const warn = (field: string, code: WarningCode, message: string): void => at(item.offset, field, `${where}/${field}`, code, message, 'warning');
    const fail = (field: string, code: ErrorCode, message: string): void => at(item.offset, field, `${where}/${field}`, code, message, 'error');
    const r = normaliseResource(rid, item, warn, fail);
    if (r) resources.push(r);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  resources.sort((a, b) => a.id - b.id);

  // Identifiers: duplicate names keep the lowest ID plain, the others get `_<id>`.
  const nameCount = new Map<string, number>();
  for (const r of resources) nameCount.set(r.name.trim().toLowerCase(), (nameCount.get(r.name.trim().toLowerCase()) ?? 0) + 1);
  const identifiers = assignIdentifiers(resources, (rid) => `resource${rid}`, (r, wanted) => {
    const item = seen.get(r.id)!;
    const dupName = (nameCount.get(r.name.trim().toLowerCase()) ?? 0) > 1;
    at(item.offset, 'Name', `Item[ID=${r.id}]/Name`, dupName ? 'W_DUPLICATE_NAME' : 'W_IDENTIFIER_COLLISION',
      `"${r.name}" gives "${wanted}", already taken or reserved; "${wanted}_${r.id}" is used`, 'warning');
  });

  const description = joinDescriptions(raw.fields.get('Description1'), raw.fields.get('Description2'));
  const descriptor: ObjectDescriptor = {
    id,
    version,
    lwm2mVersion,
    urn,
    name: name || `Object ${id}`,
    ...(description ? { description } : {}),
    multiple: flag(raw.fields.get('MultipleInstances'), 'Multiple', 'Single', 'MultipleInstances', objWarn),
    mandatory: flag(raw.fields.get('Mandatory'), 'Mandatory', 'Optional', 'Mandatory', objWarn),
    resources: resources.map((r) => ({ ...r, identifier: identifiers.get(r)! })),
  };
  return { descriptor, diagnostics };
}

function normaliseResource(
  id: number,
  item: RawItem,
  warn: (field: string, code: WarningCode, message: string) => void,
  fail: (field: string, code: ErrorCode, message: string) => void,
): ResourceDescriptor | undefined {
  const f = item.fields;
  const name = f.get('Name') ?? '';
  if (name === '') warn('Name', 'W_FIELD_MISSING', `resource ${id} has no Name; "Resource ${id}" is used`);

  const opsText = f.get('Operations');
  let operations: Operations;
  // Letters only, in any case and order ("wr", "R W"); anything else is not an Operations value.
  const ops = /^[RWErwe\s,]*$/.test(opsText ?? '') ? (opsText ?? '').toUpperCase().replace(/[^RWE]/g, '') : '?';
  if (ops === '') {
    // An empty <Operations/> is valid (Security resources: bootstrap only); a missing one is not.
    if (opsText === undefined) warn('Operations', 'W_OPERATIONS_MISSING', `resource ${id} has no Operations element; none is allowed`);
    operations = '';
  } else if (ops === 'R' || ops === 'W' || ops === 'E') {
    operations = ops;
  } else if (ops === 'RW' || ops === 'WR') {
    operations = 'RW';
  } else {
    fail('Operations', 'E_UNKNOWN_OPERATIONS', `"${opsText}" is not one of R, W, RW, E`);
    return undefined;
  }

  const typeText = f.get('Type') ?? '';
  const typeKey = typeText.toLowerCase().replace(/[\s_-]/g, '');
  let type: ResourceType;
  if (typeKey === '') {
    type = 'none';
  } else {
    const t = types[typeKey];
    if (t === undefined) {
      fail('Type', 'E_UNKNOWN_TYPE', `"${typeText}" is not an LwM2M data type (String, Integer, Unsigned Integer, Float, Boolean, Opaque, Time, Objlnk, Corelnk)`);
      return undefined;
    }
    type = t;
  }
  if (operations === 'E' && type !== 'none') {
    warn('Type', 'W_EXECUTE_HAS_TYPE', `Execute resource ${id} declares Type ${typeText}; it is ignored`);
    type = 'none';
  } else if (operations !== 'E' && type === 'none') {
    warn('Type', 'W_TYPE_MISSING', `resource ${id} (${operations || 'no operations'}) has no Type; Opaque is used`);
    type = 'opaque';
  }

  let range: RangeDescriptor | undefined;
  const rangeText = f.get('RangeEnumeration') ?? '';
  if (rangeText !== '') {
    const outcome = parseRange(rangeText, type);
    if (outcome === undefined) range = undefined;
    else if ('parsed' in outcome) range = { raw: rangeText, parsed: outcome.parsed };
    else {
      warn('RangeEnumeration', outcome.warning, outcome.detail);
      range = { raw: rangeText };
    }
  }
  const units = f.get('Units') ?? '';
  const description = f.get('Description') ?? '';
  return {
    id,
    name: name || `Resource ${id}`,
    identifier: '',
    operations,
    multiple: flag(f.get('MultipleInstances'), 'Multiple', 'Single', 'MultipleInstances', warn),
    mandatory: flag(f.get('Mandatory'), 'Mandatory', 'Optional', 'Mandatory', warn),
    type,
    ...(range ? { range } : {}),
    ...(units ? { units } : {}),
    ...(description ? { description } : {}),
  };
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d{1,5}\s*$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

function flag(text: string | undefined, yes: string, no: string, field: string, warn: (field: string, code: WarningCode, message: string) => void): boolean {
  const t = (text ?? '').trim().toLowerCase();
  if (t === yes.toLowerCase()) return true;
  if (t === no.toLowerCase()) return false;
  warn(field, t === '' ? 'W_FIELD_MISSING' : 'W_FIELD_INVALID', `${t === '' ? 'missing' : `"${text}"`}; ${no} is used`);
  return false;
}

function joinDescriptions(d1: string | undefined, d2: string | undefined): string {
  return [d1, d2].filter((d): d is string => d !== undefined && d !== '').join('\n\n');
}

/** OMA objects are urn:oma:lwm2m:oma:<id>[:<version>], 2048..10240 ext, 10241.. x. */
function defaultUrn(id: number, version: string): string {
  const ns = id < 1024 ? 'oma' : id < 10241 ? 'ext' : 'x';
  return version === '1.0' ? `urn:oma:lwm2m:${ns}:${id}` : `urn:oma:lwm2m:${ns}:${id}:${version}`;
}

function urnMatches(urn: string, id: number, version: string): boolean {
  const m = /^urn:oma:lwm2m:[a-z]+:(\d+)(?::(\d+\.\d+))?$/.exec(urn.trim());
  return m !== null && Number(m[1]) === id && (m[2] ?? '1.0') === version;
}
