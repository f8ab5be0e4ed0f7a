/**
 * The options every `teardown` process gives Node: the bin's shebang
 * (`bin/teardown.js`: `#!/usr/bin/env -S node --v8-pool-size=1`), the
 * autograders' scripts that run the bundle (Gradescope's `run_autograder`,
 * PrairieLearn's `run.sh`, the Classroom workflow), and the benchmarks'
 * fresh processes. `test/node-options.test.ts` checks that the shebang
 * carries exactly these.
 *
 * V8's background thread pool of one thread instead of Node's 4 (whatever
 * the machine). On 2 cores, the optimising compiler's jobs and the
 * collector's parallel tasks on 4 threads beside the main thread, which
 * explores, are more threads than cores: a fresh grading of vdev-lifetime's
 * solution took about 0.75 of the time with one pool thread (0.40 to 0.44 s
 * against 0.57 to 0.64 s, 4 runs each, both ending without waiting for the
 * queued compiles: ./output.ts exitWhenFlushed; docs/performance-log.md,
 * 6 December), the 3-thread model benchmark's first run 0.8. Node makes the
 * pool when it starts, so only its command line can size it, hence the
 * shebang. `--v8-pool-size=0` would size it from the cores Node sees, which
 * in a container limited by a CPU quota are the host's. A machine with many
 * cores may compile a little later with one pool thread; `node
 * bin/teardown.js ...` runs a command with Node's default pool.
 */
export const CLI_NODE_OPTIONS = '--v8-pool-size=1';
