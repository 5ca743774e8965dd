/**
 * Runs the emission jobs, in order. In parallel mode a worker thread is started at once: it
 * loads ts-morph and the TypeScript compiler (over half a second) while this thread reads
 * and parses the XML, then prints the modules while this thread writes them. If the worker
 * fails, whatever it did not deliver is emitted here; the files are the same either way
 * (test/codegen/emitter.test.ts compares them).
 */
import { Worker } from 'node:worker_threads';
import type { EmitJob } from './emit-jobs.js';

export interface Emitter {
  /** Calls onFile for every file of every job, in job order. */
  run(jobs: readonly EmitJob[], onFile: (path: string, content: string) => void): Promise<void>;
  close(): void;
}

export function startEmitter(parallel: boolean): Emitter {
  const worker = parallel ? startWorker() : undefined;
  return {
    async run(jobs, onFile) {
      const delivered = new Set<string>();
      if (worker) {
        try {
          await new Promise<void>((resolve, reject) => {
            worker.on('message', (m: 'done' | readonly (readonly [string, string])[]) => {
              if (m === 'done') return resolve();
              for (const [path, content] of m) {
                delivered.add(path);
                onFile(path, content);
              }
            });
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`emission worker exited with ${code}`)));
            worker.postMessage(jobs);
          });
          return;
        } catch {
          // The rest is emitted on this thread; the worker must not deliver twice.
          worker.removeAllListeners('message');
          void worker.terminate();
        }
      }
      const { runEmitJob } = await import('./emit-jobs.js');
      for (let i = 0; i < jobs.length; i++) {
        for (const [path, content] of runEmitJob(jobs[i]!)) if (!delivered.has(path)) onFile(path, content);
        // Let the event loop run now and then: file writes started by onFile proceed meanwhile.
        if (i % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
      }
    },
    close() {
      void worker?.terminate();
    },
  };
}

function startWorker(): Worker | undefined {
  try {
    const worker = import.meta.url.endsWith('.js')
      ? new Worker(new URL('./emit-worker.js', import.meta.url))
      : // From TypeScript sources (the tests run them with tsx): the worker registers tsx, then loads the module.
        new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./emit-worker.ts', import.meta.url).href)}); });`, { eval: true });
    // It must never keep the process alive by itself.
    worker.unref();
    worker.on('error', () => {});
    return worker;
  } catch {
    return undefined;
  }
}
