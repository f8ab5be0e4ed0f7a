/**
 * `teardown batch <exercise> <dir> --out FILE`: grade every submission in a
 * folder (each .c file, or each sub-folder of .c files) in parallel worker
 * threads (piscina), with a progress bar, into one results file, a CSV of
 * scores beside it (`<out>.csv` without `.json`) and a text report per
 * submission (`<out>.reports/`). A bad submission is an `error` result; it
 * never stops the batch. Every graded submission goes to a progress journal
 * at once (batch/journal.ts), so the same command after an interrupt grades
 * only the rest.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
// loaded when this module is: the CLI imports it for `teardown batch` only (in the one-module CLI, a
// require in this module's lazy initialiser; piscina stays outside it and finds its worker beside itself)
import { Piscina } from 'piscina';
import type { Exercise } from '../exercise/manifest.js';
import type { BatchResult, BatchTask } from '../batch/task.js';
import { errorResult, keepOneExample } from '../batch/result.js';
import { journalPath, openJournal, submissionHash } from '../batch/journal.js';
import { renderScoresCsv } from '../render/csv.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../errors.js';
import { errnoReason, readSubmission } from '../input.js';
import { int, parseJobs, parseSeed, parseTimeoutMs } from '../options.js';
import { checkOutputPath, writeOutputFile } from '../output.js';

export const BATCH_VERSION = 1;

/** `teardown batch` options as commander gives them (strings, checked by options.ts). */
export interface BatchCliOptions {
  out: string;
  jobs?: string;
  timeout?: string;
  reproducible?: boolean;
  seed?: string;
  /** Heap limit of each worker thread in MiB (default 1536): a grading past it is an `error` result. */
  maxMemory?: string;
  /** Ignore the progress journal of an earlier, interrupted run and grade everything. */
  fresh?: boolean;
}

/**
 * The results file (version 1). `reports` is the folder of the per-submission
 * text reports, relative to the results file; `csv` the scores file beside it.
 * `stats` (absent with --reproducible) has the wall-clock figures of this run.
 */
export interface BatchFile {
  version: number;
  exercise: { id: string; title: string };
  maxScore: number;
  /** The scenarios in the exercise's order: ids, titles, points, visibility (the class report's columns). */
  scenarios: { id: string; title: string; points: number; visible: boolean }[];
  summary: { submissions: number; passed: number; failed: number; error: number; meanScore: number };
  reports: string;
  csv: string;
  stats?: BatchStats;
  results: BatchResult[];
}

