/**
 * The CLI has V8 compile the parser's WebAssembly with Liftoff only
 * (src/wasm-tier.ts). The flag must be one this Node knows and takes: a Node
 * that refused it (flags frozen after start) would start every command about
 * 45 ms slower, and one that did not know it would print V8's
 * `Error: unrecognized flag` on every command's standard error.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compileWasmWithLiftoffOnly } from '../src/wasm-tier.js';

describe('compileWasmWithLiftoffOnly', () => {
  it('is taken by this Node', () => {
    expect(compileWasmWithLiftoffOnly()).toBe(true);
  });

  it("is a flag this Node's V8 knows: setting it prints nothing", () => {
    const r = spawnSync(
      process.execPath,
      ['-e', "require('node:v8').setFlagsFromString('--liftoff-only'); process.stdout.write('set')"],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toBe('set');
    expect(r.stderr).toBe('');
    // the check itself: a flag V8 does not know is reported on standard error
    const unknown = spawnSync(
      process.execPath,
      ['-e', "require('node:v8').setFlagsFromString('--no-such-teardown-flag')"],
      { encoding: 'utf8' },
    );
    expect(unknown.stderr).toContain('unrecognized flag');
  });
});
