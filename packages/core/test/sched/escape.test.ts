/**
 * The escape analysis of task stacks (vm/escape.ts): the return of a frame
 * whose stack block no other task can name runs inside its task's burst
 * instead of as a visible step. Against the reference semantics where every
 * such return is a step (lower-closures.ts withEveryReturnVisible), plain
 * DFS and every DPOR mode must reach the same final states and the same
 * findings (use-after-returns included) on random programs that let
 * pointers to locals out in every way the analysis knows of, or keep them in,
 * the owners accessing them around private returns of helpers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { untilMet, useParser } from '../helpers.js';
import { escapeProgramArb } from './genescape.js';
import { type Outcome, outcomes } from './outcomes.js';

useParser();

const sorted = (s: Set<string>) => [...s].sort();

/**
 * Every strategy reaches the reference's final states and finding keys (at synchronisation points: its keys),
 * and DPOR the complete traces DFS does. The reference and DFS outcomes, or null when the reference's DFS did
 * not finish within `max` executions.
 */
async function agrees(src: string, max = 3_000): Promise<{ ref: Outcome; dfs: Outcome } | null> {
  const ref = await outcomes(src, 'dfs', max, false, false, undefined, undefined, true);
  if (!ref.complete) return null;
  const dfs = await outcomes(src, 'dfs', max);
  expect(dfs.complete).toBe(true);
  expect(sorted(dfs.finals), 'dfs').toEqual(sorted(ref.finals));
  expect(sorted(dfs.keys), 'dfs').toEqual(sorted(ref.keys));
  // no return is added: every step of the escape semantics is one of the reference's
  expect(dfs.steps).toBeLessThanOrEqual(ref.steps);
  for (const strategy of ['dpor', 'source-dpor'] as const) {
    for (const stateCache of [false, true]) {
      const o = await outcomes(src, strategy, 200_000, stateCache);
      expect(sorted(o.finals), `${strategy} ${stateCache}`).toEqual(sorted(ref.finals));
      expect(sorted(o.keys), `${strategy} ${stateCache}`).toEqual(sorted(ref.keys));
      if (strategy === 'dpor' && !stateCache) expect(sorted(o.completeTraces)).toEqual(sorted(dfs.completeTraces));
    }
  }
  const sync = await outcomes(src, 'dpor', 200_000, false, true);
  expect(sorted(sync.keys), 'sync').toEqual(sorted(ref.keys));
  return { ref, dfs };
}

