/**
 * The check-phase memo (Machine.checkMemo, docs/scheduler.md "The check
 * phase"): an execution whose end state's check phase reported nothing
 * before skips it. Random programs with a random `check` (WARNs, a BUG_ON,
 * leaks and lock pairs that depend on the end state) explore to the same
 * findings, schedules, coverage and counts with the memo as without it, and
 * the memo does skip checks.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { StrategyName } from '../../src/sched/index.js';
import { Machine } from '../../src/vm/machine.js';
import { useParser } from '../helpers.js';
import { programArb } from './genprog.js';
import { explored } from './explored.js';

useParser();

/** One statement of a random check: its effect depends on the end state (x0..x2, res0.., dead). */
const checkStmt = fc.oneof(
  fc.record({ v: fc.nat(2), c: fc.nat(3) }).map(({ v, c }) => `\tWARN_ON(x${v} == ${c});\n`),
  fc.record({ v: fc.nat(2), c: fc.nat(3) }).map(({ v, c }) => `\tWARN_ON_ONCE(READ_ONCE(x${v}) == ${c});\n`),
  fc.record({ v: fc.nat(2), c: fc.nat(3) }).map(({ v, c }) => `\tBUG_ON(x${v} == ${c});\n`),
  // an allocation dropped on the floor in some end states: kmemleak reports it
  fc
    .record({ v: fc.nat(2), c: fc.nat(3) })
    .map(({ v, c }) => `\tif (x${v} == ${c})\n\t\tkzalloc(sizeof(int), GFP_KERNEL);\n`),
  fc.constant('\tWARN_ON(READ_ONCE(dead));\n'),
  fc.constant('\tWARN_ON(res0 == res1);\n'),
  // lock pairs in the check: lockdep edges that may close a cycle with a thread's
  fc.constant('\tmutex_lock(&m1);\n\tmutex_lock(&m0);\n\tmutex_unlock(&m0);\n\tmutex_unlock(&m1);\n'),
  fc.constant('\tmutex_lock(&m0);\n\tx1 = x1 + 1;\n\tmutex_unlock(&m0);\n'),
);

const programWithCheck = fc
  .tuple(programArb, fc.array(checkStmt, { minLength: 1, maxLength: 4 }))
  .map(([src, body]) => `${src}void check(void)\n{\n${body.join('')}}\n`);

const explore = (src: string, strategy: StrategyName, checkMemo: boolean) => explored(src, strategy, { checkMemo });

/** Count the check phases run (Machine.runAlone with the check task). */
function countChecks<T>(f: () => Promise<T>): Promise<{ value: T; checks: number }> {
  const proto = Machine.prototype as unknown as { runAlone(fn: string, name: string): void };
  const orig = proto.runAlone;
  let checks = 0;
  proto.runAlone = function (this: unknown, fn: string, name: string) {
    if (name === 'check') checks++;
    return orig.call(this, fn, name);
  };
  return f()
    .then((value) => ({ value, checks }))
    .finally(() => {
      proto.runAlone = orig;
    });
}

describe('check-phase memo', () => {
  for (const strategy of ['dpor', 'dfs'] as const) {
    it(`${strategy}: the same findings, schedules and counts, no more check phases`, { timeout: 600_000 }, async () => {
      let skipped = 0;
      await fc.assert(
        fc.asyncProperty(programWithCheck, async (src) => {
          const full = await countChecks(() => explore(src, strategy, false));
          const memo = await countChecks(() => explore(src, strategy, true));
          expect(memo.value).toEqual(full.value);
          expect(memo.checks).toBeLessThanOrEqual(full.checks);
          skipped += full.checks - memo.checks;
        }),
        { numRuns: 40 },
      );
      // DFS runs many interleavings of one trace, which end alike; optimal DPOR's traces often end in
      // different states, so some random sets skip none (the test below shows DPOR skipping)
      if (strategy === 'dfs') expect(skipped).toBeGreaterThan(0);
    });
  }

  it('dpor: two traces that end in one state run the check once', async () => {
    const src = `static DEFINE_MUTEX(m);
static int x;
void thread_a(void) { mutex_lock(&m); x = x + 1; mutex_unlock(&m); }
void thread_b(void) { mutex_lock(&m); x = x + 1; mutex_unlock(&m); }
void check(void) { WARN_ON(x != 2); }
`;
    const full = await countChecks(() => explore(src, 'dpor', false));
    const memo = await countChecks(() => explore(src, 'dpor', true));
    expect(memo.value).toEqual(full.value);
    expect(full.checks).toBe(2);
    expect(memo.checks).toBe(1);
  });

  it('a check phase that reports is run again: each execution reaching it gets the finding', async () => {
    const src = `static int x0;
void thread_a(void) { x0 = 1; }
void thread_b(void) { int l = READ_ONCE(x0); (void)l; }
void check(void) { kzalloc(sizeof(int), GFP_KERNEL); }
`;
    const full = await countChecks(() => explore(src, 'dfs', false));
    const memo = await countChecks(() => explore(src, 'dfs', true));
    expect(memo.value).toEqual(full.value);
    expect(memo.value.findings.map((f) => f.kind)).toContain('leak');
    // every execution's check leaks: none is remembered as silent
    expect(memo.checks).toBe(full.checks);
  });
});