/** Wall-clock figures of one batch run: what was graded in it (not taken from the journal), and how fast. */
export interface BatchStats {
  /** Submissions graded by this run, and those taken from the progress journal of an earlier one. */
  graded: number;
  resumed: number;
  jobs: number;
  /** Milliseconds from the start of this run to the last result. */
  ms: number;
  /** Submissions graded per minute by this run. */
  perMinute: number;
  /** Peak resident set size of the process (main thread and workers), in MiB. */
  peakRssMiB: number;
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

/** The CSV and reports paths of a results file: `class.json` gives `class.csv` and `class.reports/`. */
export function batchSidePaths(out: string): { csv: string; reports: string } {
  const stem = out.replace(/\.json$/i, '');
  return { csv: `${stem}.csv`, reports: `${stem}.reports` };
}

/** A file name for a submission's report: its name with anything but letters, digits, `.`, `-`, `_` replaced. */
export function reportName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.txt`;
}

/** The hash of a submission's files, or undefined when they cannot be read (the worker then says why). */
function hashOf(root: string, path: string): string | undefined {
  try {
    return submissionHash(readSubmission(root, path));
  } catch {
    return undefined;
  }
}

/** The results file's contents from the results in submission order. */
function batchFile(ex: Exercise, results: BatchResult[], out: string, stats?: BatchStats): BatchFile {
  const maxScore = ex.scenarios.reduce((a, s) => a + s.points, 0);
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const side = batchSidePaths(out);
  const rel = (p: string) => relative(dirname(out), p).split('\\').join('/');
  return {
    version: BATCH_VERSION,
    exercise: { id: ex.manifest.id, title: ex.manifest.title },
    maxScore,
    scenarios: ex.scenarios.map((s) => ({ id: s.id, title: s.title, points: s.points, visible: s.visible })),
    summary: {
      submissions: results.length,
      passed: count('passed'),
      failed: count('failed'),
      error: count('error'),
      meanScore: results.length
        ? Math.round((results.reduce((a, r) => a + r.score, 0) / results.length) * 100) / 100
        : 0,
    },
    reports: rel(side.reports),
    csv: rel(side.csv),
    ...(stats ? { stats } : {}),
    results,
  };
}

/**
 * Run `teardown batch`: grade the submissions of `dir` not already in the
 * progress journal, at most `--jobs` at a time (each with its own timeout
 * from the moment its grading starts), then write the results file, the CSV
 * and the summary line. Returns the exit code: 0 when every submission
 * passed, 1 otherwise. UsageError or OutputError for bad options and paths,
 * before anything is graded. SIGINT and SIGTERM end the process with 130,
 * keeping the journal.
 */
export async function batchCommand(
  ex: Exercise,
  exerciseDir: string,
  dir: string,
  o: BatchCliOptions,
): Promise<number> {
  const jobs = parseJobs(o.jobs) ?? Math.max(1, Math.min(64, availableParallelism()));
  const timeoutMs = parseTimeoutMs(o.timeout) ?? 300_000;
  const seed = parseSeed(o.seed);
  const maxMemory = int('max-memory', o.maxMemory, 128, 65_536) ?? 1536;
  checkOutputPath(o.out);
  const side = batchSidePaths(o.out);
  checkOutputPath(side.csv);
  // the reports folder is not a submission, should --out put it inside the submission folder
  const subs = listSubmissions(dir).filter((p) => resolve(p) !== resolve(side.reports));
  try {
    mkdirSync(side.reports, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create the reports folder ${side.reports}: ${errnoReason(e)}`);
  }
  if (o.fresh) rmSync(journalPath(o.out), { force: true });
  const journal = openJournal(o.out, {
    journal: 1,
    exercise: ex.manifest.id,
    seed: seed ?? null,
    reproducible: o.reproducible === true,
  });
  const maxScore = ex.scenarios.reduce((a, s) => a + s.points, 0);
  const results: BatchResult[] = new Array(subs.length);
  const todo: { path: string; i: number; hash?: string }[] = [];
  subs.forEach((path, i) => {
    const hash = hashOf(dir, path);
    const old = journal.previous.get(basename(path));
    if (hash && old?.hash === hash) results[i] = old;
    else todo.push({ path, i, hash });
  });
  const resumed = subs.length - todo.length;
  if (resumed)
    process.stderr.write(
      `resuming: ${resumed} of ${subs.length} submissions already graded (${journal.path}); grading the other ${todo.length}\n`,
    );
  const pool = new Piscina<BatchTask, BatchResult>({
    filename: new URL('../batch/task.js', import.meta.url).href,
    maxThreads: jobs,
    minThreads: Math.min(jobs, todo.length || 1),
    idleTimeout: 1000,
    resourceLimits: { maxOldGenerationSizeMb: maxMemory },
  });
  const t0 = Date.now();
  const tty = process.stderr.isTTY === true;
  let done = 0;
  let errors = 0;
  const report = (r: BatchResult) => {
    done++;
    if (r.status === 'error') errors++;
    if (tty) process.stderr.write(`\r\x1b[2K${bar(done, todo.length, errors, t0)}`);
    else
      process.stderr.write(
        `${done}/${todo.length} ${r.name}: ${r.status} ${r.score}/${r.maxScore}${r.error ? ` (${r.error})` : ''}\n`,
      );
  };
  const onSignal = () => {
    process.stderr.write(
      `\ninterrupted: ${resumed + done} of ${subs.length} submissions graded and kept in ${journal.path}; the same command grades the rest\n`,
    );
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const gradeOne = async ({ path, i, hash }: (typeof todo)[number]) => {
    // the timeout starts when the grading starts: at most `jobs` submissions are handed to the pool at once
    const signal = AbortSignal.timeout(timeoutMs);
    const name = basename(path);
    const reportFile = join(side.reports, reportName(name));
    rmSync(reportFile, { force: true });
    let r: BatchResult;
    try {
      r = await pool.run({ exerciseDir, root: dir, path, reproducible: o.reproducible, seed, reportFile }, { signal });
      if (existsSync(reportFile)) r.report = relative(dirname(o.out), reportFile).split('\\').join('/');
    } catch (e) {
      const why =
        (e as Error).name === 'AbortError' || signal.aborted
          ? `grading took longer than ${timeoutMs / 1000} s`
          : `worker failed: ${(e as Error).message}`;
      r = { ...errorResult(name, maxScore, why), ...(hash ? { hash } : {}) };
    }
    results[i] = r;
    journal.append(r);
    report(r);
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, todo.length) }, async () => {
      while (next < todo.length) await gradeOne(todo[next++]!);
    }),
  );
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  if (tty) process.stderr.write('\n');
  await pool.destroy();
  const ms = Date.now() - t0;
  const stats: BatchStats = {
    graded: todo.length,
    resumed,
    jobs,
    ms,
    perMinute: ms ? Math.round((todo.length / ms) * 60_000 * 10) / 10 : 0,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  const file = batchFile(ex, keepOneExample(results), o.out, o.reproducible ? undefined : stats);
  writeOutputFile(o.out, JSON.stringify(file, null, 2) + '\n');
  writeOutputFile(
    side.csv,
    renderScoresCsv(
      results,
      ex.scenarios.map((s) => s.id),
    ),
  );
  journal.remove();
  process.stderr.write(
    `${results.length} submissions: ${file.summary.passed} passed, ${file.summary.failed} failed, ${file.summary.error} not gradable; results in ${o.out}, scores in ${side.csv}\n` +
      `graded ${todo.length} in ${(ms / 1000).toFixed(1)} s with ${jobs} worker${jobs === 1 ? '' : 's'} (${stats.perMinute} per minute, peak memory ${stats.peakRssMiB} MiB)${resumed ? `; ${resumed} taken from the earlier run` : ''}\n`,
  );
  return file.summary.passed === results.length ? EXIT_OK : EXIT_FINDINGS;
}
