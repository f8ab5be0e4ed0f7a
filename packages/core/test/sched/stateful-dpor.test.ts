/**
 * Stateful DPOR (sched/state-cache.ts) against plain DFS: on random programs
 * it reaches exactly the final states, finding kinds and finding keys DFS
 * reaches, though it stops executions at states it explored before.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { exploreScenario } from '../../src/sched/runner.js';
import { DporStrategy } from '../../src/sched/dpor.js';
import { untilMet, useParser } from '../helpers.js';
import { programArb, rwProgramArb, spinProgramArb, stackProgramArb } from './genprog.js';
import { outcomes } from './outcomes.js';
import { Summary, pack, reachedAt } from '../../src/sched/summary.js';

useParser();

/** Executions stopped at a visited state, over the whole property run: the pruning must have happened. */
let pruned = 0;

function prunedOf(text: string): number {
  const m = /(\d+) stopped at a visited state/.exec(text);
  if (!m) throw new Error(`no stateful coverage line: ${text}`);
  return Number(m[1]);
}

/**
 * Children made for races whose reversal lies in a cached future (narrowed: Coverage.narrowed), over the whole
 * property run: that path must have been taken too. (A visit explored again, where such a race cannot be narrowed,
 * is rare in these programs: packages/grader/test/model-stateful.test.ts meets it on the model.)
 */
let narrowed = 0;

