/**
 * `--jobs`, and the runner of a grading for a number of jobs: in-process for
 * one job, else a pool of worker threads (./pool.ts, loaded only then: a
 * `teardown grade` with the default `--jobs 1` does not load piscina).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { GradeRunner } from '../grade/grade.js';
import { parseJobs } from '../options.js';

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
export function workerUrl(): string {
  const here = import.meta.url;
  return (here.endsWith('.ts') ? new URL('../../dist/parallel/worker.js', here) : new URL('./worker.js', here)).href;
}

/**
 * The worker's module is on disk: not in a single-file bundle of the CLI
 * (the Gradescope autograder's teardown.mjs), which grades in-process.
 */
export function workersAvailable(): boolean {
  try {
    return existsSync(fileURLToPath(workerUrl()));
  } catch {
    return false;
  }
}

/**
 * Run `body` with a runner for `jobs` workers: undefined (in-process) for 1
 * or when there is no worker module (workersAvailable), else a pool's,
 * closed when `body` settles.
 */
export async function withGradeRunner<T>(
  jobs: number,
  body: (runner: GradeRunner | undefined) => Promise<T>,
): Promise<T> {
  if (jobs <= 1 || !workersAvailable()) return body(undefined);
  const { GradePool } = await import('./pool.js');
  const pool = new GradePool(jobs);
  try {
    return await body(pool.runner);
  } finally {
    await pool.close();
  }
}