describe('stack escape', () => {
  it('every strategy agrees with the every-return-a-step semantics', { timeout: 600_000 }, async () => {
    // programs with a use-after-return, with a return made private, with every return still a step
    const met = { uar: 0, fewer: 0, kept: 0 };
    // fixed seeds, one per round (untilMet): a random one made 4 use-after-returns in a CI run
    await untilMet(
      () => met.uar > 5 && met.fewer > 5 && met.kept > 5,
      (seed) =>
        fc.assert(
          fc.asyncProperty(escapeProgramArb, async (src) => {
            const r = await agrees(src);
            fc.pre(r !== null);
            if (r!.dfs.steps < r!.ref.steps) met.fewer++;
            else met.kept++;
            if ([...r!.ref.keys].some((k) => k.startsWith('use-after-return'))) met.uar++;
          }),
          { numRuns: 40, maxSkipsPerRun: 10, seed },
        ),
    );
    // the generator is worth running only if it makes use-after-returns, private returns and escapes often
    expect(met.uar).toBeGreaterThan(5);
    expect(met.fewer).toBeGreaterThan(5);
    expect(met.kept).toBeGreaterThan(5);
  });

  it('a pointer into the caller kept in a helper local the helper published, set before or after: the caller block escapes', async () => {
    // before: found by the walk of the block that escapes; after: a store into a block that escaped
    for (const late of [false, true]) {
      const src = `static int **spp;
static int x, done;
static void stash(int *lp)
{
	int *box = NULL;
${late ? '' : '\n\tbox = lp;'}
	WRITE_ONCE(spp, &box);${late ? '\n\tbox = lp;' : ''}
	msleep(1);
}
static void publish(void)
{
	int loc = 0;

	stash(&loc);
	WRITE_ONCE(x, 1);
}
void thread_t0(void)
{
	publish();
}
void thread_t1(void)
{
	int **pp = READ_ONCE(spp);
	int *p = pp ? READ_ONCE(*pp) : NULL;

	if (p) {
		int seen = READ_ONCE(x);

		WRITE_ONCE(*p, 5);
		WRITE_ONCE(done, seen + 1);
	}
}
`;
      const ref = await outcomes(src, 'dfs', 10_000, false, false, undefined, undefined, true);
      // the reader writes the caller's local after x = 1 and before publish() returns
      expect([...ref.finals].some((f) => f.includes('done.0=2'))).toBe(true);
      for (const [strategy, stateCache] of [
        ['dfs', false],
        ['dpor', false],
        ['dpor', true],
      ] as const) {
        const o = await outcomes(src, strategy, 10_000, stateCache);
        expect(sorted(o.finals), `${strategy}, late ${late}`).toEqual(sorted(ref.finals));
        // the reader reaches the helper's block after stash returned, and the caller's after publish returned
        expect([...o.keys].filter((k) => k.startsWith('use-after-return')).length, strategy).toBe(2);
      }
    }
  });

  it('a local whose address never leaves its task returns inside the burst', async () => {
    const local = `static int x;
static void helper(void)
{
	int loc = 1;
	int *q = &loc;

	WRITE_ONCE(*q, 2);
	WRITE_ONCE(x, loc);
}
void thread_t0(void)
{
	helper();
	helper();
}
void thread_t1(void)
{
	WRITE_ONCE(x, 3);
}
`;
    const esc = await outcomes(local, 'dpor');
    const ref = await outcomes(local, 'dpor', 200_000, false, false, undefined, undefined, true);
    expect(sorted(esc.finals)).toEqual(sorted(ref.finals));
    // the two returns are steps of the reference only; the traces are the same
    expect(esc.traces).toBe(ref.traces);
    expect(esc.steps).toBeLessThan(ref.steps);
    const one = await outcomes(local, 'dfs', 1);
    const oneRef = await outcomes(local, 'dfs', 1, false, false, undefined, undefined, true);
    expect(oneRef.steps - one.steps).toBe(2);
  });

  it('a pointer handed to a built-in that keeps it escapes; one it only works through does not', async () => {
    const kept = `static DEFINE_XARRAY(xa0);
static int done;
static void publish(void)
{
	int loc = 0;

	xa_store(&xa0, 1, &loc, GFP_KERNEL);
}
void thread_t0(void)
{
	publish();
}
void thread_t1(void)
{
	int *p = xa_load(&xa0, 1);

	if (p) {
		WRITE_ONCE(*p, 5);
		WRITE_ONCE(done, 1);
	}
}
`;
    const o = await outcomes(kept, 'dpor');
    expect([...o.keys].filter((k) => k.startsWith('use-after-return')).length).toBe(1);
    // the reader also writes the local while its frame still runs: the return after xa_store is a step of its own
    expect([...o.finals].some((f) => f.includes('done.0=1'))).toBe(true);
    const keptRef = await outcomes(kept, 'dfs', 10_000, false, false, undefined, undefined, true);
    expect(sorted(o.finals)).toEqual(sorted(keptRef.finals));
    // xas_load's xa_state: the built-in reads through it and keeps nothing
    const state = `static DEFINE_XARRAY(xa0);
static int x;
static void look(void)
{
	XA_STATE(xas, &xa0, 1);

	xa_lock(&xa0);
	xas_load(&xas);
	xa_unlock(&xa0);
}
void thread_t0(void)
{
	look();
}
void thread_t1(void)
{
	WRITE_ONCE(x, 1);
}
`;
    const esc = await outcomes(state, 'dfs', 1);
    const ref = await outcomes(state, 'dfs', 1, false, false, undefined, undefined, true);
    expect(ref.steps - esc.steps).toBe(1);
  });

  // an independent review's counterexamples: the owner of an escaped block keeps accessing it privately around
  // the return of a helper whose own local is private; that return is a point another task's access can come at
  it('another task writes its escaped local between its reads before and after a private helper returns', async () => {
    const src = `static int *sp;
static int r1, r2;
static void helper(void)
{
	int b = 0;
	int *q = &b;

	*q = 1;
}
void thread_t0(void)
{
	int a = 0;
	int l1, l2;

	WRITE_ONCE(sp, &a);
	l1 = a;
	helper();
	l2 = a;
	WRITE_ONCE(sp, NULL);
	WRITE_ONCE(r1, l1);
	WRITE_ONCE(r2, l2);
}
void thread_t1(void)
{
	int *p = READ_ONCE(sp);

	if (p)
		WRITE_ONCE(*p, 5);
}
`;
    const ref = await outcomes(src, 'dfs', 1_000, false, false, undefined, undefined, true);
    // the write lands at helper's return: the owner read 0 before it and 5 after it
    expect([...ref.finals].some((f) => f.includes('r1.0=0') && f.includes('r2.0=5'))).toBe(true);
    expect(await agrees(src)).not.toBeNull();
  });

  it('a helper that reads and writes the escaped local through a parameter', async () => {
    const src = `static int *sp;
static int x1;
static void bump(int *lp)
{
	int c = 0;
	int *q = &c;

	*q = *lp;
	*lp = *q + 1;
}
void thread_t0(void)
{
	int loc = 2;

	WRITE_ONCE(sp, &loc);
	bump(&loc);
	WRITE_ONCE(x1, loc);
	WRITE_ONCE(sp, NULL);
}
void thread_t1(void)
{
	int *p = READ_ONCE(sp);

	if (p)
		*p = 5;
}
`;
    const ref = await outcomes(src, 'dfs', 1_000, false, false, undefined, undefined, true);
    // the write lands after bump returned, before the owner reads its local again
    expect([...ref.finals].some((f) => f.includes('x1.0=5'))).toBe(true);
    expect(await agrees(src)).not.toBeNull();
  });
});
