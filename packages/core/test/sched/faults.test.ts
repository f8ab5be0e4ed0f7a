import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { exploreScenario, replay, replaySchedules } from '../../src/sched/runner.js';
import { decodeToken, findingToken } from '../../src/sched/schedule.js';
import { withPlan } from '../../src/sched/faults.js';
import type { InjectedFault } from '../../src/state/fault.js';
import type { Machine } from '../../src/vm/machine.js';

useParser();

/** A thread that does not check kzalloc's result: only an injected allocation failure shows it. */
const NO_NULL_CHECK = `
struct obj { int v; };
static struct obj *shared;
static const char *fault_sites[] = { "kmalloc" };
void thread_a(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	o->v = 1;
	WRITE_ONCE(shared, o);
}
void thread_b(void)
{
	struct obj *o = READ_ONCE(shared);
	if (o)
		kfree(o);
}`;

/**
 * The number of armed calls thread b makes depends on the interleaving, and
 * the bug needs b's third call to fail after a's first did not: an
 * enumeration of fault plans that only looked at one interleaving's counts
 * would miss it.
 */
const COUNT_DEPENDS_ON_ORDER = `
static int flag, hits;
static const char *fault_sites[] = { "probe" };
void thread_a(void)
{
	if (!should_fail("probe"))
		WRITE_ONCE(flag, 1);
}
void thread_b(void)
{
	int i, n = READ_ONCE(flag) ? 3 : 1;

	for (i = 0; i < n; i++)
		if (should_fail("probe"))
			WRITE_ONCE(hits, i + 1);
}
void check(void)
{
	assert(hits != 3);
}`;

/** Two failures are needed together: with fault_max = 1 the bug is out of reach. */
const TWO_FAILURES = (max: number) => `
static int a_failed, b_failed;
static const char *fault_sites[] = { "probe" };
static const int fault_max = ${max};
void thread_a(void) { if (should_fail("probe")) WRITE_ONCE(a_failed, 1); }
void thread_b(void) { if (should_fail("probe")) WRITE_ONCE(b_failed, 1); }
void check(void) { assert(!(a_failed && b_failed)); }`;

/** Finding keys from every plan of up to `max` failures among the first `calls` calls per thread, each explored by DFS. */
async function bruteForce(src: string, max: number, calls: number): Promise<Set<string>> {
  const c = await compile([{ name: 'test.c', text: src, role: 'learner' }]);
  const spec = programScenario(c.program!)!;
  const singles: InjectedFault[] = [];
  for (let tid = 0; tid < spec.threads.length; tid++) for (let nth = 1; nth <= calls; nth++) singles.push({ tid, nth });
  const plans: InjectedFault[][] = [[]];
  for (let k = 0; k < max; k++)
    for (const p of plans.filter((x) => x.length === k))
      for (const e of singles) {
        const last = p[p.length - 1];
        if (!last || e.tid > last.tid || (e.tid === last.tid && e.nth > last.nth)) plans.push([...p, e]);
      }
  const keys = new Set<string>();
  for (const plan of plans) {
    const r = exploreScenario(c.program!, withPlan(spec, plan), { strategy: 'dfs', countTraces: false });
    expect(r.stats.complete).toBe(true);
    for (const f of r.findings) keys.add(f.key);
  }
  return keys;
}

