import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { check, useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { minimise } from '../../src/report/minimise.js';
import { replaySchedules } from '../../src/sched/runner.js';
import { decodeSchedule, decodeToken, encodeSchedule } from '../../src/sched/schedule.js';
import { withPlan } from '../../src/sched/faults.js';
import { PctStrategy, formatP } from '../../src/sched/pct.js';
import { Rng } from '../../src/sched/rng.js';

useParser();

const TWO_PREEMPTIONS = `
static int x;
void thread_one(void) { WRITE_ONCE(x, 1); WRITE_ONCE(x, 0); }
void thread_two(void) { int a = READ_ONCE(x); int b = READ_ONCE(x); assert(!(a == 1 && b == 0)); }`;

describe('preemption bounding', () => {
  it('finds a bug that needs two preemptions at k=2 and not at k=1', async () => {
    const k1 = await check(TWO_PREEMPTIONS, { strategy: 'bounded', preemptions: 1 });
    expect(k1.findings).toEqual([]);
    expect(k1.coverage?.text).toMatch(/^bounded: all schedules with <= 1 preemption /);
    const k2 = await check(TWO_PREEMPTIONS, { strategy: 'bounded', preemptions: 2 });
    expect(k2.findings.map((f) => f.kind)).toEqual(['assert']);
    expect(k2.findings[0]!.preemptions).toBe(2);
    // exhaustive search agrees that no schedule with fewer preemptions shows it
    const dpor = await check(TWO_PREEMPTIONS, { strategy: 'dpor' });
    expect(dpor.findings[0]!.preemptions).toBe(2);
  });
});

describe('PCT', () => {
  it('states the bound of Burckhardt et al.: p >= 1/(n k^(d-1)) per run, misses with (1-p)^M', () => {
    expect(PctStrategy.perRun(2, 10, 1)).toBe(1 / 2);
    expect(PctStrategy.perRun(3, 10, 3)).toBeCloseTo(1 / 300, 12);
    expect(PctStrategy.missProbability(3, 10, 3, 100)).toBeCloseTo((1 - 1 / 300) ** 100, 12);
  });

  it('prints its coverage with the probability bound', async () => {
    const r = await check(TWO_PREEMPTIONS, { strategy: 'pct', depth: 3, runs: 200, seed: 7 });
    const k = r.coverage!.k as number;
    expect(k).toBeGreaterThan(0);
    expect(r.coverage!.miss).toBeCloseTo((1 - 1 / (2 * k * k)) ** 200, 12);
    expect(r.coverage!.text).toBe(
      `200 PCT runs at depth 3: a depth-3 bug is missed with probability <= ${formatP((1 - 1 / (2 * k * k)) ** 200)} (n=2, k=${k})`,
    );
  });

  it('is reproducible: the same seed gives the same runs, another seed may differ', async () => {
    const a = await check(TWO_PREEMPTIONS, { strategy: 'pct', depth: 3, runs: 50, seed: 3 });
    const b = await check(TWO_PREEMPTIONS, { strategy: 'pct', depth: 3, runs: 50, seed: 3 });
    expect(JSON.stringify(a.findings)).toBe(JSON.stringify(b.findings));
    expect(a.stats!.traces).toBe(b.stats!.traces);
  });

  it('a seeded Rng gives a uniform-looking permutation', () => {
    const r = new Rng(42);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.permutation(3)[0]!]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});

describe('portfolio', () => {
  it('is exhaustive when the space fits', async () => {
    const r = await check(TWO_PREEMPTIONS);
    expect(r.coverage!.text).toMatch(/^exhaustive: all \d+ Mazurkiewicz traces \(optimal DPOR\)$/);
  });

  it('a partial DPOR run says, as a complete one does, how many of its executions were sleep-set blocked', async () => {
    // examples/spin-until-set.c: the spinner's read after the set is sleep-set blocked once in its 4 traces
    const src = `static int go;
void thread_spinner(void) { while (!READ_ONCE(go)) cpu_relax(); }
void thread_setter(void) { WRITE_ONCE(go, 1); }`;
    const all = await check(src, { strategy: 'dpor' });
    expect(all.coverage!.text).toBe(
      'exhaustive: all 4 Mazurkiewicz traces (optimal DPOR, 1 sleep-set blocked executions)',
    );
    const cut = await check(src, { strategy: 'dpor', budget: { executions: 4 } });
    expect(cut.coverage!.text).toBe(
      'partial: 3 Mazurkiewicz traces explored (optimal DPOR, 1 sleep-set blocked executions) before the budget ran out',
    );
  });

  it('falls back to bounded search and PCT with a stated coverage when it does not', async () => {
    const counters =
      'static int x;\nvoid thread_a(void) { int i; for (i = 0; i < 4; i++) WRITE_ONCE(x, READ_ONCE(x) + 1); }\nvoid thread_b(void) { int i; for (i = 0; i < 4; i++) WRITE_ONCE(x, READ_ONCE(x) + 1); }\n';
    const r = await check(counters, { executions: 100 });
    expect(r.coverage!.kind).toBe('bounded');
    expect(r.coverage!.text).toMatch(/bounded: all schedules with <= \d preemptions?/);
    expect(r.coverage!.text).toMatch(/PCT runs at depth 2: a depth-2 bug is missed with probability <= /);
  });
});

describe('tokens, replay and minimisation', () => {
  it('a schedule token round-trips', () => {
    for (const s of [[], [0], [0, 0, 1, 2, 2, 2, 0], Array(30).fill(3)])
      expect(decodeSchedule(encodeSchedule(s))).toEqual(s);
    expect(() => decodeSchedule('a3!')).toThrow(/bad schedule token/);
  });

  const examples = readdirSync(new URL('../../../../examples/', import.meta.url)).filter(
    (f) => f.endsWith('.c') && f !== 'syntax-error.c',
  );

  it.each(examples)('%s: every counterexample replays from its token to the same finding', async (file) => {
    const text = readFileSync(new URL(`../../../../examples/${file}`, import.meta.url), 'utf8');
    const r = await check(text);
    const c = await compile([{ name: 'test.c', text, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    for (const f of r.findings) {
      // the token is the whole replay: the fault plan (if any) and the schedules
      const { faults, schedules } = decodeToken(f.token!);
      const recs = replaySchedules(c.program!, withPlan(spec, faults), schedules);
      expect(recs.flatMap((x) => x.findings).map((x) => x.key)).toContain(f.key);
    }
  });

  it.each(examples)(
    '%s: a minimised schedule never has more context switches than the one first found',
    async (file) => {
      const text = readFileSync(new URL(`../../../../examples/${file}`, import.meta.url), 'utf8');
      const raw = await check(text, { minimise: false });
      const min = await check(text);
      for (const f of min.findings) {
        const before = raw.findings.find((x) => x.key === f.key);
        if (!before) continue;
        expect(f.switches!).toBeLessThanOrEqual(before.switches!);
        expect(f.preemptions!).toBeLessThanOrEqual(before.preemptions!);
      }
    },
  );

  it('minimisation drops steps that do not matter and reorders to cut switches', async () => {
    const text = `
static int noise1, noise2;
struct o { int v; };
static struct o *p;
void setup(void) { p = kzalloc(sizeof(*p), GFP_KERNEL); }
void thread_a(void) { WRITE_ONCE(noise1, 1); WRITE_ONCE(noise1, 2); kfree(READ_ONCE(p)); WRITE_ONCE(noise1, 3); }
void thread_b(void) { WRITE_ONCE(noise2, 1); WRITE_ONCE(noise2, 2); struct o *q = READ_ONCE(p); WRITE_ONCE(noise2, 3); WRITE_ONCE(q->v, 1); }
void thread_c(void) { WRITE_ONCE(noise2, 7); }`;
    const c = await compile([{ name: 'test.c', text, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    // a deliberately bad counterexample: every step switches thread, and c runs for nothing
    const [rec] = replaySchedules(c.program!, spec, [[2, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]]);
    const bad = rec!.findings.find((f) => f.kind === 'use-after-free')!;
    bad.preemptions = rec!.steps.filter((s) => s.preemption).length;
    bad.switches = 10;
    const min = minimise(c.program!, spec, bad);
    expect(min.key).toBe(bad.key);
    expect(min.preemptions).toBe(0);
    expect(min.switches).toBeLessThanOrEqual(1);
    expect(min.schedule).not.toContain(2); // thread c did not matter
    const [again] = replaySchedules(c.program!, spec, [min.schedule!]);
    expect(again!.findings.map((f) => f.key)).toContain(bad.key);
  });
});
