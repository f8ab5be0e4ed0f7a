/**
 * A task's stack block goes when its frame returns, and another task may
 * still hold a pointer into it: the return is a visible step that writes
 * the block's liveness (vm/lower-visible.ts lowerVisibleReturn), so every
 * strategy reaches an access after the return (KASAN's
 * stack-use-after-return) when plain DFS does. Random programs publish a
 * pointer to a local through a shared variable, unpublish it or not, under
 * a mutex or not, while other threads read it and access through it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { useParser } from '../helpers.js';
import { stackProgramArb } from './genprog.js';
import { outcomes } from './outcomes.js';

useParser();

const sorted = (s: Set<string>) => [...s].sort();

describe('stack lifetime across tasks', () => {
  it('DPOR reaches every use-after-return, final state and trace plain DFS does', { timeout: 600_000 }, async () => {
    let uar = 0;
    await fc.assert(
      fc.asyncProperty(stackProgramArb, async (src) => {
        const dfs = await outcomes(src, 'dfs', 4_000);
        fc.pre(dfs.complete);
        if ([...dfs.keys].some((k) => k.startsWith('use-after-return'))) uar++;
        const dpor = await outcomes(src, 'dpor');
        expect(dpor.complete).toBe(true);
        expect(sorted(dpor.finals)).toEqual(sorted(dfs.finals));
        expect(sorted(dpor.keys)).toEqual(sorted(dfs.keys));
        // every trace, but not one execution per trace: the owner's lock acquisition writes its stack key (the
        // burst after it may touch the block), so a foreign access inside a critical section races with the
        // owner's next acquisition, a reversal the lock makes infeasible (a sleep-set blocked execution)
        expect(sorted(dpor.completeTraces)).toEqual(sorted(dfs.completeTraces));
        const stateful = await outcomes(src, 'dpor', 200_000, true);
        expect(sorted(stateful.finals)).toEqual(sorted(dfs.finals));
        expect(sorted(stateful.keys)).toEqual(sorted(dfs.keys));
        const sdpor = await outcomes(src, 'source-dpor');
        expect(sorted(sdpor.keys)).toEqual(sorted(dfs.keys));
        const sync = await outcomes(src, 'dpor', 200_000, false, true);
        expect(sorted(sync.keys)).toEqual(sorted(dfs.keys));
      }),
      { numRuns: 60, maxSkipsPerRun: 10 },
    );
    // the generator is worth running only if it makes the bug often
    expect(uar).toBeGreaterThan(10);
  });

  it('a pointer to a local used after its function returned is reported by every strategy', async () => {
    const src = `static int *sp;
static void publish(void)
{
	int loc = 0;
	WRITE_ONCE(sp, &loc);
}
void thread_t0(void)
{
	publish();
	WRITE_ONCE(sp, NULL);
}
void thread_t1(void)
{
	int *p = READ_ONCE(sp);
	if (p)
		WRITE_ONCE(*p, 5);
}
`;
    const key = 'use-after-return:thread_t1 (p.c:16)';
    for (const [strategy, stateCache, sync] of [
      ['dfs', false, false],
      ['dpor', false, false],
      ['dpor', true, false],
      ['source-dpor', false, false],
      ['dpor', false, true],
    ] as const) {
      const o = await outcomes(src, strategy, 10_000, stateCache, sync);
      expect([...o.keys], `${strategy}${stateCache ? ' + state cache' : ''}${sync ? ' at sync points' : ''}`).toEqual([
        key,
      ]);
    }
  });

  it('a local published and unpublished under a lock that users take is never used after the return', async () => {
    const src = `static int *sp;
static DEFINE_MUTEX(m);
static int seen;
static void publish(void)
{
	int loc = 1;
	mutex_lock(&m);
	WRITE_ONCE(sp, &loc);
	mutex_unlock(&m);
	mutex_lock(&m);
	WRITE_ONCE(sp, NULL);
	mutex_unlock(&m);
}
void thread_t0(void) { publish(); }
void thread_t1(void)
{
	int *p;
	mutex_lock(&m);
	p = READ_ONCE(sp);
	if (p)
		WRITE_ONCE(seen, READ_ONCE(*p));
	mutex_unlock(&m);
}
`;
    const dfs = await outcomes(src, 'dfs', 10_000);
    const dpor = await outcomes(src, 'dpor');
    expect([...dfs.keys]).toEqual([]);
    expect([...dpor.keys]).toEqual([]);
    // the reader runs before, between (it sees the local) and after the publication
    expect(sorted(dpor.finals)).toEqual(sorted(dfs.finals));
    expect(dpor.finals.size).toBe(2);
  });

  it('returns are steps but not against the step limit: a long loop calling a function with a stack block ends', async () => {
    // 5,000 calls: more returns than the 4,000 steps a task may take before it is reported as never ending; the
    // task's own local is published, so its returns are steps (vm/escape.ts)
    const src = `static int x;
static int *sp;
static int f(int i) { int loc = i; int *p = &loc; return *p & 1; }
void thread_t0(void) { int i, s = 0, mine = 0; WRITE_ONCE(sp, &mine); for (i = 0; i < 5000; i++) s += f(i); WRITE_ONCE(sp, NULL); WRITE_ONCE(x, s + mine); }
void thread_t1(void) { WRITE_ONCE(x, 1); }
`;
    for (const stateCache of [false, true]) {
      const o = await outcomes(src, 'dpor', 1_000, stateCache);
      expect([...o.keys]).toEqual([]);
      expect(o.finals.size).toBe(2);
      expect(o.steps).toBeGreaterThan(5_000);
    }
  });
});
