import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';

useParser();

/**
 * A spin-wait over a built-in's read (atomic_read, a failing atomic_cmpxchg,
 * refcount_read) waits on what it reads, as one over READ_ONCE does: found
 * by an independent review, such loops were reported as spinning on no
 * shared memory at all.
 */
describe('spin-waits over built-ins', () => {
  it('a loop over atomic_read ends when another task sets the counter', async () => {
    const r = await check(`
static atomic_t go;
void thread_a(void) { while (!atomic_read(&go)) cpu_relax(); }
void thread_b(void) { atomic_inc(&go); }`);
    expect(r.findings).toEqual([]);
    expect(r.coverage?.kind).toBe('exhaustive');
  });

  it('and is a livelock when nobody does', async () => {
    const r = await check(`
static atomic_t go;
void thread_a(void) { while (!atomic_read(&go)) cpu_relax(); }
void thread_b(void) { atomic_set(&go, 0); }`);
    expect(kinds(r)).toEqual(['livelock']);
    expect(r.findings[0]!.title).not.toContain('reads no shared memory');
  });

  it('a cmpxchg lock spins until its holder lets go', async () => {
    const r = await check(`
static atomic_t lock;
static int n;
static void take(void) { while (atomic_cmpxchg(&lock, 0, 1) != 0) cpu_relax(); }
static void give(void) { atomic_set(&lock, 0); }
void thread_a(void) { take(); n = n + 1; give(); }
void thread_b(void) { take(); n = n + 1; give(); }
void check(void) { assert(n == 2); }`);
    expect(r.coverage?.kind).toBe('exhaustive');
    // the relaxed atomic_set does not order n's accesses: KCSAN says so, and nothing else is wrong
    expect(kinds(r).filter((k) => k !== 'data-race')).toEqual([]);
  });

  it('a loop over refcount_read waits on the counter', async () => {
    const r = await check(`
static refcount_t users;
void setup(void) { refcount_set(&users, 2); }
void thread_a(void) { while (refcount_read(&users) != 1) cpu_relax(); }
void thread_b(void) { refcount_dec(&users); }`);
    expect(r.findings).toEqual([]);
  });
});
