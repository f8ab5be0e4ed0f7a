/**
 * Output of the `teardown` commands: files named with `--out` and the
 * standard streams. An output file that cannot be written is an OutputError
 * (cli.ts prints `teardown: <message>` and exits 2); a reader that goes away
 * (EPIPE on standard output or error, as in `teardown batch --help | head -1`)
 * ends the process quietly with the exit code so far.
 */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errnoReason } from './input.js';

/** An output file that cannot be written; the message names the path and the reason. */
export class OutputError extends Error {}

/**
 * Check, before any work, that `path` can be a results file: its folder
 * exists and is a folder, and `path` is not a directory. OutputError otherwise.
 * (Permissions are left to the write itself, which reports them the same way.)
 */
export function checkOutputPath(path: string): void {
  const dir = dirname(resolve(path));
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new OutputError(`cannot write ${path}: its folder ${dir} does not exist (${errnoReason(e)})`);
  }
  if (!st.isDirectory()) throw new OutputError(`cannot write ${path}: ${dir} is not a folder`);
  const target = statSync(path, { throwIfNoEntry: false });
  if (target?.isDirectory()) throw new OutputError(`cannot write ${path}: it is a directory`);
}

/** Write `text` to the file `path`; OutputError with the path and the reason when it cannot be written. */
export function writeOutputFile(path: string, text: string): void {
  checkOutputPath(path);
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new OutputError(`cannot write ${path}: ${errnoReason(e)}`);
  }
}

let guarded = false;

/**
 * Make a closed standard output or error end the process quietly: EPIPE
 * exits with `process.exitCode` (0 when unset) and no message; any other
 * error on the streams is one line on standard error and exit 2. Installed
 * once per process (main() calls it; calling it again does nothing).
 */
export function guardStdio(): void {
  if (guarded) return;
  guarded = true;
  const onError = (stream: string) => (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    if (stream === 'stdout') {
      try {
        process.stderr.write(`teardown: cannot write to standard output: ${errnoReason(e)}\n`);
      } catch {
        // standard error is gone as well: nothing left to tell
      }
    }
    process.exit(2);
  };
  process.stdout.on('error', onError('stdout'));
  process.stderr.on('error', onError('stderr'));
}

/**
 * End the process with `process.exitCode` once standard output and error
 * have written what they hold: what the entry points (bin/teardown.js, the
 * autograders' bundle) do when a command's `main` has returned. Left to
 * itself, Node waits at exit for V8's background tasks, the optimising
 * compiles still queued among them (code nothing will run): 30 to 50 ms after
 * a grading of vdev-lifetime on 2 cores, none with `--no-opt`. Every command
 * has finished its work when `main` returns (a worker pool is closed, files
 * are written synchronously), so nothing else is cut short.
 */
export function exitWhenFlushed(): void {
  let pending = 0;
  const done = () => {
    if (--pending === 0) process.exit();
  };
  for (const s of [process.stdout, process.stderr])
    if (s.writableLength > 0) {
      pending++;
      s.write('', done);
    }
  if (pending === 0) process.exit();
}