describe('stateful DPOR against plain DFS', () => {
  for (const strategy of ['dpor', 'source-dpor'] as const) {
    it(`${strategy} with the state cache reaches the same final states and findings`, {
      timeout: 600_000,
    }, async () => {
      await untilMet(
        () => pruned > 0 && narrowed > 0,
        (seed) =>
          fc.assert(
            // states kept at every depth, every second (the default) or every third
            fc.asyncProperty(programArb, fc.constantFrom(1, 2, 3), async (src, every) => {
              const dfs = await outcomes(src, 'dfs', 4_000);
              fc.pre(dfs.complete);
              const stateful = await outcomes(src, strategy, 200_000, true, false, undefined, every);
              expect(stateful.complete).toBe(true);
              expect(stateful.coverage.kind).toBe('exhaustive');
              expect([...stateful.finals].sort()).toEqual([...dfs.finals].sort());
              expect([...stateful.kinds].sort()).toEqual([...dfs.kinds].sort());
              expect([...stateful.keys].sort()).toEqual([...dfs.keys].sort());
              pruned += prunedOf(stateful.coverage.text);
              narrowed += stateful.coverage.narrowed as number;
            }),
            { numRuns: 80, maxSkipsPerRun: 10, seed },
          ),
      );
      expect(pruned).toBeGreaterThan(0);
      expect(narrowed).toBeGreaterThan(0);
    });
  }

  // programs of plain accesses, locks and refcounts (rarely both dropping and pruning), and of tasks publishing
  // their locals (an independent review counted a seventh of them dropping and pruning at 1 KB)
  for (const [name, arb, strategy, runs] of [
    ['random programs', programArb, 'dpor', 50],
    ['programs publishing locals', stackProgramArb, 'dpor', 30],
    ['programs publishing locals', stackProgramArb, 'source-dpor', 30],
  ] as const) {
    it(`${strategy} with a state cache bounded to 256 bytes to 4 KB reaches what DFS does on ${name}`, {
      timeout: 600_000,
    }, async () => {
      let dropped = 0;
      let stopped = 0;
      let both = 0;
      await fc.assert(
        fc.asyncProperty(arb, fc.constantFrom(256, 1024, 4096), async (src, bytes) => {
          const dfs = await outcomes(src, 'dfs', 4_000);
          fc.pre(dfs.complete);
          const bounded = await outcomes(src, strategy, 200_000, true, false, bytes);
          expect(bounded.complete).toBe(true);
          expect(bounded.coverage.kind).toBe('exhaustive');
          expect([...bounded.finals].sort()).toEqual([...dfs.finals].sort());
          expect([...bounded.kinds].sort()).toEqual([...dfs.kinds].sort());
          expect([...bounded.keys].sort()).toEqual([...dfs.keys].sort());
          const d = (bounded.coverage.dropped as number | undefined) ?? 0;
          if (d)
            expect(bounded.coverage.text).toMatch(
              new RegExp(`, ${d} summaries dropped under the \\d+ (bytes|KB) bound\\)$`),
            );
          const p = prunedOf(bounded.coverage.text);
          dropped += d;
          stopped += p;
          if (d && p) both++;
        }),
        // a fixed seed: random programs rarely stop at a visited state under so small a bound, so that the
        // counts below hold for these programs, not by chance
        { numRuns: runs, maxSkipsPerRun: 10, seed: 2026 },
      );
      // the bound bit, and what was kept still pruned (both in one program where locals are published)
      expect(dropped).toBeGreaterThan(0);
      if (arb === stackProgramArb) {
        expect(stopped).toBeGreaterThan(0);
        expect(both).toBeGreaterThan(0);
      }
    });
  }

  // the spin detector's part of the digest: a task's reads since its loop's last back-edge decide whether it waits
  it('with spin-waits (plain, marked, through a helper, bounded retries), stateless and stateful, reaches what DFS does', {
    timeout: 600_000,
  }, async () => {
    let spinning = 0;
    let prunedHere = 0;
    await untilMet(
      () => spinning > 0 && prunedHere > 0,
      (seed) =>
        fc.assert(
          fc.asyncProperty(spinProgramArb, async (src) => {
            const dfs = await outcomes(src, 'dfs', 4_000);
            fc.pre(dfs.complete);
            // stateless optimal DPOR too: the end of a spin-wait makes reversals that can be infeasible
            const stateless = await outcomes(src, 'dpor', 200_000);
            const stateful = await outcomes(src, 'dpor', 200_000, true);
            expect(stateful.coverage.kind).toBe('exhaustive');
            for (const o of [stateless, stateful]) {
              expect([...o.finals].sort()).toEqual([...dfs.finals].sort());
              expect([...o.kinds].sort()).toEqual([...dfs.kinds].sort());
              expect([...o.keys].sort()).toEqual([...dfs.keys].sort());
            }
            if (dfs.kinds.has('livelock')) spinning++;
            prunedHere += prunedOf(stateful.coverage.text);
          }),
          { numRuns: 60, maxSkipsPerRun: 10, seed },
        ),
    );
    // tasks did spin forever in some programs, and executions were stopped at visited states
    expect(spinning).toBeGreaterThan(0);
    expect(prunedHere).toBeGreaterThan(0);
  });

  it('bounded, drops summaries and explores their states again, with the same outcome', async () => {
    // three threads of independent steps meeting on z: many states reached by several orders
    const src = `static int x, y, w, z, res;
void thread_a(void) { x = 1; x = 2; (void)READ_ONCE(z); WRITE_ONCE(z, 1); x = 3; }
void thread_b(void) { y = 1; y = 2; (void)READ_ONCE(z); WRITE_ONCE(z, 2); y = 3; }
void thread_c(void) { w = 1; WRITE_ONCE(z, 3); w = 2; res = READ_ONCE(z); }
`;
    const dfs = await outcomes(src, 'dfs', 100_000);
    const unbounded = await outcomes(src, 'dpor', 100_000, true);
    const bounded = await outcomes(src, 'dpor', 100_000, true, false, 2048);
    for (const o of [unbounded, bounded]) {
      expect(o.coverage.kind).toBe('exhaustive');
      expect([...o.finals].sort()).toEqual([...dfs.finals].sort());
    }
    expect(unbounded.coverage.dropped).toBe(0);
    expect(unbounded.coverage.text).not.toMatch(/dropped/);
    expect(bounded.coverage.dropped as number).toBeGreaterThan(0);
    expect(prunedOf(bounded.coverage.text)).toBeGreaterThan(0);
    // what was forgotten stops no execution: its future is explored again (with source-DPOR's reversals, in about
    // as many executions here: 51 against 53)
    expect(prunedOf(bounded.coverage.text)).toBeLessThan(prunedOf(unbounded.coverage.text));
  });

  it('stops at a state reached by two orders of independent steps, and says so', async () => {
    // a and b write different variables, then both read the third: after a1 b1 and b1 a1 the state is the same
    const text = `static int x, y, z;
void thread_a(void) { x = 1; (void)READ_ONCE(z); WRITE_ONCE(z, 1); }
void thread_b(void) { y = 1; (void)READ_ONCE(z); WRITE_ONCE(z, 2); }
void thread_c(void) { WRITE_ONCE(z, 3); }
`;
    const c = await compile([{ name: 'p.c', text, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    const plain = exploreScenario(c.program!, spec, { strategy: 'dpor', countStates: true });
    const stateful = exploreScenario(c.program!, spec, { strategy: 'dpor', stateCache: true });
    expect(stateful.coverage.text).toMatch(/^exhaustive: all reachable states, \d+ states, \d+ executions/);
    expect(prunedOf(stateful.coverage.text)).toBeGreaterThan(0);
    expect(stateful.stats.steps).toBeLessThan(plain.stats.steps);
    expect(stateful.stats.distinctStates).toBeLessThanOrEqual(plain.stats.distinctStates!);
  });

  it('does not take two states for one when only an allocation size differs (the bounds check reads it)', async () => {
    // both orders end with the threads done and c == 1; p is 16 bytes long when a runs first (explored first) and 8
    // when b does: the check's p[12] is out of bounds only then, which a digest without the size would prune
    const text = `static int c;
static char *p;
void thread_a(void) { int n = READ_ONCE(c); p = kmalloc(n ? 8 : 16, GFP_KERNEL); WRITE_ONCE(c, 1); }
void thread_b(void) { WRITE_ONCE(c, 1); }
void check(void) { p[12] = 1; kfree(p); }
`;
    const c = await compile([{ name: 'p.c', text, role: 'learner' }]);
    if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
    const spec = programScenario(c.program)!;
    for (const strategy of ['dfs', 'dpor'] as const) {
      const r = exploreScenario(c.program, spec, { strategy, stateCache: true });
      expect(r.findings.map((f) => f.kind)).toContain('bad-pointer');
    }
  });

  it('sees a cached summary from the path that reached the state (positions before it mean nothing there)', () => {
    const s = new Summary(3);
    s.add(7, Int32Array.from([3, 9, -1]));
    s.add(7, Int32Array.from([6, 8, -1]));
    const packed = pack(s);
    // smallest positions, then largest; reached at depth 5: thread 0's step at 3 was the first path's, before the
    // state (its largest, at 6, is this path's)
    expect([...reachedAt(packed, 3, 5)].map(([k, at]) => [k, [...at]])).toEqual([[7, [-1, 8, -1, 6, 9, -1]]]);
    // reached at depth 3 (a state of the same digest has the same depth; the test only exercises the cut)
    expect([...reachedAt(packed, 3, 3)].map(([k, at]) => [k, [...at]])).toEqual([[7, [3, 8, -1, 6, 9, -1]]]);
  });

  it('a future lock acquisition races with an earlier holder through the release between them', async () => {
    // thread_t0 publishes 1 under the lock, then 0 under it again; thread_t1 reads under the lock after an
    // unlocked write of x. Two prefixes reach one state (t0 holding the lock the second time, t1 at its
    // lock): the cached future's acquisition by t1 comes after t0's release, and still races with t0's
    // first acquisition in the pruned prefix (reading 1 needs it)
    const src = `static DEFINE_MUTEX(m);
static int x, y, res;
void thread_t0(void)
{
	mutex_lock(&m);
	WRITE_ONCE(x, 1);
	mutex_unlock(&m);
	mutex_lock(&m);
	WRITE_ONCE(x, 0);
	mutex_unlock(&m);
}
void thread_t1(void)
{
	WRITE_ONCE(x, 2);
	mutex_lock(&m);
	res = READ_ONCE(x);
	mutex_unlock(&m);
}
`;
    const dfs = await outcomes(src, 'dfs', 10_000);
    expect(dfs.finals.size).toBe(4);
    for (const strategy of ['dpor', 'source-dpor'] as const) {
      const stateful = await outcomes(src, strategy, 10_000, true);
      expect(stateful.coverage.text).toMatch(/stopped at a visited state/);
      expect([...stateful.finals].sort()).toEqual([...dfs.finals].sort());
    }
  });

  it("a returned thread's unordered write still races with a thread that runs on", async () => {
    // thread_t1 reads x only once it has seen thread_t0's last step, so thread_t0 has returned by then. Two
    // orders of the lock reach one VM state there: t0's section first orders its write before t1's read, t1's
    // first leaves them unordered (a data race). KCSAN's part of the digest must keep them apart: the returned
    // thread's own entry still races, though it is no longer asked whether it covers anyone's (an independent
    // review's mutation, taking the returned thread's entries as dead, prunes the second order here)
    const src = `static DEFINE_MUTEX(m);
static int x, done, res;
void thread_t0(void)
{
	x = 1;
	mutex_lock(&m);
	mutex_unlock(&m);
	WRITE_ONCE(done, 1);
}
void thread_t1(void)
{
	mutex_lock(&m);
	mutex_unlock(&m);
	if (READ_ONCE(done))
		res = x;
}
`;
    const dfs = await outcomes(src, 'dfs', 10_000);
    expect([...dfs.kinds]).toContain('data-race');
    for (const strategy of ['dpor', 'source-dpor'] as const) {
      const stateful = await outcomes(src, strategy, 10_000, true);
      expect(stateful.complete).toBe(true);
      expect([...stateful.keys].sort()).toEqual([...dfs.keys].sort());
      expect([...stateful.finals].sort()).toEqual([...dfs.finals].sort());
    }
  });

  it('reaches what DFS does where the sleep-set test of optimal DPOR once dropped a needed reversal', async () => {
    // an independent review's program: stateful optimal DPOR lost the final state res0 = 1, res2 = 0 (t2 reads x0
    // before t1 writes it, t0 after). The pruned executions' races were covered source-DPOR's way (an initial
    // already a child at the root), and below that child optimal DPOR dropped the reversal putting t2's read
    // first, t0 being asleep there and a weak initial of it; the cache now takes source-DPOR's reversals
    const src = `static int x0; static int x1; static int res0;
void thread_t0(void) { res0 = READ_ONCE(x0); if (READ_ONCE(x1) == 0) x1 = 0; }
void thread_t1(void) { x1 = 0; x0 = 1; }
static int res2;
void thread_t2(void) { res2 = READ_ONCE(x0); }
`;
    const dfs = await outcomes(src, 'dfs', 10_000);
    expect(dfs.finals.size).toBe(4);
    for (const strategy of ['dpor', 'source-dpor'] as const)
      for (const every of [1, 2, 3, 5]) {
        const stateful = await outcomes(src, strategy, 10_000, true, false, undefined, every);
        expect([...stateful.finals].sort()).toEqual([...dfs.finals].sort());
        expect(stateful.coverage.text).toMatch(/\(stateful source-DPOR/);
      }
  });

  it("a fatal end's pending lock acquisition races with the prefix of a later path to a state before it", async () => {
    // thread_t2 takes m and hits its BUG_ON unless thread_t3's section ran first; at that fatal end t3's
    // mutex_lock is pending. From the state t2 reaches on writing y = 3 it never runs (t2 never unlocks), so only
    // the pending event stands for it in that state's summary (dpor.ts summarise). t0's and t1's sections reach
    // that state in either order (y is 3 after both); the second order explored (t1's first) is stopped there,
    // and the race of its prefix's t2 acquisition with t3's pending one, found with the summary, is this
    // exploration's only way to t3's section after t1's, then t0's, and before t2's: res = 11 with y = 3. An
    // independent review's mutation deleting the pending events' summary entries lost that final state at each
    // of the depth steps 1, 2 and 3 (t2's writes of g only put the state at depth 12, which all three keep).
    const src = `static DEFINE_MUTEX(m);
static int y, f, g, done, res;
void thread_t0(void)
{
	mutex_lock(&m);
	WRITE_ONCE(y, 1);
	mutex_unlock(&m);
}
void thread_t1(void)
{
	mutex_lock(&m);
	WRITE_ONCE(y, 2);
	WRITE_ONCE(f, 1);
	mutex_unlock(&m);
}
void thread_t2(void)
{
	WRITE_ONCE(g, 1);
	WRITE_ONCE(g, 2);
	WRITE_ONCE(g, 3);
	mutex_lock(&m);
	WRITE_ONCE(y, 3);
	BUG_ON(!READ_ONCE(done));
	mutex_unlock(&m);
}
void thread_t3(void)
{
	mutex_lock(&m);
	res = READ_ONCE(f) * 10 + READ_ONCE(y);
	WRITE_ONCE(done, 1);
	mutex_unlock(&m);
}
`;
    const dfs = await outcomes(src, 'dfs', 10_000);
    expect(dfs.complete).toBe(true);
    expect([...dfs.kinds]).toEqual(['oops']);
    expect([...dfs.finals].filter((s) => /y\.0=3;.*res\.0=11$/.test(s))).toHaveLength(1);
    for (const strategy of ['dpor', 'source-dpor'] as const)
      for (const every of [1, 2, 3]) {
        const stateful = await outcomes(src, strategy, 10_000, true, false, undefined, every);
        expect(stateful.coverage.kind).toBe('exhaustive');
        expect(prunedOf(stateful.coverage.text)).toBeGreaterThan(0);
        expect([...stateful.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...stateful.kinds].sort()).toEqual([...dfs.kinds].sort());
        expect([...stateful.keys].sort()).toEqual([...dfs.keys].sort());
      }
  });

  it('summaries only where a state is kept explore exactly what a summary at every node does', {
    timeout: 600_000,
  }, async () => {
    // the nodes between kept states hand their future to the nearest kept node above instead of merging their own
    // summary into their parent's at each close: the kept states' summaries, hence every execution, are the same
    const run = async (src: string, every: number, everyNode: boolean, bytes?: number) => {
      const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
      const spec = programScenario(c.program!)!;
      // (either mode takes source-DPOR's reversals with a cache)
      const strategy = new DporStrategy({
        nthreads: spec.threads.length,
        stateCache: true,
        stateCacheEvery: every,
        stateCacheBytes: bytes,
        summaryEveryNode: everyNode,
      });
      const schedules: string[] = [];
      const r = exploreScenario(c.program!, spec, {
        strategy,
        stateCache: true,
        stateCacheEvery: every,
        budget: { executions: 20_000 },
        onExecution: (rec) => schedules.push(rec.schedule.join('')),
      });
      return { text: r.coverage.text, steps: r.stats.steps, keys: r.findings.map((f) => f.key), schedules };
    };
    let stopped = 0;
    await untilMet(
      () => stopped > 0,
      (seed) =>
        fc.assert(
          fc.asyncProperty(
            fc.oneof(programArb, stackProgramArb, rwProgramArb, spinProgramArb),
            fc.constantFrom(2, 3),
            fc.constantFrom(undefined, 1024),
            async (src, every, bytes) => {
              const kept = await run(src, every, false, bytes);
              const all = await run(src, every, true, bytes);
              expect(kept).toEqual(all);
              stopped += prunedOf(kept.text);
            },
          ),
          { numRuns: 60, seed },
        ),
    );
    expect(stopped).toBeGreaterThan(0);
  });

  it('refuses a strategy it is unsound with', async () => {
    const c = await compile([
      { name: 'p.c', text: 'static int x;\nvoid thread_a(void) { x = 1; }\n', role: 'learner' },
    ]);
    const spec = programScenario(c.program!)!;
    expect(() => exploreScenario(c.program!, spec, { strategy: 'pct', stateCache: true })).toThrow(/state cache/);
  });

  it('keeps the states at every second depth by default, says so, and refuses a depth step below 1', async () => {
    const src = `static int x, y;
void thread_a(void) { x = 1; y = 1; x = 2; }
void thread_b(void) { y = 2; x = 3; y = 3; }
`;
    const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    const run = (stateCacheEvery?: number) =>
      exploreScenario(c.program!, spec, { strategy: 'dpor', stateCache: true, stateCacheEvery });
    const every = run(1);
    const second = run();
    expect(every.coverage.text).not.toMatch(/states kept/);
    expect(second.coverage.text).toMatch(/^exhaustive: .*\(stateful source-DPOR, states kept at every 2nd depth, /);
    expect(run(3).coverage.text).toMatch(/states kept at every 3rd depth/);
    // half the depths: fewer states kept than every state, the same final states
    expect(second.stats.distinctStates!).toBeLessThan(every.stats.distinctStates!);
    expect(second.stats.complete && every.stats.complete).toBe(true);
    for (const bad of [0, -1, 1.5]) expect(() => run(bad)).toThrow(/stateCacheEvery must be a positive integer/);
    // a strategy built by hand for another depth step than the exploration's would state the wrong one
    const mine = new DporStrategy({ nthreads: spec.threads.length, stateCache: true, stateCacheEvery: 3 });
    expect(() => exploreScenario(c.program!, spec, { strategy: mine, stateCache: true })).toThrow(
      /built for states kept at every 3rd depth, the exploration keeps every 2nd/,
    );
  });
});
