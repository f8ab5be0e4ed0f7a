/**
 * Which of V8's compilers build the C parser's WebAssembly in a command-line run.
 *
 * The parser is tree-sitter's, about 1 MB of WebAssembly (web-tree-sitter and
 * the C grammar). V8 compiles it with Liftoff, its baseline compiler, and then
 * compiles the functions that run hot again with TurboFan, its optimising one,
 * on a background thread: in a check of a small example the grammar's two lexer
 * functions and the parse loop (about 180 ms of compile time), in a fresh grading
 * about 15 functions (about 370 ms). A command parses a few files (the model's
 * come from the parse cache, node.ts in core), so that work, on a machine with
 * few cores, costs the exploring thread more than the faster parser gives back:
 * on the 2-core machine of the README's "Performance", with Liftoff only, `teardown
 * check examples/data-race.c` took 0.73 of the time (149 against 203 ms, medians
 * of 15 alternating fresh runs) and a fresh `teardown grade vdev-lifetime
 * solution.c` 0.94 (974 against 1,038 ms, 22 runs); `teardown exercise
 * vdev-lifetime` took about as long either way, a grading without the parse cache
 * 0.91. Liftoff's code parses about 1.7 times slower once TurboFan's would have
 * been ready (15 against 9 ms for 76 KB of the model's source in a long-lived
 * process): a grading parses only the submission. It is V8's ordinary
 * WebAssembly code, only less optimised: nothing a parse returns changes.
 *
 * V8 lists `--liftoff-only` among its testing flags; the pair `--no-wasm-tier-up
 * --no-wasm-dynamic-tiering` does the same here (153 ms on that check; the second
 * alone is slower, 214 to 247 ms: every function is then optimised at once), but
 * one flag is one name fewer for a later V8 to drop, and V8 does not throw on a
 * flag it does not know: it prints `Error: unrecognized flag` on standard error,
 * which test/wasm-tier.test.ts would catch (with a traced run that shows no
 * parser function compiled by TurboFan, in the main thread and in workers).
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Have V8 compile WebAssembly with Liftoff only (`--liftoff-only`), from now on
 * in this process and its worker threads. Call it before the parser's
 * WebAssembly is compiled (the CLI's `main` does, first). With V8's flags frozen
 * after start (`node --freeze-flags-after-init`, which only the command line can
 * give) V8 would abort the process on the change, so nothing is set then.
 * @returns whether the flag was set
 */
export function compileWasmWithLiftoffOnly(): boolean {
  if (process.execArgv.some((a) => /^--freeze[-_]flags[-_]after[-_]init$/.test(a))) return false;
  setFlagsFromString('--liftoff-only');
  return true;
}
