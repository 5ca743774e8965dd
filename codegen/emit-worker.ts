/** The emission worker: loading this module loads ts-morph; then it runs the jobs it is sent. */
import { parentPort } from 'node:worker_threads';
import { runEmitJob, type EmitJob } from './emit-jobs.js';

/** Results go back in batches: a message per file would cost more than the printing. */
const BATCH = 16;

parentPort?.on('message', (jobs: readonly EmitJob[]) => {
  let batch: (readonly [string, string])[] = [];
  for (const job of jobs) {
    batch.push(...runEmitJob(job));
    if (batch.length >= BATCH) {
      parentPort!.postMessage(batch);
      batch = [];
    }
  }
  parentPort!.postMessage(batch);
  parentPort!.postMessage('done');
});
