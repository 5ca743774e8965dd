/** lwm2m-sdk/codegen: the generator as a library. The CLI is a thin layer over it. */
export { generate, type GenerateOptions, type GeneratedObject, type GenerateResult, type GenerateStats } from './generate.js';
export { writeOutput, diffOutput } from './write-output.js';
export { CodegenError, formatDiagnostic, warningCodes, errorCodes, type Diagnostic, type DiagnosticCode, type ErrorCode, type WarningCode } from './diagnostics.js';
export { camelCase, pascalCase } from './names.js';
export { parseRange } from './range.js';
export type { Target } from './emit-object.js';
export type { ObjectNames } from './object-names.js';
