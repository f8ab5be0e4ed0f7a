/**
 * The `teardown` command line: check, replay, grade, batch, bench.
 * Exit codes: 0 no finding / all scenarios pass, 1 findings / a scenario
 * failed, 2 invalid input or usage.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { initNodeParser } from '@teardown/core/node';
import { STRATEGY_NAMES } from '@teardown/core';
import { checkCommand, type CheckCliOptions } from './commands/check.js';
import { replayCommand } from './commands/replay.js';
import { benchCommand } from './commands/bench.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Options shared by commands that explore. */
function explorationOptions(c: Command): Command {
  return c
    .addOption(new Option('--strategy <name>', 'exploration strategy').choices(STRATEGY_NAMES as string[]).default('portfolio'))
    .option('--preemptions <k>', 'bounded: the highest preemption bound (default 2; portfolio: 3)')
    .option('--depth <d>', 'pct: the bug depth to aim for (default 3)')
    .option('--runs <n>', 'pct and random: number of runs (default 1000)')
    .option('--seed <n>', 'seed of the randomised strategies (default 1)')
    .option('--budget <spec>', 'stop after N executions and/or a time, e.g. 5000, 10s, 5000,10s');
}

/** Run the CLI with process.argv-style arguments; sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('teardown')
    .description('Race checker and grader for kernel-C teardown exercises (iommufd/VFIO object lifetimes)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  explorationOptions(program
    .command('check')
    .description('explore the interleavings of a standalone kernel-C program (setup, thread_<name>..., check)')
    .argument('<program.c>', 'the program'))
    .option('--json', 'print a versioned JSON report')
    .option('--reproducible', 'omit wall-clock timing from the report (byte-identical reruns)')
    .option('--no-minimise', 'keep counterexamples as found')
    .option('--state-cache', 'dfs only: prune states already explored (stateful search)')
    .action(async (file: string, o: CheckCliOptions) => {
      await initNodeParser();
      process.exitCode = await checkCommand(file, readSource(file), o);
    });

  program
    .command('replay')
    .description('replay one schedule of a program step by step, one column per thread')
    .argument('<program.c>', 'the program')
    .requiredOption('--schedule <token>', 'the schedule token a finding printed (comma-separated tokens replay several executions)')
    .option('--json', 'print the steps and findings as JSON')
    .action(async (file: string, o: { schedule: string; json?: boolean }) => {
      await initNodeParser();
      process.exitCode = await replayCommand(file, readSource(file), o);
    });

  program
    .command('bench')
    .description('run the benchmarks: classic DPOR programs and grading, with executions, traces and timings')
    .option('--json', 'print the results as JSON')
    .option('--only <regex>', 'run only the benchmarks whose name matches')
    .option('--save', 'write the results to bench/results.json')
    .action(async (o: { json?: boolean; only?: string; save?: boolean }) => {
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
    if (e instanceof UsageError) {
      process.stderr.write(`teardown: ${e.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    throw e;
  }
}
