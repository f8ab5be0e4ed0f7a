/**
 * Two gaps an independent review of the explorer found, each pinned down:
 * xa_alloc()'s write of the new id through its `id` argument is a
 * dependency (DPOR reaches the reader seeing 0 and seeing the id), and a
 * scheduled access to another task's stack block that is gone by the time
 * it runs is a use-after-return, not a crash of the VM.
 */
import { describe, expect, it } from 'vitest';
import { useParser } from '../helpers.js';
import { outcomes } from './outcomes.js';

useParser();

describe('review fixes', () => {
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
  });
});
