/**
 * How a `teardown` process starts and ends: the bin's shebang gives Node the
 * options of src/node-options.ts, and the entry ends the process as soon as
 * the command's output is written (src/output.ts exitWhenFlushed), with the
 * command's exit code and nothing it wrote lost.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_NODE_OPTIONS } from '../src/node-options.js';
import { ROOT, teardown } from './cli.js';

const BIN = fileURLToPath(new URL('../bin/teardown.js', import.meta.url));
const OUTPUT = fileURLToPath(new URL('../dist/output.js', import.meta.url));

describe('the bin', () => {
  it("starts Node with the CLI's options, through its shebang", () => {
    const first = readFileSync(BIN, 'utf8').split('\n')[0];
    expect(first).toBe(`#!/usr/bin/env -S node ${CLI_NODE_OPTIONS}`);
  });

  it('runs as an executable, printing what `node bin/teardown.js` prints, with the same exit code', () => {
    const args = ['check', 'examples/data-race.c', '--reproducible'];
    const direct = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8' });
    const viaNode = teardown(args);
    expect(direct.error).toBeUndefined();
    expect(viaNode.code).toBe(1);
    expect(direct.status).toBe(viaNode.code);
    expect(direct.stdout).toBe(viaNode.stdout);
    expect(direct.stdout).toContain('[data-race] BUG: KCSAN');
  });

  it('ends the process through exitWhenFlushed, whether it loads the bundle or the modules', () => {
    // Node emits 'beforeExit' when the event loop runs dry, never after process.exit(): a preload tells which
    const dir = mkdtempSync(join(tmpdir(), 'teardown-exit-'));
    try {
      const preload = join(dir, 'preload.cjs');
      writeFileSync(preload, "process.on('beforeExit', () => process.stderr.write('[the event loop ran dry]'));\n");
      for (const bundle of ['on', 'off']) {
        const r = spawnSync(process.execPath, ['-r', preload, BIN, 'check', 'examples/data-race.c', '--reproducible'], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, TEARDOWN_BUNDLE: bundle },
        });
        expect(r.status, `TEARDOWN_BUNDLE=${bundle}: ${r.stderr}`).toBe(1);
        expect(r.stdout).toContain('[data-race] BUG: KCSAN');
        expect(r.stderr, `TEARDOWN_BUNDLE=${bundle}`).not.toContain('[the event loop ran dry]');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exitWhenFlushed', () => {
  /** Run `body` in a child Node whose standard output is a slow stream that appends to `file`. */
  function child(body: string, file: string) {
    const script = `
      import { Writable } from 'node:stream';
      import { appendFileSync } from 'node:fs';
      import { exitWhenFlushed } from ${JSON.stringify(OUTPUT)};
      const slow = new Writable({
        write(chunk, _enc, cb) { setTimeout(() => { appendFileSync(${JSON.stringify(file)}, chunk); cb(); }, 150); },
      });
      Object.defineProperty(process, 'stdout', { value: slow, configurable: true });
      setInterval(() => {}, 1000); // something that would keep the process alive
      ${body}
    `;
    return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  }

  it('waits for what standard output still holds, then exits with process.exitCode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-exit-'));
    try {
      const file = join(dir, 'out.txt');
      const r = child(
        `process.stdout.write('first '); process.stdout.write('second'); process.exitCode = 3; exitWhenFlushed();`,
        file,
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(3);
      expect(readFileSync(file, 'utf8')).toBe('first second');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits at once, with code 0, when nothing is pending', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-exit-'));
    try {
      const r = child('exitWhenFlushed();', join(dir, 'out.txt'));
      expect(r.status).toBe(0);
      expect(r.signal).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
