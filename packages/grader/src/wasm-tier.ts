/**
 * Which of V8's compilers build the C parser's WebAssembly in a command-line run.
 *
 * The parser is tree-sitter's, about 1 MB of WebAssembly (web-tree-sitter and
 * the C grammar). V8 compiles it first with Liftoff, its baseline compiler, and
 * then again with TurboFan, its optimising one, in the background, for the
 * functions that run hot. A command parses a few files (the model's come from the
 * parse cache, node.ts in core), so the second compilation costs a command more
 * than it saves: on the 2-core machine of the README's "Performance", `teardown
 * check examples/data-race.c` took 0.77 of the time with Liftoff only (155 against
 * 200 ms, five alternating runs) and a fresh `teardown grade vdev-lifetime
 * solution.c` 0.95 (917 against 999 ms), with no measurable cost to a long run
 * (`teardown exercise vdev-lifetime`, about 11 s either way), nor to parsing
 * without the cache. Liftoff's code is V8's ordinary WebAssembly code, only less
 * optimised: nothing a parse returns changes. V8 lists `--liftoff-only` among
 * its testing flags; the pair `--no-wasm-tier-up --no-wasm-dynamic-tiering`
 * does the same here (153 ms on that check; the second alone is slower, 214 to
 * 247 ms: every function is optimised at once), but one flag is one name
 * fewer for a later V8 to drop: V8 prints `Error: unrecognized flag` on
 * standard error for a flag it does not know, without throwing, which
 * test/wasm-tier.test.ts would catch.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Have V8 compile WebAssembly with Liftoff only (`--liftoff-only`), from now on
 * in this process and its worker threads. Call it before the parser's
 * WebAssembly is compiled (the CLI's `main` does, first). Never throws: a
 * Node whose V8 refuses the flag (flags frozen after start) keeps both
 * compilers, and the answer is false.
 * @returns whether the flag was taken
 */
export function compileWasmWithLiftoffOnly(): boolean {
  try {
    setFlagsFromString('--liftoff-only');
    return true;
  } catch {
    return false;
  }
}
