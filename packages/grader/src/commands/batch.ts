/**
 * `teardown batch <exercise> <dir> --out FILE`: grade every submission in a
 * folder (each .c file, or each sub-folder of .c files) in parallel worker
 * threads (piscina), with a progress bar, into one results file. A bad
 * submission is an `error` result; it never stops the batch.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { Piscina } from 'piscina';
import type { Exercise } from '../exercise/manifest.js';
import type { BatchResult, BatchTask } from '../batch/task.js';
import { errorResult } from '../batch/result.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../errors.js';
import { errnoReason } from '../input.js';
import { parseJobs, parseSeed, parseTimeoutMs } from '../options.js';
import { checkOutputPath, writeOutputFile } from '../output.js';

export const BATCH_VERSION = 1;

export interface BatchCliOptions {
  out: string;
  jobs?: string;
  timeout?: string;
  reproducible?: boolean;
  seed?: string;
}

export interface BatchFile {
  version: number;
  exercise: { id: string; title: string };
  maxScore: number;
  summary: { submissions: number; passed: number; failed: number; error: number; meanScore: number };
  results: BatchResult[];
}

/**
 * The submissions of a folder, sorted by name: its .c entries and its
 * sub-folders. Nothing is opened here and no symlink is followed out of the
 * folder: a symlink is a submission when its name ends in .c, when it leads
 * to a folder, or when it leads nowhere (dangling, a loop), and the batch
 * task then confines it to the folder (input.ts), so a link out of it, a
 * dangling one or a loop is an `error` result with the reason. A .c entry
 * that is not a regular file (a FIFO, a socket) is listed too, and refused
 * the same way.
 */
export function listSubmissions(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`cannot read ${dir}: it is not a folder`);
    names = readdirSync(dir).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${dir}: ${errnoReason(e)}`);
  }
  return names
    .filter((n) => !n.startsWith('.'))
    .map((n) => join(dir, n))
    .filter((p) => {
      const l = lstatSync(p, { throwIfNoEntry: false });
      if (!l) return false;
      if (l.isDirectory() || p.endsWith('.c')) return true;
      if (!l.isSymbolicLink()) return false;
      try {
        return statSync(p).isDirectory();
      } catch {
        return true;
      }
    });
}

function bar(done: number, total: number, errors: number, t0: number): string {
  const width = 24;
  const filled = total ? Math.round((done / total) * width) : width;
  const secs = (Date.now() - t0) / 1000;
  const eta = done ? Math.round((secs / done) * (total - done)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} graded${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}${done < total && done ? `, about ${eta} s left` : ''}`;
}

export async function batchCommand(
  ex: Exercise,
  exerciseDir: string,
  dir: string,
  o: BatchCliOptions,
): Promise<number> {
  const jobs = parseJobs(o.jobs) ?? Math.max(1, Math.min(64, availableParallelism()));
  const timeoutMs = parseTimeoutMs(o.timeout) ?? 300_000;
  const seed = parseSeed(o.seed);
  checkOutputPath(o.out);
  const subs = listSubmissions(dir);
  const pool = new Piscina<BatchTask, BatchResult>({
    filename: new URL('../batch/task.js', import.meta.url).href,
    maxThreads: jobs,
    minThreads: Math.min(jobs, subs.length || 1),
    idleTimeout: 1000,
  });
  const maxScore = ex.scenarios.reduce((a, s) => a + s.points, 0);
  const t0 = Date.now();
  const tty = process.stderr.isTTY === true;
  let done = 0;
  let errors = 0;
  const results: BatchResult[] = new Array(subs.length);
  const report = (r: BatchResult) => {
    done++;
    if (r.status === 'error') errors++;
    if (tty) process.stderr.write(`\r\x1b[2K${bar(done, subs.length, errors, t0)}`);
    else
      process.stderr.write(
        `${done}/${subs.length} ${r.name}: ${r.status} ${r.score}/${r.maxScore}${r.error ? ` (${r.error})` : ''}\n`,
      );
  };
  await Promise.all(
    subs.map(async (path, i) => {
      const signal = AbortSignal.timeout(timeoutMs);
      let r: BatchResult;
      try {
        r = await pool.run({ exerciseDir, root: dir, path, reproducible: o.reproducible, seed }, { signal });
      } catch (e) {
        const why =
          (e as Error).name === 'AbortError' || signal.aborted
            ? `grading took longer than ${timeoutMs / 1000} s`
            : `worker failed: ${(e as Error).message}`;
        r = errorResult(basename(path), maxScore, why);
      }
      results[i] = r;
      report(r);
    }),
  );
  if (tty) process.stderr.write('\n');
  await pool.destroy();
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const file: BatchFile = {
    version: BATCH_VERSION,
    exercise: { id: ex.manifest.id, title: ex.manifest.title },
    maxScore,
    summary: {
      submissions: results.length,
      passed: count('passed'),
      failed: count('failed'),
      error: count('error'),
      meanScore: results.length
        ? Math.round((results.reduce((a, r) => a + r.score, 0) / results.length) * 100) / 100
        : 0,
    },
    results,
  };
  writeOutputFile(o.out, JSON.stringify(file, null, 2) + '\n');
  process.stderr.write(
    `${results.length} submissions: ${file.summary.passed} passed, ${file.summary.failed} failed, ${file.summary.error} not gradable; results in ${o.out}\n`,
  );
  return file.summary.passed === results.length ? EXIT_OK : EXIT_FINDINGS;
}
