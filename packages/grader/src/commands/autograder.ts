/**
 * The instructors' platform commands: `teardown autograder gradescope`,
 * `teardown autograder prairielearn`, `teardown autograder run` (what their
 * entry points call) and `teardown classroom`. Registered on the CLI by
 * registerAutograderCommands (cli.ts, one line). The builders and the runner
 * load when their command runs (a `teardown grade` does not load them).
 */
import { Option, type Command } from 'commander';
import type { Exercise } from '../exercise/manifest.js';
import { RUN_FORMATS } from '../autograder/formats.js';
import type { RunCliOptions } from '../autograder/run.js';
import { checkOutputPath } from '../output.js';
import { int } from '../options.js';
import { writeFileSync } from 'node:fs';
import { OutputError } from '../output.js';
import { errnoReason } from '../input.js';

/** `--test-time-limit <s>` in seconds, or the default. */
const limitOf = (v: string | undefined) => int('test-time-limit', v, 1, 3600);

function testTimeLimit(): Option {
  return new Option(
    '--test-time-limit <seconds>',
    "most time one scenario may take (default 60; the exercise's own budget applies when lower)",
  );
}

/** Add the commands to `program`; `exercise` loads an exercise by id or folder (a UsageError when there is none). */
export function registerAutograderCommands(program: Command, exercise: (nameOrPath: string) => Exercise): void {
  const ag = program
    .command('autograder')
    .description('build autograders for Gradescope and PrairieLearn, and run them (what their entry points call)');

  ag.command('gradescope')
    .description('a Gradescope autograder zip: setup.sh, run_autograder, the grader bundled with the exercise')
    .argument('<exercise>', 'exercise id or folder')
    .requiredOption('--out <file>', 'the zip to write (autograder.zip)')
    .addOption(testTimeLimit())
    .action(async (id: string, o: { out: string; testTimeLimit?: string }) => {
      checkOutputPath(o.out);
      const { gradescopeZip } = await import('../autograder/gradescope.js');
      const { zip, version, warnings } = await gradescopeZip(exercise(id), limitOf(o.testTimeLimit));
      write(o.out, zip);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`wrote ${o.out} (${Math.round(zip.length / 1024)} KiB, grader ${version.grader})\n`);
    });

  ag.command('prairielearn')
    .description('a PrairieLearn question and its external grader (questions/<id>/, serverFilesCourse/teardown/)')
    .argument('<exercise>', 'exercise id or folder')
    .requiredOption('--out <dir>', 'a new folder to write them into')
    .addOption(testTimeLimit())
    .action(async (id: string, o: { out: string; testTimeLimit?: string }) => {
      const { prairieLearnTemplate } = await import('../autograder/prairielearn.js');
      const { writeTree } = await import('../autograder/files.js');
      const { tree } = await prairieLearnTemplate(exercise(id), limitOf(o.testTimeLimit));
      writeTree(o.out, tree);
      process.stdout.write(`wrote ${o.out}: copy questions/ and serverFilesCourse/ into your course\n`);
    });

  ag.command('run')
    .description("grade an uploaded submission folder into a platform's results file (always writes one)")
    .argument('<exercise>', 'exercise id or folder')
    .requiredOption('--submission <dir>', 'the folder with the uploaded files')
    .addOption(new Option('--format <format>', 'results format').choices([...RUN_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <file>', 'the results file')
    .option('--file <name>', 'the file name asked for (default <exercise>.c)')
    .addOption(testTimeLimit())
    .action(async (id: string, o: RunCliOptions) => {
      const { autograderRun } = await import('../autograder/run.js');
      process.exitCode = await autograderRun(exercise(id), o);
    });

  program
    .command('classroom')
    .description('a GitHub Classroom template repository: starter, statement, workflow, the grader bundled')
    .argument('<exercise>', 'exercise id or folder')
    .requiredOption('--out <dir>', 'a new folder for the template repository')
    .addOption(testTimeLimit())
    .action(async (id: string, o: { out: string; testTimeLimit?: string }) => {
      const { classroomTemplate } = await import('../autograder/classroom.js');
      const { writeTree } = await import('../autograder/files.js');
      const { tree, version } = await classroomTemplate(exercise(id), limitOf(o.testTimeLimit));
      writeTree(o.out, tree);
      process.stdout.write(
        `wrote ${o.out} (grader ${version.grader}, sha256 ${version.sha256.slice(0, 12)}...): push it as the assignment's template repository\n`,
      );
    });
}

/** Write bytes to `path`; OutputError with the reason when it cannot be written. */
function write(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new OutputError(`cannot write ${path}: ${errnoReason(e)}`);
  }
}
