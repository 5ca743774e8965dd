/**
 * The text of each generated module, as jobs: plain data in, text out, so that the
 * emission can run on a worker thread (see emitter.ts) as well as here.
 */
import type { ObjectDescriptor } from '../registry/descriptor.js';
import { emitIndex } from './emit-index.js';
import { emitObject, type Target } from './emit-object.js';
import type { ObjectNames } from './object-names.js';

/** One object version in every target asked for, or the index in one target. */
export type EmitJob =
  | { readonly kind: 'object'; readonly descriptor: ObjectDescriptor; readonly names: ObjectNames; readonly targets: readonly Target[]; readonly runtimeImport: string; readonly header: string }
  | { readonly kind: 'index'; readonly modules: readonly ObjectNames[]; readonly targets: readonly Target[]; readonly runtimeImport: string; readonly header: string };

const extension: Record<Target, string> = { ts: '.ts', js: '.js', dts: '.d.ts' };

/** [path, text] of every file of a job. */
export function runEmitJob(job: EmitJob): (readonly [string, string])[] {
  return job.kind === 'object'
    ? job.targets.map((t) => [job.names.module + extension[t], emitObject(job.descriptor, job.names, t, { runtimeImport: job.runtimeImport, header: job.header })] as const)
    : job.targets.map((t) => [`index${extension[t]}`, emitIndex(job.modules, t, job.runtimeImport, job.header)] as const);
}
