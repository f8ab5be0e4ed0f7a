/**
 * Grading across worker threads (piscina): a GradeRunner (grade/grade.ts)
 * that sends each scenario of a grading to the pool as its own part, so the
 * workers balance the scenarios among themselves, and returns the parts for
 * mergeParts, which puts them back in report order. The report is the same,
 * byte for byte, as an in-process grading's but for wall-clock fields
 * (docs/scheduler.md, "Parallel exploration").
 *
 * `--jobs N` on `teardown grade` and `teardown exercise`: N worker threads;
 * 1 grades in-process, without a pool (jobsOption).
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { GradePart, GradeProgress, GradeRunner } from '../grade/grade.js';
import { parseJobs } from '../options.js';
import type { GradeTask } from './worker.js';

/** The default `--jobs`: the cores this process may use (os.availableParallelism), at least 1. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** `--jobs <n>` as given (1 to MAX_JOBS; UsageError otherwise), else defaultJobs(). */
export function jobsOption(v: string | undefined): number {
  return parseJobs(v) ?? defaultJobs();
}

/**
 * The worker's module: this folder's worker.js, or the built one (dist/) when
 * this module runs from its TypeScript source (the tests): a worker thread
 * loads plain JavaScript only.
 */
function workerUrl(): string {
  const here = import.meta.url;
  return (here.endsWith('.ts') ? new URL('../../dist/parallel/worker.js', here) : new URL('./worker.js', here)).href;
}

/** A pool of grading worker threads; close() it when done (its threads keep the process alive). */
export class GradePool {
  private readonly pool: Piscina<GradeTask, GradePart>;

  /** `jobs` worker threads (at least 2: one job grades in-process, without a pool). */
  constructor(readonly jobs: number) {
    this.pool = new Piscina<GradeTask, GradePart>({
      filename: workerUrl(),
      minThreads: jobs,
      maxThreads: jobs,
      // one part at a time per thread: a part is CPU-bound, a second one would only wait
      concurrentTasksPerWorker: 1,
    });
  }

  /**
   * The runner to put in GradeOptions.runner: one part per scenario, queued
   * in report order; progress is reported as scenarios finish (`index`: how
   * many have, `executions`: the finished one's).
   */
  readonly runner: GradeRunner = async (ex, submission, opts, ids, onProgress) => {
    let done = 0;
    let totalExecutions = 0;
    const one = async (id: string): Promise<GradePart> => {
      const part = await this.pool.run({ ex, submission: [...submission], opts, ids: [id] });
      const executions = part.results[0]?.stats.executions ?? 0;
      totalExecutions += executions;
      const p: GradeProgress = {
        scenario: id,
        index: done++,
        total: ids.length,
        executions,
        totalExecutions,
        ms: part.results[0]?.stats.ms ?? 0,
      };
      onProgress?.(p);
      return part;
    };
    return Promise.all(ids.map(one));
  };

  /** Stop the worker threads. */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}

/**
 * Run `body` with a runner for `jobs` workers: undefined (in-process) for 1,
 * else a pool's, closed when `body` settles.
 */
export async function withGradeRunner<T>(
  jobs: number,
  body: (runner: GradeRunner | undefined) => Promise<T>,
): Promise<T> {
  if (jobs <= 1) return body(undefined);
  const pool = new GradePool(jobs);
  try {
    return await body(pool.runner);
  } finally {
    await pool.close();
  }
}
