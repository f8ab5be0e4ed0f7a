/**
 * Grading across worker threads (piscina): a GradeRunner (grade/grade.ts)
 * for `--jobs N`: the main thread and N - 1 worker threads claim the
 * scenarios of a grading one at a time from a shared counter (Atomics on a
 * SharedArrayBuffer, so a worker never waits for the main thread, busy
 * exploring, to hand it the next), each grading what it claimed with
 * gradePart; mergeParts puts the parts back in report order. The report is
 * the same, byte for byte, as an in-process grading's but for wall-clock
 * fields (docs/scheduler.md, "Parallel exploration"). The main thread
 * compiles the submission as an in-process grading does; each worker
 * compiles it once (worker.ts).
 *
 * `--jobs N` on `teardown grade` and `teardown exercise`; 1 grades
 * in-process, without a pool and without loading this module (./runner.ts
 * withGradeRunner).
 */
// loaded when this module is: ./runner.ts imports it only for a pool (in the one-module CLI, a require in
// this module's lazy initialiser; piscina stays outside it and finds its worker beside itself)
import { Piscina } from 'piscina';
import { gradePart, type GradePart, type GradeRunner } from '../grade/grade.js';
import type { GradeTask } from './worker.js';
import { workerUrl } from './runner.js';

export { defaultJobs, jobsOption, withGradeRunner, workersAvailable } from './runner.js';

/** A pool of grading worker threads; close() it when done (its threads keep the process alive). */
export class GradePool {
  private readonly pool: Piscina<GradeTask, GradePart>;

  /** For `jobs` jobs: the main thread and `jobs - 1` worker threads (at least 2 jobs: one grades in-process). */
  constructor(readonly jobs: number) {
    this.pool = new Piscina<GradeTask, GradePart>({
      filename: workerUrl(),
      minThreads: jobs - 1,
      maxThreads: jobs - 1,
      // one part at a time per thread: a part is CPU-bound, a second one would only wait
      concurrentTasksPerWorker: 1,
    });
  }

  /**
   * The runner to put in GradeOptions.runner: the main thread and every
   * worker claim scenarios from one shared counter; progress is the main
   * thread's (its scenarios, as they run).
   */
  readonly runner: GradeRunner = async (ex, submission, opts, ids, onProgress) => {
    const next = new Int32Array(new SharedArrayBuffer(4));
    const claim = () => Atomics.add(next, 0, 1);
    const remote = Array.from({ length: this.jobs - 1 }, () =>
      this.pool.run({ ex, submission: [...submission], opts, ids: [...ids], next }),
    );
    for (const r of remote) r.catch(() => {}); // awaited below
    const local = await gradePart(ex, submission, { ...opts, onProgress }, ids, undefined, claim);
    return [local, ...(await Promise.all(remote))];
  };

  /** Stop the worker threads. */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}
