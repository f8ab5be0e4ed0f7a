/**
 * The `teardown` command line: check, replay, grade, batch, exercise, upstream, bench.
 * Exit codes (errors.ts): 0 no finding / all scenarios pass, 1 findings / a
 * scenario failed, 2 invalid input or usage.
 */
import { Command, CommanderError, Option } from 'commander';
import { join, resolve } from 'node:path';
import { initNodeParser } from '@teardown/core/node';
import { STRATEGY_NAMES } from '@teardown/core';
import type { CheckCliOptions } from './commands/check.js';
import { gradeCommand, submissionNames, type GradeCliOptions } from './commands/grade.js';
import type { BatchCliOptions } from './commands/batch.js';
import type { UpstreamCliOptions } from './commands/upstream.js';
import { findExerciseDir, findUpstreamDir, loadExercise } from './exercise/node.js';
import { ModelVariantError } from '@teardown/core';
import { registerAutograderCommands } from './commands/autograder.js';
import { registerReportCommand } from './commands/report.js';
import { ExerciseError, type Exercise } from './exercise/manifest.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import { InputError, errnoReason, readSourceFile } from './input.js';
import { OutputError, guardStdio, writeOutputFile } from './output.js';

export { exitWhenFlushed } from './output.js';
import { compileWasmWithLiftoffOnly } from './wasm-tier.js';

// The commands other than grade load their modules when they run (a fresh
// `teardown grade` does not load check, replay, batch, upstream, bench, the
// exercise self-check nor the worker pool: README "Performance").

/** `teardown replay`'s options. */
interface ReplayCliOptions {
  schedule: string;
  json?: boolean;
  timeouts?: 'quiescent' | 'anytime';
  exercise?: string;
  scenario?: string;
}

