/**
 * Robustness at the CLI: inputs past the front end's limits, more than 26
 * threads, a learner's names that clash with the model's, and a manifest
 * without a model give diagnostics (exit 2, JSON under --json), never a stack
 * trace.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExercise } from '../src/exercise/manifest.js';
import { ROOT, teardown } from './cli.js';

const EX = join(ROOT, 'exercises/vdev-lifetime');
const tmp = mkdtempSync(join(tmpdir(), 'teardown-robust-'));
const write = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const prog = (body: string) => `int x;\nvoid setup(void) {}\nvoid thread_a(void) {\n${body}\n}\nvoid check(void) {}\n`;

describe('limits at the CLI', () => {
  it('10,000 nested parentheses: exit 2 and a JSON diagnostic from check --json', () => {
    const f = write('parens.c', prog(`x = ${'('.repeat(10000)}1${')'.repeat(10000)};`));
    const r = teardown(['check', '--json', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/RangeError|at /);
    const d = JSON.parse(r.stdout).diagnostics;
    expect(d[0]).toMatchObject({
      line: 4,
      message: expect.stringMatching(/^expression nested deeper than 256 levels/),
    });
  });

  it('30 threads: check finds the bug, and replay replays its token', () => {
    const threads = Array.from({ length: 30 }, (_, i) => `void thread_t${i}(void) { x = ${i}; }`).join('\n');
    const f = write('threads.c', `int x;\nvoid setup(void) {}\n${threads}\nvoid check(void) { BUG_ON(x == 29); }\n`);
    const r = teardown(['check', '--json', '--budget', '100', f]);
    expect(r.code).toBe(1);
    const token: string = JSON.parse(r.stdout).findings[0].token;
    const rp = teardown(['replay', '--schedule', token, f]);
    expect(rp.stderr).not.toMatch(/cannot be encoded|at /);
    expect(rp.stdout).toMatch(/kernel BUG/);
  });
});

describe("a learner's names", () => {
  it('the vdev-lifetime solution with `static int refcount_dec;` appended: a diagnostic in the learner file', () => {
    const f = write('sol.c', `${readFileSync(join(EX, 'solution.c'), 'utf8')}\nstatic int refcount_dec;\n`);
    const r = teardown(['grade', '--json', 'vdev-lifetime', f]);
    expect(r.code).toBe(2);
    const d = JSON.parse(r.stdout).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0].file).toMatch(/sol\.c$/);
    expect(d[0].message).toMatch(/'refcount_dec' is a kernel function the model provides; rename your variable/);
  });

  it('#define mutex_lock: a diagnostic in the learner file, never in linux/kernel.h', () => {
    const f = write('sol2.c', `${readFileSync(join(EX, 'solution.c'), 'utf8')}\n#define mutex_lock(l) (l)\n`);
    const r = teardown(['grade', 'vdev-lifetime', f]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toMatch(/linux\/kernel\.h/);
    expect(r.stdout + r.stderr).toMatch(/sol2\.c:\d+:\d+: error: 'mutex_lock' is a kernel function the model provides/);
  });
});

describe('the exercise manifest', () => {
  it('without a model says so, and what to write', () => {
    const files = new Map<string, string>();
    const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
    delete manifest.model;
    files.set('exercise.json', JSON.stringify(manifest));
    expect(() => parseExercise(files)).toThrow(/the manifest names no model: add "model": "iommufd-6.17"/);
  });
});
