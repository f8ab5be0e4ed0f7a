import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { replay } from '../../src/sched/runner.js';

useParser();

describe('wait queues and task states', () => {
  const prog = (wait: string, wake: string) => `
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int done;
void thread_waiter(void) { ${wait}; assert(READ_ONCE(done)); }
void thread_waker(void) { WRITE_ONCE(done, 1); ${wake}(&wq); }`;

  it('wait_event + wake_up: no finding in any interleaving', async () => {
    const r = await check(prog('wait_event(wq, READ_ONCE(done))', 'wake_up'));
    expect(r.findings).toEqual([]);
    expect(r.coverage?.kind).toBe('exhaustive');
  });

  it('wait_event + wake_up_interruptible: the uninterruptible sleeper is never woken (hung task)', async () => {
    const r = await check(prog('wait_event(wq, READ_ONCE(done))', 'wake_up_interruptible'));
    expect(kinds(r)).toEqual(['deadlock']);
    expect(r.findings[0]!.title).toBe('INFO: task waiter blocked for more than 120 seconds.');
  });

  it('wait_event_interruptible + wake_up_interruptible: woken', async () => {
    const r = await check(prog('wait_event_interruptible(wq, READ_ONCE(done))', 'wake_up_interruptible_all'));
    expect(r.findings).toEqual([]);
  });

  it('wait_event_timeout + wake_up_all: no stall', async () => {
    const r = await check(prog('wait_event_timeout(wq, READ_ONCE(done), msecs_to_jiffies(100))', 'wake_up_all'));
    expect(r.findings).toEqual([]);
  });

  it('wait_event_timeout + wake_up_interruptible_all: returns only through its timeout (stall), with the skipped wake-up named', async () => {
    const r = await check(
      prog(
        'long left = wait_event_timeout(wq, READ_ONCE(done), msecs_to_jiffies(60000)); assert(left >= 1)',
        'wake_up_interruptible_all',
      ),
    );
    expect(kinds(r)).toEqual(['stall']);
    const f = r.findings[0]!;
    expect(f.title).toBe('stall: waiter waited the full 60000 ms in thread_waiter');
    expect(f.details.join('\n')).toContain('wake_up_interruptible_all() by waker');
  });

  it('a timed wait nobody satisfies returns 0 after its timeout', async () => {
    const r = await check(`
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int done, other;
void thread_waiter(void) { long left = wait_event_timeout(wq, READ_ONCE(done), 500); assert(left == 0); }
void thread_idle(void) { WRITE_ONCE(other, 1); }`);
    expect(kinds(r)).toEqual(['stall']);
  });
});

