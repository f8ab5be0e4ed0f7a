/**
 * Gaps independent reviews of the explorer found, each pinned down:
 * xa_alloc()'s write of the new id through its `id` argument is a
 * dependency (DPOR reaches the reader seeing 0 and seeing the id); a
 * scheduled access to another task's stack block that is gone by the time
 * it runs is a use-after-return, not a crash of the VM; a write lock races
 * with every read acquisition since the last write lock, not only the last
 * (a reader may still hold the lock when another takes it); additions of
 * any int commute exactly; a timed wait that timed out at quiescence races
 * with the wait that took the completion (either waiter may get it); the
 * end of a spin-wait races with the writes to what it waited on (a later
 * write can disable it again).
 */
import { describe, expect, it } from 'vitest';
import { useParser } from '../helpers.js';
import { type Outcome, outcomes } from './outcomes.js';

useParser();

/** Optimal and source-DPOR, stateless and stateful, reach `dfs`'s final states and finding keys on `src`. */
async function expectEveryDporModeAsDfs(src: string, dfs: Outcome): Promise<void> {
  for (const [strategy, cache] of [
    ['dpor', false],
    ['source-dpor', false],
    ['dpor', true],
    ['source-dpor', true],
  ] as const) {
    const o = await outcomes(src, strategy, 10_000, cache);
    expect([...o.finals].sort()).toEqual([...dfs.finals].sort());
    expect([...o.keys].sort()).toEqual([...dfs.keys].sort());
  }
}