/** Load an exercise by id or folder; a usage error when it does not exist or is broken. */
function exerciseOrUsage(nameOrPath: string): Exercise {
  const dir = findExerciseDir(nameOrPath);
  if (!dir)
    throw new UsageError(
      `no exercise '${nameOrPath}' (give an exercise id such as vdev-lifetime, or a folder with an exercise.json)`,
    );
  try {
    return loadExercise(dir);
  } catch (e) {
    if (e instanceof ExerciseError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * The model functions a graded file replaces: `--replace-model`'s list, or,
 * for a file that is one of the exercise's known-bad versions, the patch its
 * manifest entry declares (history replayed as posted).
 */
function modelPatch(ex: Exercise, dir: string, files: string[], flag: string | undefined): string[] | undefined {
  if (flag !== undefined) {
    const names = flag.split(',').map((x) => x.trim());
    if (names.some((n) => !/^[A-Za-z_]\w*$/.test(n)))
      throw new UsageError(`bad --replace-model '${flag}': expected function names separated by commas`);
    return names;
  }
  const abs = new Set(files.map((f) => resolve(f)));
  const kb = ex.manifest.knownBad.find((k) => abs.has(resolve(dir, k.file)));
  return kb?.replaces;
}

const SYNC_POINTS_HELP =
  'schedule only at synchronisation operations and at the plain accesses found racy, in rounds (docs/scheduler.md, "Synchronisation points")';

/** Options shared by commands that explore. */
function explorationOptions(c: Command): Command {
  return c
    .addOption(
      new Option('--strategy <name>', 'exploration strategy').choices(STRATEGY_NAMES as string[]).default('portfolio'),
    )
    .option('--preemptions <k>', 'bounded: the highest preemption bound (default 2; portfolio: 3)')
    .option('--depth <d>', 'pct: the bug depth to aim for (default 3)')
    .option('--runs <n>', 'pct and random: number of runs (default 1000)')
    .option('--seed <n>', 'seed of the randomised strategies (default 1)')
    .option('--budget <spec>', 'stop after N executions and/or a time, e.g. 5000, 10s, 5000,10s');
}

/** `--timeouts <mode>`: when a timed sleep's timeout may fire (ScenarioSpec.timeouts). */
function timeoutsOption(): Option {
  return new Option(
    '--timeouts <mode>',
    'when a timed wait may time out: quiescent (only when nothing else can run; grading) or anytime (while others run)',
  )
    .choices(['quiescent', 'anytime'])
    .default('quiescent');
}

/** The one line a failure prints after `teardown: `, or undefined for an internal error (a bug). */
function failureMessage(e: unknown): string | undefined {
  if (e instanceof UsageError || e instanceof InputError || e instanceof OutputError || e instanceof ModelVariantError)
    return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string')
    return `${err.syscall} ${err.path ?? ''}${err.path ? ': ' : ''}${errnoReason(err)}`;
  return undefined;
}

/**
 * Run the CLI with process.argv-style arguments; sets process.exitCode.
 * Bad usage and every I/O failure print one line `teardown: <message>` on
 * standard error and set exit code 2; a closed standard output ends the
 * process quietly (output.ts, guardStdio).
 */
export async function main(argv: string[]): Promise<void> {
  // before the parser's WebAssembly is compiled (wasm-tier.ts)
  compileWasmWithLiftoffOnly();
  guardStdio();
  const program = new Command();
  program
    .name('teardown')
    .description('Race checker and grader for kernel-C teardown exercises (iommufd/VFIO object lifetimes)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  explorationOptions(
    program
      .command('check')
      .description('explore the interleavings of a standalone kernel-C program (setup, thread_<name>..., check)')
      .argument('<program.c>', 'the program'),
  )
    .option('--json', 'print a versioned JSON report')
    .option('--reproducible', 'omit wall-clock timing from the report (byte-identical reruns)')
    .option('--no-minimise', 'keep counterexamples as found')
    .option(
      '--state-cache',
      "with --strategy dfs, dpor or source-dpor: prune states already explored (stateful search; DPOR then takes source-DPOR's reversals)",
    )
    .option(
      '--state-cache-mb <n>',
      'with --state-cache and DPOR: the memory its summaries may take (default 512); past it the oldest are forgotten and their states explored again',
    )
    .option('--sync-points', SYNC_POINTS_HELP)
    .option(
      '--jobs <n>',
      'threads exploring: the main one and n - 1 workers exploring subtrees ahead of it (default 1); the same report',
    )
    .addOption(timeoutsOption())
    .action(async (file: string, o: CheckCliOptions) => {
      const { checkCommand } = await import('./commands/check.js');
      await initNodeParser();
      process.exitCode = await checkCommand(file, readSourceFile(file), o);
    });

  program
    .command('replay')
    .description('replay one schedule of a program step by step, one column per thread')
    .argument('<program.c>', 'the program')
    .requiredOption(
      '--schedule <token>',
      'the schedule token a finding printed (comma-separated tokens replay several executions)',
    )
    .option('--json', 'print the steps and findings as JSON')
    .option(
      '--exercise <exercise>',
      "with --scenario: the program is a submission (or a known-bad file) of this exercise; replay that scenario's interleaving (a played challenge's token)",
    )
    .option('--scenario <id>', 'with --exercise: the scenario the token belongs to')
    .addOption(timeoutsOption())
    .action(async (file: string, o: ReplayCliOptions) => {
      if ((o.exercise === undefined) !== (o.scenario === undefined))
        throw new UsageError('--exercise and --scenario go together (a scenario of an exercise)');
      await initNodeParser();
      if (o.exercise !== undefined) {
        // a scenario of an exercise: the same replay as `grade --only <scenario> --schedule <token>`
        const ex = exerciseOrUsage(o.exercise);
        const replaces = modelPatch(ex, findExerciseDir(o.exercise)!, [file], undefined);
        const [name] = submissionNames([file]);
        process.exitCode = await gradeCommand(ex, [{ name: name!, text: readSourceFile(file) }], {
          only: o.scenario,
          schedule: o.schedule,
          ...(o.json ? { json: true } : {}),
          ...(o.timeouts ? { timeouts: o.timeouts } : {}),
          ...(replaces ? { replaces } : {}),
        } as GradeCliOptions);
        return;
      }
      const { replayCommand } = await import('./commands/replay.js');
      process.exitCode = await replayCommand(file, readSourceFile(file), o);
    });

  program
    .command('grade')
    .description('grade a submission against an exercise: every scenario, points, findings with minimised traces')
    .argument('<exercise>', 'exercise id (vdev-lifetime) or folder')
    .argument('<files...>', "the submission's C files")
    .option('--json', 'print the versioned JSON report')
    .option('--gradescope', 'print Gradescope results.json')
    .option('--github-classroom', 'print the GitHub Classroom result payload (base64)')
    .option('--junit', 'print JUnit XML')
    .option('--prairielearn', "print PrairieLearn's external grader results.json")
    .option('--out <file>', 'write the report to a file instead of standard output')
    .option('--quick', "visible scenarios only, with the quick budget (the workbook's Run)")
    .option('--only <ids>', 'only these scenarios (comma-separated ids)')
    .addOption(new Option('--strategy <name>', 'exploration strategy').choices(STRATEGY_NAMES as string[]))
    .option('--seed <n>', 'seed of the randomised strategies')
    .option('--budget <spec>', "per-scenario budget instead of the exercise's, e.g. 5000,10s")
    .option('--reproducible', 'omit wall-clock timing (byte-identical reruns)')
    .option('--no-traces', 'text output without the trace tables')
    .option('--no-progress', 'no progress line on standard error')
    .option('--schedule <token>', 'with --only: replay that interleaving step by step (the token a finding printed)')
    .option('--sync-points', SYNC_POINTS_HELP)
    .option(
      '--jobs <n>',
      'threads grading the scenarios in parallel: the main one and n - 1 workers (default 1: in-process)',
    )
    .addOption(timeoutsOption())
    .option(
      '--replace-model <functions>',
      "model functions the file defines in place of the model's (comma-separated; a known-bad file of the exercise gets its manifest's list)",
    )
    .option(
      '--model <variant>',
      'grade on a model variant: iommufd-6.17 with named patches, e.g. iommufd-6.17+wake-up-all',
    )
    .action(async (exercise: string, files: string[], o: GradeCliOptions) => {
      const ex = exerciseOrUsage(exercise);
      o.replaces = modelPatch(ex, findExerciseDir(exercise)!, files, o.replaceModel);
      const names = submissionNames(files);
      const submission = files.map((f, i) => ({ name: names[i]!, text: readSourceFile(f) }));
      await initNodeParser();
      process.exitCode = await gradeCommand(ex, submission, o);
    });

  program
    .command('batch')
    .description(
      'grade every submission in a folder (each .c file or sub-folder) in parallel, into one results file, a CSV and a report each; resumable',
    )
    .argument('<exercise>', 'exercise id or folder')
    .argument('<dir>', 'folder of submissions')
    .requiredOption('--out <file>', 'the results file (JSON)')
    .option('--jobs <n>', 'worker threads (default: the number of cores)')
    .option('--timeout <seconds>', 'give up on one submission after this long (default 300)')
    .option('--seed <n>', 'seed of the randomised strategies')
    .option('--reproducible', 'omit wall-clock timing')
    .option('--max-memory <MiB>', 'heap limit of each worker thread (default 1536)')
    .option('--fresh', 'ignore the progress of an interrupted earlier run and grade everything again')
    .action(async (exercise: string, dir: string, o: BatchCliOptions) => {
      const ex = exerciseOrUsage(exercise);
      const { batchCommand } = await import('./commands/batch.js');
      process.exitCode = await batchCommand(ex, findExerciseDir(exercise)!, dir, o);
    });

  registerAutograderCommands(program, exerciseOrUsage);
  registerReportCommand(program);

  program
    .command('exercise')
    .description('check an exercise: the solution passes, known-bad versions fail as declared, the starter fails')
    .argument('<exercise>', 'exercise id or folder')
    .option('--write-model-findings', 'regenerate the reference model findings from the solution')
    .option(
      '--jobs <n>',
      'threads grading the scenarios in parallel: the main one and n - 1 workers (default 1: in-process)',
    )
    .action(async (exercise: string, o: { writeModelFindings?: boolean; jobs?: string }) => {
      const ex = exerciseOrUsage(exercise);
      const { jobsOption, withGradeRunner } = await import('./parallel/runner.js');
      const { checkExercise, modelFindingsFile } = await import('./exercise/selftest.js');
      const jobs = jobsOption(o.jobs);
      await initNodeParser();
      if (o.writeModelFindings) {
        const file = join(findExerciseDir(exercise)!, ex.manifest.modelFindings ?? 'model-findings.json');
        writeOutputFile(file, await withGradeRunner(jobs, (runner) => modelFindingsFile(ex, runner)));
        process.stdout.write(`wrote ${file}\n`);
        return;
      }
      let failed = 0;
      await withGradeRunner(jobs, (runner) =>
        checkExercise(ex, {
          bare: true,
          challenges: true,
          runner,
          onCheck: (c) => {
            if (!c.ok) failed++;
            process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
          },
        }),
      );
      process.exitCode = failed ? EXIT_FINDINGS : EXIT_OK;
    });

  program
    .command('upstream')
    .description('the findings of the model in upstream code: each reproducer run on the model and with its fix')
    .argument('[ids...]', 'only these findings (default: all)')
    .option(
      '--json',
      'print {id, kind, title, function, scenario, fixedBy, reproducesOn617, fixedWithPatch} per finding',
    )
    .option('--traces', 'print each finding with its minimised interleaving')
    .option('--schedule <token>', 'with one id: replay that interleaving of its reproducer step by step')
    .option('--fixed', 'with --schedule: replay on the model with the fix')
    .action(async (ids: string[], o: UpstreamCliOptions) => {
      const dir = findUpstreamDir();
      if (!dir) throw new UsageError('no upstream/findings.json here or in this repository');
      const { upstreamCommand, loadUpstream } = await import('./commands/upstream.js');
      const { UpstreamError } = await import('./upstream/findings.js');
      let loaded: ReturnType<typeof loadUpstream>;
      try {
        loaded = loadUpstream(dir, (id) => findExerciseDir(id));
      } catch (e) {
        if (e instanceof UpstreamError || e instanceof ExerciseError) throw new UsageError(e.message);
        throw e;
      }
      await initNodeParser();
      process.exitCode = await upstreamCommand(loaded.up, loaded.pex, ids, o);
    });

  program
    .command('bench')
    .description('run the benchmarks: classic DPOR programs and grading, with executions, traces and timings')
    .option('--json', 'print the results as JSON')
    .option(
      '--only <regex>',
      'run only the benchmarks whose name (a model one\'s with its mode: "name (dpor+cache)") matches',
    )
    .option('--save', 'write the results to bench/results.json')
    .option(
      '--unbounded',
      'explore the model benchmarks without their budgets (choose them with --only: the 4-thread one stateless does not finish; stateful it always runs to the end, in about 2 minutes)',
    )
    .addOption(new Option('--model-child <name>', 'run one model benchmark and print its JSON (internal)').hideHelp())
    .action(async (o: { json?: boolean; only?: string; save?: boolean; unbounded?: boolean; modelChild?: string }) => {
      const { benchCommand } = await import('./commands/bench.js');
      await initNodeParser();
      process.exitCode = await benchCommand(o);
    });

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    const message = failureMessage(e);
    if (message === undefined) throw e;
    process.stderr.write(`teardown: ${message}\n`);
    process.exitCode = EXIT_USAGE;
  }
}
