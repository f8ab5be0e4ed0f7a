/**
 * The CLI has V8 compile the parser's WebAssembly with Liftoff only
 * (src/wasm-tier.ts). The flag must be one this Node takes: were a Node to
 * refuse it, every command would quietly start about 45 ms slower. V8 does
 * not throw on a flag it does not know (it prints "unrecognized flag" and
 * goes on), so the flag is set in a child process and its stderr read; and
 * the CLI's runs are traced (`--trace-wasm-compilation-times`, one line per
 * function compiled, with the compiler) to see that no parser function is
 * ever compiled by TurboFan, from the first compile on, in the main thread
 * and in the worker threads.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';

const BIN = fileURLToPath(new URL('../bin/teardown.js', import.meta.url));
const DIST_MODULE = pathToFileURL(fileURLToPath(new URL('../dist/wasm-tier.js', import.meta.url))).href;

/** The compilers V8 traced for the CLI run with `args`, with how many functions each compiled. */
function compilers(args: string[], env: Record<string, string> = {}): Map<string, number> {
  const r = spawnSync(process.execPath, ['--trace-wasm-compilation-times', BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(r.status, r.stderr).toBeLessThanOrEqual(1);
  const out = new Map<string, number>();
  for (const m of r.stdout.matchAll(/^Compiled function \S+ using (\w+),/gm)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  return out;
}

describe('compileWasmWithLiftoffOnly', () => {
  it('sets a flag this V8 knows (V8 would only print an error for one it does not)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { compileWasmWithLiftoffOnly } from ${JSON.stringify(DIST_MODULE)}; compileWasmWithLiftoffOnly();`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    // what an empty stderr rules out: a flag V8 does not know is reported there
    const unknown = spawnSync(
      process.execPath,
      ['-e', "require('node:v8').setFlagsFromString('--no-such-teardown-flag')"],
      { encoding: 'utf8' },
    );
    expect(unknown.stderr).toContain('unrecognized flag');
  });

  it('is in effect before the CLI compiles the parser, with the bundle and with the modules', () => {
    // without it, V8 tiers up the grammar's lexer and the parse loop even in a check of a small example
    for (const bundle of ['on', 'off']) {
      const c = compilers(['check', 'examples/data-race.c', '--reproducible'], { TEARDOWN_BUNDLE: bundle });
      expect(c.get('Liftoff') ?? 0, `TEARDOWN_BUNDLE=${bundle}`).toBeGreaterThan(0);
      expect(c.get('TurboFan') ?? 0, `TEARDOWN_BUNDLE=${bundle}`).toBe(0);
    }
  });

  it('leaves the flags alone when they are frozen (V8 would abort the process on the change)', () => {
    const run = (nodeArgs: string[]) =>
      spawnSync(process.execPath, [...nodeArgs, BIN, 'check', 'examples/data-race.c', '--json', '--reproducible'], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    const frozen = run(['--freeze-flags-after-init']);
    const plain = run([]);
    expect(frozen.status, frozen.stderr).toBe(1);
    expect(frozen.stdout).toBe(plain.stdout);
  });

  it('holds in a parallel grading (the worker threads share the process flags)', () => {
    const c = compilers([
      'grade',
      'vdev-lifetime',
      'exercises/vdev-lifetime/known-bad/no-tombstone.c',
      '--jobs',
      '2',
      '--only',
      'selftest-vdevice-alloc,destroy-races-unbind',
      '--reproducible',
      '--no-progress',
    ]);
    expect(c.get('Liftoff') ?? 0).toBeGreaterThan(0);
    expect(c.get('TurboFan') ?? 0).toBe(0);
  });
});