describe('review fixes', () => {
  it('two timed waiters on one complete(): each gets it in some execution, for every DPOR mode', async () => {
    const three = `static DECLARE_COMPLETION(c);
static int res1, res2;
void thread_t0(void) { complete(&c); }
void thread_t1(void) { res1 = wait_for_completion_timeout(&c, 20) > 0; }
void thread_t2(void) { res2 = wait_for_completion_timeout(&c, 20) > 0; }
`;
    // the completer waits too: its own wait and the other's race for the one completion
    const two = `static DECLARE_COMPLETION(c);
static int res1, res2;
void thread_t0(void) { complete(&c); res1 = wait_for_completion_timeout(&c, 20) > 0; }
void thread_t1(void) { res2 = wait_for_completion_timeout(&c, 20) > 0; }
`;
    for (const src of [three, two]) {
      const dfs = await outcomes(src, 'dfs');
      expect(dfs.finals.size).toBe(2);
      expect(dfs.keys.size).toBe(2);
      await expectEveryDporModeAsDfs(src, dfs);
    }
  });

  it("a spin-wait's end races with a write that brings the awaited value back, for every DPOR mode", async () => {
    // found by the spin-wait property test (stateful-dpor.test.ts): the waiter can resume between the two writes,
    // and its re-read then races with the first; DPOR ran the second first and left the waiter disabled
    const src = `static int x0, x1, res0, res1, res2;
void thread_t0(void) { x1 = 1; x1 = 0; res0 = 1; }
void thread_t1(void)
{
	while (READ_ONCE(x1) != 1)
		cpu_relax();
	res1 = 1;
}
void thread_t2(void) { x0 = 0; res2 = 1; }
`;
    const dfs = await outcomes(src, 'dfs');
    // both writes race with the loop's read and with the re-read at the end of the wait, and the waiter may spin forever
    expect(dfs.keys.size).toBe(5);
    expect([...dfs.keys].filter((k) => k.startsWith('data-race:')).length).toBe(4);
    await expectEveryDporModeAsDfs(src, dfs);
  });

  it("a spin-wait's end reversed before the write that enabled it hides no other reversal (optimal DPOR)", async () => {
    // an independent review's counterexamples to the rule above without its wakeup-tree guard: the disabled branch
    // was taken to cover a reversal of t2's read (p1: a final state lost) or of the other waiter (p2: a race lost)
    const p1 = `static int x, res0, res2;
void thread_t0(void)
{
\twhile (READ_ONCE(x) != 1)
\t\tcpu_relax();
\tres0 = 1;
}
void thread_t1(void) { WRITE_ONCE(x, 1); }
void thread_t2(void)
{
\tif (READ_ONCE(x) == 0)
\t\tx = 2;
}
`;
    const p2 = `static int x;
void thread_t0(void)
{
\twhile (READ_ONCE(x) != 1)
\t\tcpu_relax();
}
void thread_t1(void) { x = 1; }
void thread_t2(void)
{
\twhile (READ_ONCE(x) != 2)
\t\tcpu_relax();
}
`;
    for (const src of [p1, p2]) {
      const dfs = await outcomes(src, 'dfs');
      await expectEveryDporModeAsDfs(src, dfs);
    }
  });

  it("xa_alloc's store of the id conflicts with a plain read of it", async () => {
    const src = `static u32 gid;
static struct xarray xa;
static int res1;
void setup(void) { xa_init_flags(&xa, XA_FLAGS_ALLOC1); }
void thread_t0(void) { xa_alloc(&xa, &gid, XA_ZERO_ENTRY, xa_limit_31b, GFP_KERNEL); }
void thread_t1(void) { int l = gid; res1 = l; }
`;
    const dfs = await outcomes(src, 'dfs');
    const dpor = await outcomes(src, 'dpor');
    expect(dfs.finals.size).toBe(2);
    expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
  });

  it("a write through a pointer to a returned task's stack is reported, not a crash", async () => {
    const src = `static int *sp;
void thread_t0(void)
{
	int loc = 0;
	WRITE_ONCE(sp, &loc);
	WRITE_ONCE(sp, NULL);
}
void thread_t1(void)
{
	int *p = READ_ONCE(sp);
	if (p)
		*p = 5;
}
`;
    const dfs = await outcomes(src, 'dfs');
    expect(dfs.complete).toBe(true);
    expect([...dfs.kinds]).toContain('use-after-free');
    const dpor = await outcomes(src, 'dpor');
    expect(dpor.complete).toBe(true);
    // the return of thread_t0 (its stack block goes) is a step of its own, ordered against the write both ways
    expect([...dpor.keys]).toEqual([...dfs.keys]);
  });

  it('a writer races with an earlier reader that still holds the lock at a later reader', async () => {
    // thread_a reads under the lock until thread_b, inside its own read section, lets it go on: the writer
    // can only come before both or after both, and before both thread_a's WARN fires
    const src = `static DEFINE_RWLOCK(rw);
static int f1, f2, z;
void thread_t0(void) { read_lock(&rw); WRITE_ONCE(f1, 1); while (!READ_ONCE(f2)) cpu_relax(); WARN_ON(READ_ONCE(z)); read_unlock(&rw); }
void thread_t1(void) { while (!READ_ONCE(f1)) cpu_relax(); read_lock(&rw); WRITE_ONCE(f2, 1); read_unlock(&rw); }
void thread_t2(void) { write_lock(&rw); WRITE_ONCE(z, 1); write_unlock(&rw); }
`;
    const dfs = await outcomes(src, 'dfs', 20_000);
    expect(dfs.complete).toBe(true);
    expect([...dfs.kinds]).toEqual(['warn']);
    for (const stateCache of [false, true]) {
      const dpor = await outcomes(src, 'dpor', 200_000, stateCache);
      expect(dpor.complete).toBe(true);
      expect([...dpor.keys].sort()).toEqual([...dfs.keys].sort());
      expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
    }
    const sync = await outcomes(src, 'dpor', 200_000, false, true);
    expect([...sync.keys].sort()).toEqual([...dfs.keys].sort());
  });

  it('a recursive reader is reported as lockdep does, and a writer still comes before or after it', async () => {
    const src = `static DEFINE_RWLOCK(rw);
static int flag;
void thread_t0(void) { read_lock(&rw); read_lock(&rw); WARN_ON(READ_ONCE(flag)); read_unlock(&rw); read_unlock(&rw); }
void thread_t1(void) { write_lock(&rw); WRITE_ONCE(flag, 1); write_unlock(&rw); }
`;
    const dfs = await outcomes(src, 'dfs');
    expect([...dfs.kinds].sort()).toEqual(['lock-misuse', 'warn']);
    const dpor = await outcomes(src, 'dpor');
    expect([...dpor.keys].sort()).toEqual([...dfs.keys].sort());
  });

  it('an addition of a value past 32 bits adds it as the int it is passed as', async () => {
    const src = `static atomic_t x;
void thread_t0(void) { atomic_add(1152921504606846976LL, &x); }
void thread_t1(void) { atomic_inc(&x); }
void check(void) { WARN_ON(atomic_read(&x) != 1); }
`;
    const dfs = await outcomes(src, 'dfs');
    expect(dfs.kinds.size).toBe(0);
    const dpor = await outcomes(src, 'dpor');
    expect(dpor.kinds.size).toBe(0);
    expect(dpor.executions).toBe(1);
  });
});
