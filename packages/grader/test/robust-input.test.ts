/**
 * The CLI's input and output are robust (src/input.ts, src/output.ts,
 * src/options.ts): devices, FIFOs and directories are refused before they
 * are read; `batch` reads nothing outside the submission folder; I/O
 * failures are one line and exit 2; a closed standard output ends the
 * process quietly; `--seed`, `--jobs` and `--timeout` reject the same
 * values in every command. Every case checks the exit code, the message,
 * and that no stack trace reaches standard error.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, type CliResult } from './cli.js';

const BIN = fileURLToPath(new URL('../bin/teardown.js', import.meta.url));
const SOLUTION = join(ROOT, 'exercises/vdev-lifetime/solution.c');

/** Run the CLI with a time limit: a hang is a failed test, not a stuck run (code -1 when killed). */
function run(args: string[], timeout = 60_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, one `teardown: ` line matching `message`, no stack trace. */
function expectFailure(r: CliResult, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^teardown: /);
  expect(r.stderr).toMatch(message);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'teardown-robust-'));
}

function fifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
}

describe('sources that are not regular files are refused before reading (check, grade)', () => {
  const dir = tempDir();
  const pipe = join(dir, 'fifo.c');
  fifo(pipe);
  const folder = join(dir, 'folder.c');
  mkdirSync(folder);
  const cases: [string, string, RegExp][] = [
    ['/dev/zero', '/dev/zero', /cannot read \/dev\/zero: it is a character device, not a regular file/],
    ['a FIFO', pipe, /cannot read \S*fifo\.c: it is a FIFO \(named pipe\), not a regular file/],
    ['a directory', folder, /cannot read \S*folder\.c: it is a directory, not a regular file/],
  ];
  for (const [what, path, message] of cases) {
    it(`check ${what}`, () => expectFailure(run(['check', path], 20_000), message));
    it(`grade ${what}`, () => expectFailure(run(['grade', 'vdev-lifetime', path], 20_000), message));
  }

  it('a file over 1 MiB is refused from its size, and bytes that are not UTF-8 are named', () => {
    const big = join(dir, 'big.c');
    writeFileSync(big, `/* ${'x'.repeat(1024 * 1024)} */\n`);
    expectFailure(run(['check', big]), /big\.c: it is \d+ bytes; the limit is 1048576 bytes \(1 MiB\)/);
    const latin = join(dir, 'latin.c');
    writeFileSync(latin, Buffer.from('int x;\n/* caf\xe9 */\n', 'latin1'));
    expectFailure(
      run(['replay', latin, '--schedule', 'a']),
      /latin\.c: not UTF-8 text \(byte 0xe9 at line 2, column 7\)/,
    );
    expectFailure(run(['check', join(dir, 'missing.c')]), /cannot read \S*missing\.c: no such file or directory/);
  });
});