describe('fault injection (fail_nth, exhaustive)', () => {
  it('finds a failure only an injected allocation failure shows, with its plan in the token', async () => {
    const r = await check(NO_NULL_CHECK, { strategy: 'dpor' });
    expect(r.coverage?.text).toMatch(
      /^exhaustive: all \d+ Mazurkiewicz traces, with up to 1 injected failure at 1 fault site \(kmalloc\): 2 fault plans$/,
    );
    const f = r.findings.find((x) => x.kind === 'null-deref')!;
    expect(f.faults).toEqual([{ tid: 0, nth: 1 }]);
    expect(f.token).toBe('Fa1.');
    expect(f.injected?.map((i) => [i.tid, i.nth, i.site, i.stack[0]?.line])).toEqual([[0, 1, 'kmalloc', 7]]);
    // replaying the token under its plan reproduces it; without the plan it does not
    const c = await compile([{ name: 'test.c', text: NO_NULL_CHECK, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    const { faults, schedules } = decodeToken(f.token!);
    const [hit] = replaySchedules(c.program!, withPlan(spec, faults), schedules);
    expect(hit!.findings.map((x) => x.kind)).toContain('null-deref');
    const [miss] = replaySchedules(c.program!, withPlan(spec, []), schedules);
    expect(miss!.findings.map((x) => x.kind)).not.toContain('null-deref');
  });

  it('is not armed by default: the same program without fault_sites has no null-deref', async () => {
    const r = await check(NO_NULL_CHECK.replace(/static const char \*fault_sites.*\n/, ''), { strategy: 'dpor' });
    expect(kinds(r)).not.toContain('null-deref');
    expect(r.coverage?.text).not.toMatch(/fault/);
  });

  it('counts armed calls per thread over every interleaving (the count may depend on the order)', async () => {
    const r = await check(COUNT_DEPENDS_ON_ORDER, { strategy: 'dpor' });
    const bug = r.findings.find((f) => f.kind === 'assert');
    expect(bug?.faults).toEqual([{ tid: 1, nth: 3 }]);
    expect(r.stats?.complete).toBe(true);
  });

  it('bounds the failures per execution by fault_max', async () => {
    expect(kinds(await check(TWO_FAILURES(1), { strategy: 'dpor' }))).not.toContain('assert');
    const two = await check(TWO_FAILURES(2), { strategy: 'dpor' });
    const f = two.findings.find((x) => x.kind === 'assert')!;
    expect(f.faults).toEqual([
      { tid: 0, nth: 1 },
      { tid: 1, nth: 1 },
    ]);
    expect(f.token?.startsWith('Fa1b1.')).toBe(true);
    expect(two.coverage?.text).toMatch(/with up to 2 injected failures at 1 fault site/);
  });

  it('finds what a brute force over every plan and every schedule finds', async () => {
    for (const [src, max] of [
      [NO_NULL_CHECK, 1],
      [COUNT_DEPENDS_ON_ORDER, 1],
      [COUNT_DEPENDS_ON_ORDER, 2],
      [TWO_FAILURES(2), 2],
    ] as const) {
      const r = await check(
        max === 2 && src === COUNT_DEPENDS_ON_ORDER ? `${src}\nstatic const int fault_max = 2;` : src,
        {
          strategy: 'dpor',
          minimise: false,
        },
      );
      const expected = await bruteForce(src, max, 4);
      expect(new Set(r.findings.map((f) => f.key))).toEqual(expected);
    }
  });

  it('writes and reads fault plans in tokens', () => {
    const plan = [
      { tid: 0, nth: 2 },
      { tid: 27, nth: 1 },
    ];
    const token = findingToken({ schedule: [0, 0, 1, 27], faults: plan });
    expect(token).toBe('Fa2_27_1.a2b_27_');
    expect(decodeToken(token)).toEqual({ faults: plan, schedules: [[0, 0, 1, 27]] });
    expect(decodeToken('a2,b')).toEqual({ faults: [], schedules: [[0, 0], [1]] });
    expect(() => decodeToken('Fa.ab')).toThrow(/fault plan/);
    expect(() => decodeToken('Fa0.ab')).toThrow(/start at 1/);
  });
});

const TIMED_WAIT = `
struct obj { int v; };
static DECLARE_WAIT_QUEUE_HEAD(wq);
static struct obj *o;
static int done;
void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); }
void thread_waiter(void)
{
	wait_event_timeout(wq, READ_ONCE(done), msecs_to_jiffies(60000));
	kfree(o);
}
void thread_user(void)
{
	WRITE_ONCE(o->v, 1);
	WRITE_ONCE(done, 1);
	wake_up(&wq);
}`;

/** Two timed sleepers nobody wakes, with 10 ms and 50 ms timeouts. */
const DEADLINES = `
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int never;
void thread_short(void) { wait_event_timeout(wq, READ_ONCE(never), 10); }
void thread_long(void) { wait_event_timeout(wq, READ_ONCE(never), 50); }`;

/** Is thread `tid` asleep in schedule_timeout() (not yet woken, its timer not fired)? */
const asleep = (m: Machine, tid: number) =>
  m.pendingLabel(tid).startsWith('schedule:') && m.state.threads[tid]!.taskState !== 0;

describe('--timeouts anytime', () => {
  it('lets a timed wait time out while others run: the v2 review point 4 shape', async () => {
    const quiet = await check(TIMED_WAIT, { strategy: 'dpor' });
    expect(kinds(quiet)).toEqual([]);
    const anytime = await check(TIMED_WAIT, { strategy: 'dpor', timeouts: 'anytime' });
    expect(kinds(anytime)).toEqual(['stall', 'use-after-free']);
  });

  it('fires timers in deadline order: a later timer waits while an earlier sleeper sleeps', async () => {
    const c = await compile([{ name: 'test.c', text: DEADLINES, role: 'learner' }]);
    const spec = { ...programScenario(c.program!)!, timeouts: 'anytime' as const };
    let bothAsleep = 0;
    // long goes to sleep, then short; then whichever may run runs
    replay(c.program!, spec, [[1, 1, 1, 0, 0, 0]], undefined, (m) => {
      const [short, long] = [m.state.threads[0]!, m.state.threads[1]!];
      if (!asleep(m, 0) || !asleep(m, 1)) return;
      bothAsleep++;
      const shortFirst = short.sleepStart! + 10 < long.sleepStart! + 50;
      expect(m.enabled(0)).toBe(shortFirst || short.sleepStart! + 10 === long.sleepStart! + 50);
      expect(m.enabled(1)).toBe(!shortFirst);
    });
    expect(bothAsleep).toBeGreaterThan(0);
  });

  it('still times out only at quiescence by default', async () => {
    const c = await compile([{ name: 'test.c', text: DEADLINES, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    let bothAsleep = 0;
    replay(c.program!, spec, [[1, 1, 1, 0, 0, 0]], undefined, (m) => {
      if (!asleep(m, 0) || !asleep(m, 1)) return;
      bothAsleep++;
      expect([m.enabled(0), m.enabled(1)]).toEqual([false, false]);
    });
    expect(bothAsleep).toBeGreaterThan(0);
  });
});
