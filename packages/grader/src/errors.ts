/**
 * What every `teardown` command shares for failing: the exit codes and the
 * usage error. Commands import them from here (not from cli.ts), so that
 * cli.ts imports the commands and nothing imports cli.ts back. Reading
 * sources is input.ts (readSourceFile), writing files output.ts.
 */

/** No finding, every scenario passed. */
export const EXIT_OK = 0;
/** Findings, or a scenario failed. */
export const EXIT_FINDINGS = 1;
/** Invalid input or usage: a bad option, a missing file, a program that does not compile. */
export const EXIT_USAGE = 2;

/** Bad input from the command line: cli.ts prints the message and exits with EXIT_USAGE. */
export class UsageError extends Error {}
