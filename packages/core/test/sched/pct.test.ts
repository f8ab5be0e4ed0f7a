/**
 * PCT against its guarantee (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs",
 * ASPLOS 2010, Theorem 1): on a program of n threads and k steps, one run
 * at depth d finds a bug of depth d with probability at least
 * 1/(n k^(d-1)). Measured here over many seeded runs of small programs whose
 * bug depth is known.
 */
import { describe, expect, it } from 'vitest';
import { useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { exploreScenario } from '../../src/sched/runner.js';
import { PctStrategy, formatP } from '../../src/sched/pct.js';
import type { Event } from '../../src/sched/events.js';

useParser();

/** Depth 3: W1 < R1 < W2 < R2 (three ordering constraints, two preemptions). */
const DEPTH3 = `
static int x;
void thread_one(void) { WRITE_ONCE(x, 1); WRITE_ONCE(x, 0); }
void thread_two(void) { int a = READ_ONCE(x); int b = READ_ONCE(x); assert(!(a == 1 && b == 0)); }`;

/**
 * Depth 2: thread two reads y after thread one's first write and before its
 * last (W1 < R < W3). (With only two writes the bound is exactly attained,
 * 1/(2*3): a measured rate then falls on either side of it by chance.)
 */
const DEPTH2 = `
static int y;
void thread_one(void) { WRITE_ONCE(y, 1); WRITE_ONCE(y, 2); WRITE_ONCE(y, 3); }
void thread_two(void) { int r = READ_ONCE(y); assert(r == 0 || r == 3); }`;

interface Measure {
  hits: number;
  runs: number;
  n: number;
  k: number;
  rate: number;
  bound: number;
}

/**
 * Run PCT at depth `d` with seeds 1..seeds, `runs` runs each, and count the
 * runs that hit the assertion. Only runs made once k (the longest execution)
 * was known count: the first run of each seed guesses k = 1.
 */
async function measure(src: string, d: number, seeds: number, runs: number): Promise<Measure> {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  const spec = programScenario(c.program!)!;
  const n = spec.threads.length;
  const samples: { kBefore: number; hit: boolean }[] = [];
  let k = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const pct = new PctStrategy(n, d, runs, seed);
    let longest = 0;
    exploreScenario(c.program!, spec, {
      strategy: pct,
      countTraces: false,
      onExecution: (rec) => {
        const points = pct.changePoints;
        expect(new Set(points).size).toBe(points.length);
        expect(points.length).toBe(Math.min(d - 1, Math.max(1, longest)));
        samples.push({ kBefore: longest, hit: rec.findings.some((f) => f.kind === 'assert') });
        longest = Math.max(longest, rec.schedule.length);
      },
    });
    k = Math.max(k, longest);
  }
  const counted = samples.filter((s) => s.kBefore === k);
  const hits = counted.filter((s) => s.hit).length;
  return { hits, runs: counted.length, n, k, rate: hits / counted.length, bound: PctStrategy.perRun(n, k, d) };
}

function report(what: string, m: Measure): void {
  const rate = `${m.hits}/${m.runs} runs hit (${m.rate.toFixed(4)})`;
  console.log(`PCT ${what}: n=${m.n} k=${m.k}: ${rate}, bound ${m.bound.toFixed(4)}`);
}

describe('PCT guarantee (Burckhardt et al., ASPLOS 2010)', () => {
  it('finds a depth-3 bug in at least 1/(n k^2) of its runs', async () => {
    const m = await measure(DEPTH3, 3, 10, 500);
    expect(m.runs).toBeGreaterThan(4500);
    expect(m.bound).toBe(1 / (m.n * m.k ** 2));
    expect(m.rate).toBeGreaterThanOrEqual(m.bound);
    report('depth 3', m);
  });

  it('finds a depth-2 bug in at least 1/(n k) of its runs', async () => {
    const m = await measure(DEPTH2, 2, 10, 200);
    expect(m.runs).toBeGreaterThan(1500);
    expect(m.rate).toBeGreaterThanOrEqual(m.bound);
    report('depth 2', m);
  });

  it('draws d-1 distinct change points in [1, k], and all k steps while k < d-1', () => {
    const events = (len: number) => Array.from({ length: len }, () => ({}) as Event);
    const end = { abandoned: false, fatal: false, findings: [], pending: [] };
    for (const [d, k] of [
      [3, 2],
      [4, 3],
      [5, 4],
      [6, 40],
      [3, 2000],
    ] as const) {
      const pct = new PctStrategy(2, d, 500, d * 1000 + k);
      pct.newExecution();
      pct.endExecution(events(k), end);
      for (let run = 0; run < 200; run++) {
        expect(pct.newExecution()).toBe(true);
        const points = pct.changePoints;
        expect(points.length).toBe(d - 1);
        expect(new Set(points).size).toBe(d - 1);
        for (const p of points) expect(p >= 1 && p <= k).toBe(true);
        pct.endExecution(events(k), end);
      }
    }
    const short = new PctStrategy(2, 5, 10, 1);
    short.newExecution();
    short.endExecution(events(2), end);
    short.newExecution();
    expect([...short.changePoints].sort()).toEqual([1, 2]);
  });

  it('states the bound in its coverage text: missed with probability <= (1 - 1/(n k^(d-1)))^M', async () => {
    const c = await compile([{ name: 'p.c', text: DEPTH3, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    const pct = new PctStrategy(2, 3, 300, 5);
    const r = exploreScenario(c.program!, spec, { strategy: pct });
    const k = r.coverage.k as number;
    const miss = (1 - 1 / (2 * k ** 2)) ** 300;
    expect(r.coverage.miss).toBeCloseTo(miss, 12);
    const text = `300 PCT runs at depth 3: a depth-3 bug is missed with probability <= ${formatP(miss)} (n=2, k=${k})`;
    expect(r.coverage.text).toBe(text);
  });
});
