/**
 * What the generator says about its input. Warnings have stable codes (users filter and
 * count them; `--strict` turns them into errors); errors stop the run with nothing written.
 */

export const warningCodes = {
  W_RANGE_UNPARSED: 'the RangeEnumeration text has no form that can be enforced; it is kept as text only',
  W_RANGE_MIN_GT_MAX: 'a range whose minimum exceeds its maximum; it is not enforced',
  W_RANGE_ON_BOOLEAN: 'a RangeEnumeration on a Boolean resource; it is ignored',
  W_RANGE_ON_TYPE: 'a RangeEnumeration on a resource type that cannot carry one; it is ignored',
  W_EXECUTE_HAS_TYPE: 'an Execute resource declares a Type; Execute resources carry no value, the Type is ignored',
  W_TYPE_MISSING: 'a readable or writable resource without a Type; it is treated as Opaque',
  W_OPERATIONS_MISSING: 'a resource without Operations; no operation is allowed on it',
  W_FIELD_MISSING: 'an element the schema requires is missing; its default is used',
  W_FIELD_INVALID: 'an element has a value outside the schema; its default is used',
  W_DUPLICATE_NAME: 'two resources of one object share a name; the later one gets its ID appended to its identifier',
  W_IDENTIFIER_COLLISION: 'an identifier collides with another or with a reserved word; the ID is appended',
  W_VERSION_MISMATCH: 'the LWM2MVersion and the schema the file names disagree',
  W_URN_MISMATCH: 'the ObjectURN does not match the object ID and version',
  W_DUPLICATE_OBJECT: 'the same object ID and version come from two files with different content; the first one given is used',
  W_NOT_OBJECT_FILE: 'an XML file found in a folder is not an LwM2M object definition; it is skipped',
  W_DOCTYPE_IGNORED: 'a DOCTYPE declaration is ignored; entities are never expanded',
  W_SCHEMA: 'the file does not validate against its XML schema',
} as const;

export const errorCodes = {
  E_READ: 'the file cannot be read',
  E_XML_MALFORMED: 'the file is not well-formed XML',
  E_NOT_LWM2M: 'the file is not an LwM2M object definition (no <LWM2M><Object>)',
  E_OBJECT_ID: 'the ObjectID is missing or not an integer in 0..65535',
  E_RESOURCE_ID: 'a resource ID is missing or not an integer in 0..65535',
  E_DUPLICATE_RESOURCE_ID: 'two resources of one object have the same ID',
  E_UNKNOWN_TYPE: 'a resource Type is not one of the LwM2M data types',
  E_UNKNOWN_OPERATIONS: 'a resource Operations value is not one of R, W, RW, E',
  E_NO_INPUT: 'no object definition was given',
  E_STRICT: 'a warning, turned into an error by --strict',
} as const;

export type WarningCode = keyof typeof warningCodes;
export type ErrorCode = keyof typeof errorCodes;
export type DiagnosticCode = WarningCode | ErrorCode;

export interface Diagnostic {
  readonly severity: 'warning' | 'error';
  readonly code: DiagnosticCode;
  readonly file: string;
  /** 1-based; absent when the problem is not in one place of the file. */
  readonly line?: number;
  /** The element or attribute concerned, as a path: "Item[ID=5]/Type". */
  readonly field?: string;
  readonly message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  const field = d.field === undefined ? '' : ` ${d.field}`;
  return `${where}: ${d.severity} ${d.code}${field}: ${d.message}`;
}

/** The generator layer's one error type: the run stopped, nothing was written. */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';
  constructor(
    readonly code: ErrorCode | 'E_USAGE' | 'E_OUTPUT' | 'E_CHECK_DIFFERS',
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
  }
}
