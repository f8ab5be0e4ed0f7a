/**
 * The `teardown` command line: check, replay, grade, batch, bench.
 * Exit codes: 0 no finding / all scenarios pass, 1 findings / a scenario
 * failed, 2 invalid input or usage.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { initNodeParser } from '@teardown/core/node';
import { checkCommand } from './commands/check.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

function readSource(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export class UsageError extends Error {}

/** Run the CLI with process.argv-style arguments; resolves to nothing, sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('teardown')
    .description('Race checker and grader for kernel-C teardown exercises (iommufd/VFIO object lifetimes)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('check')
    .description('explore the interleavings of a standalone kernel-C program (setup, thread_<name>..., check)')
    .argument('<program.c>', 'the program')
    .option('--json', 'print a versioned JSON report')
    .addOption(new Option('--strategy <name>', 'exploration strategy').choices(['dfs', 'replay']).default('dfs'))
    .option('--budget <spec>', 'stop after N executions or a time, e.g. 5000, 10s, 500ms')
    .option('--reproducible', 'omit wall-clock timing from the report (byte-identical reruns)')
    .action(async (file: string, o: { json?: boolean; strategy: string; budget?: string; reproducible?: boolean }) => {
      await initNodeParser();
      process.exitCode = await checkCommand(file, readSource(file), o);
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
