/**
 * `teardown report <results.json> --out class.html`: the class report of a
 * batch (report/class-html.ts). Registered on the CLI by registerReportCommand
 * (cli.ts, one line); the report's modules load when the command runs.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { BatchFile } from './batch.js';
import { UsageError } from '../errors.js';
import { errnoReason } from '../input.js';
import { checkOutputPath, writeOutputFile } from '../output.js';
import { int } from '../options.js';

/**
 * Read a batch results file. UsageError when it cannot be read, is not JSON,
 * or is not a version-1 results file of `teardown batch`. A file written
 * before results listed the scenarios gets them from its first graded result.
 */
export function readBatchFile(path: string): BatchFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${errnoReason(e)}`);
  }
  let f: BatchFile;
  try {
    f = JSON.parse(text) as BatchFile;
  } catch (e) {
    throw new UsageError(`${path} is not JSON: ${(e as Error).message}`);
  }
  if (f?.version !== 1 || !Array.isArray(f.results) || typeof f.maxScore !== 'number' || !f.exercise)
    throw new UsageError(`${path} is not a results file of teardown batch (version 1)`);
  if (!Array.isArray(f.scenarios)) {
    const first = f.results.find((r) => r.scenarios.length);
    f.scenarios = (first?.scenarios ?? []).map((s) => ({ id: s.id, title: s.id, points: 0, visible: true }));
  }
  return f;
}

/** Add `teardown report` to `program`. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('a self-contained HTML class report of a batch: histogram, pass rates, common findings, submissions')
    .argument('<results.json>', 'the results file of teardown batch')
    .requiredOption('--out <file>', 'the HTML page to write (put it beside the results file: it links the reports)')
    .option('--top <n>', 'how many of the most common findings to show (default 10)')
    .action(async (results: string, o: { out: string; top?: string }) => {
      checkOutputPath(o.out);
      const file = readBatchFile(results);
      // the reports are named relative to the results file; the page links them relative to itself
      const rel = (p: string) =>
        relative(dirname(resolve(o.out)), resolve(dirname(results), p))
          .split(sep)
          .join('/');
      for (const r of file.results) if (r.report) r.report = rel(r.report);
      const { classStats } = await import('../report/class-stats.js');
      const { renderClassReport } = await import('../report/class-html.js');
      const stats = classStats(file, int('top', o.top, 1, 1000) ?? 10);
      writeOutputFile(o.out, await renderClassReport(stats));
      process.stdout.write(`wrote ${o.out} (${stats.results.length} submissions)\n`);
    });
}
