/**
 * The front end's robustness: size limits as diagnostics (never a stack
 * overflow), the learner's names in their own scope, and exact positions for
 * unterminated files, lone CR line endings and case labels in nested blocks.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { decodeSchedule, encodeSchedule } from '../../src/sched/schedule.js';
import { check, useParser } from '../helpers.js';

useParser();

const learner = (text: string, name = 'sub.c') => [{ name, text, role: 'learner' as const }];
const diags = async (text: string) => (await compile(learner(text))).diagnostics;
const prog = (body: string) => `int x;\nvoid setup(void) {}\nvoid thread_a(void) {\n${body}\n}\nvoid check(void) {}\n`;

describe('limits', () => {
  it('10,000 nested parentheses: a diagnostic at the expression', async () => {
    const d = await diags(prog(`x = ${'('.repeat(10000)}1${')'.repeat(10000)};`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ file: 'sub.c', line: 4 });
    expect(d[0]!.message).toMatch(/^expression nested deeper than 256 levels/);
  });

  it('3,000 nested parentheses: at the expression, not the function', async () => {
    const d = await diags(prog(`\n  x = ${'('.repeat(3000)}1${')'.repeat(3000)};`));
    expect(d[0]).toMatchObject({ line: 5 });
    expect(d[0]!.message).toMatch(/expression nested deeper/);
  });

  it('a 50,000-term + chain and 10,000 nested braces', async () => {
    const plus = await diags(prog(`x = ${Array(50000).fill('1').join(' + ')};`));
    expect(plus[0]!.message).toMatch(/^expression nested deeper than 256 levels/);
    const braces = await diags(prog(`${'{'.repeat(10000)} x = 1; ${'}'.repeat(10000)}`));
    expect(braces[0]!.message).toMatch(/^block nested deeper than 256 levels/);
  });

  it('deep and recursive macros are diagnostics, not stack overflows', async () => {
    const deep = await diags(`#define D ${'('.repeat(5000)}1${')'.repeat(5000)}\n${prog('x = D;')}`);
    expect(deep[0]!.message).toMatch(/macro 'D' is nested deeper than 256 levels/);
    const rec = await diags(`#define A (A + 1)\nint arr[A];\n${prog('x = 1;')}`);
    expect(rec.some((d) => d.line === 2 && /array size/.test(d.message))).toBe(true);
  });

  it('more than 10,000 statements in a function', async () => {
    const d = await diags(prog('x = 1;\n'.repeat(10001)));
    expect(d[0]!.message).toMatch(/more than 10000 statements in one function/);
    expect(d[0]!.line).toBe(10004);
  });

  it('schedule tokens: any number of threads; up to 26 threads as before', () => {
    expect(encodeSchedule([0, 0, 0, 1, 1, 0, 25])).toBe('a3b2az');
    const s = [0, 26, 26, 27, 1, 30, 30, 30];
    expect(encodeSchedule(s)).toBe('a_26_2_27_b_30_3');
    expect(decodeSchedule(encodeSchedule(s))).toEqual(s);
    expect(() => decodeSchedule('a_x_')).toThrow(/bad schedule token/);
  });

  it('a program of 30 threads is checked, with a token for its finding', async () => {
    const threads = Array.from({ length: 30 }, (_, i) => `void thread_t${i}(void) { x = ${i}; }`).join('\n');
    const r = await check(`int x;\nvoid setup(void) {}\n${threads}\nvoid check(void) { BUG_ON(x == 29); }\n`, {
      budget: { executions: 50 },
    });
    expect(r.findings.length).toBeGreaterThan(0);
  });
});

describe("the learner's names", () => {
  const model = {
    name: 'model.h',
    role: 'prelude' as const,
    text: 'int model_count;\nstatic inline void model_bump(void)\n{\n\tint helper_val = 1;\n\tmodel_count += helper_val;\n}\n',
  };
  const compileWith = (text: string) => compile([model, ...learner(text)]);

  it.each([
    ['static int refcount_dec;', "'refcount_dec' is a kernel function the model provides"],
    ['int mutex_lock;', "'mutex_lock' is a kernel function the model provides"],
    ['#define mutex_lock(l) (l)', "'mutex_lock' is a kernel function the model provides"],
    ['int container_of;', "'container_of' is a kernel macro the model provides"],
    ['int GFP_KERNEL;', "'GFP_KERNEL' is a kernel constant the model provides"],
    ['typedef int refcount_t;', "'refcount_t' is a kernel type the model provides"],
    ['int model_count = 3;', "'model_count' is a variable the model defines (model.h)"],
    ['#define model_bump() 0', "'model_bump' is a function the model declares (model.h)"],
    ['static void list_add(int a) {}', "'list_add' is a function the model defines (linux/kernel.h)"],
  ])('%s is a diagnostic in the learner file', async (line, message) => {
    const r = await compileWith(`\n${line}\n${prog('x = 1;')}`);
    expect(r.diagnostics.map((d) => [d.file, d.line])).toEqual([['sub.c', 2]]);
    expect(r.diagnostics[0]!.message).toContain(message);
  });

  it("a learner's macro does not rewrite the model's code", async () => {
    const r = await compileWith(`#define helper_val 42\n${prog('x = helper_val; model_bump();')}`);
    expect(r.diagnostics).toEqual([]);
  });

  it("extern names the model's variable", async () => {
    const r = await compileWith(`extern int model_count;\n${prog('x = model_count;')}`);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('diagnostics', () => {
  it("a missing ';' and '}' at the end of the file: where the block opens and at the last line", async () => {
    const d = await diags('int x;\nvoid setup(void) {}\nvoid thread_a(void)\n{\n\tif (x) {\n\t\tx = 2\n');
    expect(d.map((x) => [x.line, x.column])).toEqual([
      [5, 9],
      [6, 8],
    ]);
    expect(d[0]!.message).toMatch(/this '\{' is never closed/);
    expect(d[1]!.message).toMatch(/expected ';'/);
    const one = await diags('void f(void) {\n\tint y = 1;\n');
    expect(one[0]).toMatchObject({ line: 1, column: 14 });
  });

  it('lone CR line endings are line breaks', async () => {
    const d = await diags(prog('  x = 1;\r  y = 2;').replace(/\n/g, '\r'));
    expect(d).toMatchObject([{ line: 5, column: 3, message: "'y' undeclared (not a variable)" }]);
  });

  it('case labels in a nested block of a switch', async () => {
    const src = `int y;\n${prog(`switch (x) {\ncase 0: {\n y = 10;\n break;\ncase 1:\n y = 20;\n}\n y += 1;\n break;\ndefault:\n y = 99;\n}`)}`;
    const run = (v: number, cond: string) =>
      check(
        src
          .replace('void setup(void) {}', `void setup(void) { x = ${v}; }`)
          .replace('void check(void) {}', `void check(void) { BUG_ON(${cond}); }`),
      );
    expect((await run(1, 'y != 21')).findings).toEqual([]);
    expect((await run(0, 'y != 10')).findings).toEqual([]);
    expect((await run(5, 'y != 99')).findings).toEqual([]);
    expect((await run(1, 'y == 21')).findings.length).toBe(1);
  });

  it('a case label past a guard() in a nested block is a diagnostic at the label', async () => {
    const d = await diags(
      `static DEFINE_MUTEX(m);\n${prog('switch (x) {\ncase 0: {\n guard(mutex)(&m);\ncase 1:\n x = 2;\n}\n}')}`,
    );
    expect(d).toMatchObject([
      { line: 8, message: expect.stringMatching(/'case' label jumps into the scope of a guard/) },
    ]);
  });
});