describe('batch reads nothing outside the submission folder', () => {
  it('symlinks out, to /etc, loops, dangling links and FIFOs are error results; the batch ends', () => {
    const dir = tempDir();
    const subs = join(dir, 'subs');
    mkdirSync(subs);
    copyFileSync(SOLUTION, join(subs, 'good.c'));
    symlinkSync('/etc/passwd', join(subs, 'passwd.c'));
    symlinkSync('/etc', join(subs, 'etcdir'));
    symlinkSync('.', join(subs, 'loop'));
    symlinkSync('nowhere.c', join(subs, 'dangling.c'));
    symlinkSync('cycle-b', join(subs, 'cycle-a'));
    symlinkSync('cycle-a', join(subs, 'cycle-b'));
    fifo(join(subs, 'fifo.c'));
    mkdirSync(join(subs, 'folder'));
    symlinkSync('/etc/passwd', join(subs, 'folder', 'inner.c'));
    const out = join(dir, 'results.json');
    const r = run(['batch', 'vdev-lifetime', subs, '--out', out, '--jobs', '2', '--reproducible'], 110_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    expect(r.stderr).toMatch(/9 submissions: 1 passed, 0 failed, 8 not gradable/);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(/root:|\/bin\/(ba)?sh/);
    const res = JSON.parse(text);
    const errors = Object.fromEntries(res.results.map((x: { name: string; error?: string }) => [x.name, x.error]));
    expect(errors).toEqual({
      'cycle-a': 'cycle-a is a symbolic link loop',
      'cycle-b': 'cycle-b is a symbolic link loop',
      'dangling.c': 'dangling.c is a dangling symbolic link (its target does not exist)',
      etcdir: 'etcdir is a symbolic link to a path outside the submission folder',
      'fifo.c': 'cannot read fifo.c: it is a FIFO (named pipe), not a regular file',
      folder: 'folder/inner.c is a symbolic link to a path outside the submission folder',
      'good.c': undefined,
      loop: 'loop is a symbolic link back to a folder that contains it (a loop)',
      'passwd.c': 'passwd.c is a symbolic link to a path outside the submission folder',
    });
  }, 120_000);
});

describe('I/O failures are one line and exit 2', () => {
  const dir = tempDir();
  const missing = join(dir, 'no-such-folder', 'out.json');
  it('grade --out into a missing folder or onto a directory', () => {
    const grade = ['grade', 'vdev-lifetime', SOLUTION, '--json', '--out'];
    expectFailure(run([...grade, missing]), /cannot write \S*out\.json: its folder \S*no-such-folder does not exist/);
    expectFailure(run([...grade, dir]), /cannot write \S+: it is a directory/);
  });

  it('batch --out into a missing folder or onto a directory, before grading anything', () => {
    const subs = join(dir, 'subs');
    mkdirSync(subs);
    copyFileSync(SOLUTION, join(subs, 'good.c'));
    const a = run(['batch', 'vdev-lifetime', subs, '--out', missing]);
    expectFailure(a, /cannot write \S*out\.json: its folder \S*no-such-folder does not exist/);
    expect(a.stderr).not.toMatch(/good\.c/);
    expectFailure(run(['batch', 'vdev-lifetime', subs, '--out', dir]), /cannot write \S+: it is a directory/);
    expectFailure(
      run(['batch', 'vdev-lifetime', join(dir, 'nope'), '--out', join(dir, 'r.json')]),
      /cannot read \S*nope: no such file or directory/,
    );
  });

  /** Spawn the CLI with its standard output closed before it writes (a reader that went away). */
  function closedStdout(args: string[]): Promise<CliResult> {
    return new Promise((done) => {
      const c = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      c.stdout.destroy();
      let stderr = '';
      c.stderr.on('data', (d) => {
        stderr += d;
      });
      c.on('close', (code) => done({ code: code ?? -1, stdout: '', stderr }));
    });
  }

  it('a closed standard output (`teardown batch --help | head -1`) ends the process quietly', async () => {
    const help = await closedStdout(['batch', '--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    const check = await closedStdout(['check', 'examples/put-then-use.c']);
    expect(check.stderr).toBe('');
    expect([0, 1]).toContain(check.code);
  });
});

describe('--seed, --jobs and --timeout are validated alike in every command', () => {
  const dir = tempDir();
  const out = join(dir, 'results.json');
  const commands: [string, string[]][] = [
    ['check', ['check', 'examples/put-then-use.c']],
    ['grade', ['grade', 'vdev-lifetime', SOLUTION]],
    ['batch', ['batch', 'vdev-lifetime', dir, '--out', out]],
  ];
  for (const [name, args] of commands) {
    it(`${name} refuses --seed 1e300, 0x10, '', abc, -1, 4294967296`, () => {
      for (const v of ['1e300', '0x10', '', 'abc', '-1', '4294967296'])
        expectFailure(
          run([...args, '--seed', v]),
          new RegExp(`bad --seed '${v}': expected a whole number from 0 to 4294967295`),
        );
    });
  }
  it("batch refuses --jobs and --timeout 0, 1.5, '', 0x10", () => {
    const batch = commands[2]![1];
    for (const v of ['0', '1.5', '', '0x10']) {
      expectFailure(
        run([...batch, '--jobs', v]),
        new RegExp(`bad --jobs '${v}': expected a whole number from 1 to 64`),
      );
      expectFailure(
        run([...batch, '--timeout', v]),
        new RegExp(`bad --timeout '${v}': expected a whole number from 1 to 86400`),
      );
    }
  });
});
