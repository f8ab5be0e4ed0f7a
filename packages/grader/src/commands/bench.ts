/**
 * `teardown bench`: the classic DPOR benchmarks (bench/programs.ts; README.md, "Performance"),
 * the iommufd model at 3 and 4 threads (bench/model.ts), the VM alone (bench/vm.ts), grading
 * with executions, distinct Mazurkiewicz traces, states, time, executions per
 * second, the published trace count and the ratio of executions to traces.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkProgram } from '@teardown/core';
import { BENCHMARKS } from '../bench/programs.js';
import {
  MODEL_BENCHMARKS,
  MODEL_BENCH_MODES,
  type ModelBenchMode,
  modelBenchTable,
  runModelBenchmark,
  runModelBenchmarks,
} from '../bench/model.js';
import { VM_BENCH_CHILD, type VmBenchRow, runVmBenchmark, runVmBenchmarkChild, vmBenchLine } from '../bench/vm.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../errors.js';

export interface BenchRow {
  name: string;
  strategy: string;
  executions: number;
  traces: number;
  states: number;
  ms: number;
  perSecond: number;
  published: number | null;
  ratio: number;
}

export async function runDporBenchmarks(filter?: RegExp): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const b of BENCHMARKS) {
    if (filter && !filter.test(b.name)) continue;
    // warm up the JIT on the first run of each program, then measure
    await checkProgram(`${b.name}.c`, b.src, {
      strategy: 'dpor',
      traces: false,
      minimise: false,
      budget: { executions: 50 },
    });
    const r = await checkProgram(`${b.name}.c`, b.src, {
      strategy: 'dpor',
      traces: false,
      minimise: false,
      budget: { executions: 1_000_000, ms: 120_000 },
    });
    const s = r.stats!;
    rows.push({
      name: b.name,
      strategy: 'dpor',
      executions: s.executions,
      traces: s.traces,
      states: s.states,
      ms: Math.round(s.ms * 10) / 10,
      perSecond: Math.round((s.executions / Math.max(s.ms, 0.001)) * 1000),
      published: b.published,
      ratio: s.traces ? Math.round((s.executions / s.traces) * 100) / 100 : 0,
    });
  }
  return rows;
}

export function benchTable(rows: BenchRow[]): string {
  const head = ['benchmark', 'executions', 'traces', 'published', 'exec/traces', 'states', 'ms', 'exec/s'];
  const body = rows.map((r) => [
    r.name,
    String(r.executions),
    String(r.traces),
    r.published === null ? '-' : String(r.published),
    r.ratio.toFixed(2),
    String(r.states),
    r.ms.toFixed(1),
    String(r.perSecond),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) =>
    '| ' + c.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join(' | ') + ' |';
  return [
    line(head),
    '|' + w.map((x, i) => (i === 0 ? '-'.repeat(x + 2) : '-'.repeat(x + 1) + ':')).join('|') + '|',
    ...body.map(line),
  ].join('\n');
}

export async function benchCommand(o: {
  json?: boolean;
  only?: string;
  save?: boolean;
  unbounded?: boolean;
  modelChild?: string;
}): Promise<number> {
  if (o.modelChild === VM_BENCH_CHILD) {
    process.stdout.write(`${JSON.stringify(await runVmBenchmark())}\n`);
    return EXIT_OK;
  }
  if (o.modelChild !== undefined) {
    // one model benchmark, in the fresh process runModelBenchmarks started, as JSON
    const at = o.modelChild.lastIndexOf('@');
    const [name, mode] = at < 0 ? [o.modelChild, 'dpor'] : [o.modelChild.slice(0, at), o.modelChild.slice(at + 1)];
    process.stdout.write(
      `${JSON.stringify(await runModelBenchmark(name, mode as ModelBenchMode, o.unbounded === true))}\n`,
    );
    return EXIT_OK;
  }
  if (o.unbounded && o.only === undefined)
    // stateless optimal DPOR on the 4-thread scenario does not finish in hours
    throw new UsageError(
      "--unbounded explores without a budget: choose the model benchmarks with --only (for example --only 'alloc.*\\(dpor\\+cache\\)')",
    );
  const filter = o.only === undefined ? undefined : onlyFilter(o.only);
  // on a terminal, a line on standard error as each model and grading benchmark starts and ends (the whole bench
  // takes minutes, and its tables are written at the end)
  const progress =
    process.stderr.isTTY === true ? (line: string) => process.stderr.write(`bench: ${line}\n`) : undefined;
  const rows = await runDporBenchmarks(filter);
  const model = runModelBenchmarks(filter, o.unbounded === true, progress);
  let vm: VmBenchRow | null = null;
  if (!filter || filter.test('vm')) {
    progress?.('vm: random walks on the machine alone');
    vm = runVmBenchmarkChild();
  }
  const extra = (await import('../bench/grading.js').catch(() => null))?.runGradingBenchmarks;
  const grading = extra && (!filter || filter.test('grade')) ? await extra(progress) : [];
  const result = { version: 1, node: process.version, date: new Date().toISOString(), dpor: rows, model, vm, grading };
  if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    if (rows.length) {
      process.stdout.write(
        'Optimal DPOR on the classic benchmarks (one run each, after a warm-up; times vary with the machine)\n\n',
      );
      process.stdout.write(benchTable(rows) + '\n');
    }
    if (model.length) {
      process.stdout.write(
        '\nThe iommufd model: optimal DPOR over the vdev-lifetime solution, each in a fresh process\n\n',
      );
      process.stdout.write(modelBenchTable(model) + '\n');
    }
    if (vm) {
      process.stdout.write('\nThe VM alone (no exploration kept), in a fresh process\n\n');
      process.stdout.write(`${vmBenchLine(vm)}\n`);
    }
    if (grading.length) {
      process.stdout.write('\nGrading\n\n');
      for (const g of grading) process.stdout.write(`  ${g.name}: ${g.text}\n`);
    }
  }
  if (o.save) {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
    mkdirSync(join(root, 'bench'), { recursive: true });
    writeFileSync(join(root, 'bench/results.json'), JSON.stringify(result, null, 2) + '\n');
  }
  return rows.every((r) => r.published === null || r.traces === r.published) ? EXIT_OK : EXIT_FINDINGS;
}

/**
 * `--only <regex>` as a filter: a usage error (exit 2) when it is not a
 * regular expression or matches no benchmark, which would otherwise run
 * nothing and print nothing. A benchmark matches by its name: a classic
 * one's, a model one's with or without its mode (`name (mode)`), `vm`, or
 * `grade` for the gradings.
 */
function onlyFilter(only: string): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(only);
  } catch (e) {
    throw new UsageError(`--only '${only}' is not a regular expression: ${(e as Error).message}`);
  }
  const classic = BENCHMARKS.map((b) => b.name);
  const models = MODEL_BENCHMARKS.flatMap((b) => [b.name, ...MODEL_BENCH_MODES.map((m) => `${b.name} (${m})`)]);
  if (![...classic, ...models, 'vm', 'grade'].some((n) => re.test(n))) {
    // listed shorter than they match: each model scenario once, with its modes
    const listed = [...classic, ...MODEL_BENCHMARKS.map((b) => `${b.name} (${MODEL_BENCH_MODES.join(', ')})`)];
    throw new UsageError(
      `--only '${only}' matches no benchmark; their names: ${[...listed, 'vm', 'grade'].join('; ')}`,
    );
  }
  return re;
}