describe('completions', () => {
  it('complete() wakes wait_for_completion()', async () => {
    const r = await check(`
static DECLARE_COMPLETION(c);
static int data;
void thread_a(void) { wait_for_completion(&c); assert(data == 1); }
void thread_b(void) { data = 1; complete(&c); }`);
    expect(r.findings).toEqual([]);
  });

  it('one complete() for two waiters leaves one hung', async () => {
    const r = await check(`
static DECLARE_COMPLETION(c);
void thread_a(void) { wait_for_completion(&c); }
void thread_b(void) { wait_for_completion(&c); }
void thread_c(void) { complete(&c); }`);
    expect(kinds(r)).toEqual(['deadlock']);
  });

  it('complete_all() releases every waiter', async () => {
    const r = await check(`
static DECLARE_COMPLETION(c);
void thread_a(void) { wait_for_completion(&c); }
void thread_b(void) { wait_for_completion(&c); }
void thread_c(void) { complete_all(&c); }`);
    expect(r.findings).toEqual([]);
  });

  it('wait_for_completion_timeout without complete() stalls', async () => {
    const r = await check(`
static DECLARE_COMPLETION(c);
void thread_a(void) { assert(wait_for_completion_timeout(&c, 100) == 0); }`);
    expect(kinds(r)).toEqual(['stall']);
  });

  it('wait_for_completion_interruptible_timeout, as vfio_unregister_group_dev() waits: woken with time left, or a stall', async () => {
    const woken = await check(`
static DECLARE_COMPLETION(comp);
static refcount_t users;
void setup(void) { refcount_set(&users, 2); }
static void put_registration(void) { if (refcount_dec_and_test(&users)) complete(&comp); }
void thread_unregister(void) { put_registration(); assert(wait_for_completion_interruptible_timeout(&comp, 10000) > 0); }
void thread_close(void) { put_registration(); }`);
    expect(woken.findings).toEqual([]);
    expect(woken.coverage?.kind).toBe('exhaustive');
    const stuck = await check(`
static DECLARE_COMPLETION(comp);
static refcount_t users;
void setup(void) { refcount_set(&users, 2); }
static void put_registration(void) { if (refcount_dec_and_test(&users)) complete(&comp); }
void thread_unregister(void) { put_registration(); assert(wait_for_completion_killable_timeout(&comp, 10000) == 0); }
void thread_open(void) { refcount_inc(&users); }`);
    expect(kinds(stuck)).toEqual(['stall']);
    expect(stuck.findings[0]!.title).toBe('stall: unregister waited the full 10000 ms in thread_unregister');
  });

  // kernel/sched/completion.c do_wait_for_common(): the deadline is fixed at the call (schedule_timeout() hands
  // back what is left and the loop sleeps on that), so another sleeper's timer firing first moves the clock,
  // not this wait's deadline, and a wait woken later returns what was left of its timeout
  const twoSleepers = (a: string, b: string) => `
static DECLARE_COMPLETION(c1);
static DECLARE_COMPLETION(c2);
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int never;
void thread_a(void) { ${a} }
void thread_b(void) { ${b} }`;

  it('a timed completion wait times out at its call plus its timeout, whatever timer fired before', async () => {
    for (const b of [
      'assert(wait_for_completion_timeout(&c2, 40) == 0);',
      'assert(wait_event_timeout(wq, READ_ONCE(never), 40) == 0);',
    ]) {
      for (const timeouts of ['quiescent', 'anytime'] as const) {
        const r = await check(
          twoSleepers('assert(wait_for_completion_timeout(&c1, 100) == 0); assert(jiffies == 100);', b),
          { timeouts },
        );
        expect(kinds(r), `${b} ${timeouts}`).toEqual(['stall']);
        expect(r.findings.map((f) => f.title).sort()).toEqual([
          expect.stringMatching(/^stall: a waited the full 100 ms/),
          expect.stringMatching(/^stall: b waited the full 40 ms/),
        ]);
      }
    }
  });

  it('a timed completion wait that finds its completion done never sleeps: its whole timeout, whenever a timer fires', async () => {
    // (an independent review's program: with timers firing while others run, t0's could fire before t1's wait)
    for (const timeouts of ['quiescent', 'anytime'] as const) {
      const r = await check(
        twoSleepers(
          'assert(wait_for_completion_timeout(&c1, 10) == 0);',
          'complete(&c2); assert(wait_for_completion_timeout(&c2, 20) == 20);',
        ),
        { timeouts },
      );
      expect(r.findings.map((f) => f.title)).toEqual([expect.stringMatching(/^stall: a waited the full 10 ms/)]);
    }
  });

  it('MAX_SCHEDULE_TIMEOUT: no timer (a task never woken hangs), and a woken wait returns it unchanged', async () => {
    const woken = await check(
      twoSleepers(
        'assert(wait_for_completion_timeout(&c1, MAX_SCHEDULE_TIMEOUT) == MAX_SCHEDULE_TIMEOUT);',
        'assert(wait_for_completion_timeout(&c2, 200) == 0); complete(&c1);',
      ),
    );
    expect(woken.findings.map((f) => f.title)).toEqual([expect.stringMatching(/^stall: b waited the full 200 ms/)]);
    for (const wait of [
      'wait_for_completion_timeout(&c1, MAX_SCHEDULE_TIMEOUT);',
      'wait_event_timeout(wq, READ_ONCE(never), MAX_SCHEDULE_TIMEOUT);',
    ]) {
      const hung = await check(twoSleepers(wait, ''));
      expect(kinds(hung), wait).toEqual(['deadlock']);
    }
    const queue = await check(
      twoSleepers(
        'assert(wait_event_timeout(wq, READ_ONCE(never), MAX_SCHEDULE_TIMEOUT) == MAX_SCHEDULE_TIMEOUT);',
        'WRITE_ONCE(never, 1); wake_up(&wq);',
      ),
    );
    expect(queue.findings).toEqual([]);
  });

  it('a wait queue sleeper woken at its deadline with its condition false has timed out (schedule_timeout() left it 0)', async () => {
    // an independent review's programs: t0's timer and t1's have the same deadline; t0's fires first and wakes t1
    const wq = (after: string) => `
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int f0;
static long r1, j1;
void thread_t0(void) { wait_event_timeout(wq, READ_ONCE(f0) == 1, 10); wake_up(&wq);${after} }
void thread_t1(void) { r1 = wait_event_timeout(wq, READ_ONCE(f0) == 1, 10); j1 = jiffies; assert(j1 == 10); }`;
    // (t1 was woken, by t0, at its deadline: it returns 0 without its timer firing, so the stall is t0's; it slept
    // one jiffy more, to 11, and reported a stall of its own before)
    const once = await check(`${wq('')} void check(void) { assert(r1 == 0); }`);
    expect(once.findings.map((f) => f.title)).toEqual([expect.stringMatching(/^stall: t0 waited the full 10 ms/)]);
    // woken at its deadline, t1 may find the flag set (1 left) or not yet (a timeout, 0): both at jiffies 10
    const r1s = new Set<string>();
    for (const r1 of [0, 1]) {
      const r = await check(`${wq(' WRITE_ONCE(f0, 1); wake_up(&wq);')} void check(void) { assert(r1 != ${r1}); }`);
      for (const f of r.findings) if (f.kind !== 'stall') r1s.add(`${r1}: ${f.kind}`);
    }
    expect([...r1s].sort()).toEqual(['0: assert', '1: assert']);
  });

  it('--timeouts anytime: a timed completion waiter woken and then passed by another timer still counts from when it slept', async () => {
    // an independent review's schedule: t2 completes c0 (t0 asleep since 0 is woken), t1's timer fires at 50,
    // then t0 takes c0 with 100 - 50 left (it counted from 50 and returned 100 before)
    const c = await compile([
      {
        name: 'p.c',
        role: 'learner',
        text: `static DECLARE_COMPLETION(c0);
static DECLARE_COMPLETION(c1);
static long r0;
void thread_t0(void) { r0 = wait_for_completion_timeout(&c0, 100); }
void thread_t1(void) { wait_for_completion_timeout(&c1, 50); }
void thread_t2(void) { complete(&c0); }`,
      },
    ]);
    const spec = { ...programScenario(c.program!)!, timeouts: 'anytime' as const };
    const { machine } = replay(c.program!, spec, [[2, 1, 0]]);
    const r0 = [...machine.state.heap.values()].find((a) => a.kind === 'global' && a.name === 'r0')!;
    expect(r0.fields.get(0)).toBe(50);
    expect(machine.state.jiffies).toBe(50);
  });

  it('a timed completion wait woken after another timer fired returns the jiffies left of its timeout', async () => {
    const r = await check(
      twoSleepers(
        'assert(wait_for_completion_timeout(&c1, 100) == 60);',
        'assert(wait_for_completion_timeout(&c2, 40) == 0); complete(&c1);',
      ),
    );
    expect(kinds(r)).toEqual(['stall']);
    expect(r.findings.map((f) => f.title)).toEqual([expect.stringMatching(/^stall: b waited the full 40 ms/)]);
  });
});
