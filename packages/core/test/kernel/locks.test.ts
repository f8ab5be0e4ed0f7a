import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';

useParser();

describe('struct mutex', () => {
  it('serialises a read-modify-write: no lost update, no race', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
static int n;
void thread_a(void) { mutex_lock(&m); n = n + 1; mutex_unlock(&m); }
void thread_b(void) { mutex_lock(&m); n = n + 1; mutex_unlock(&m); }
void check(void) { assert(n == 2); }`);
    expect(r.findings).toEqual([]);
    expect(r.coverage?.kind).toBe('exhaustive');
  });

  it('without the mutex the update is lost and the accesses race', async () => {
    const r = await check(`
static int n;
void thread_a(void) { n = n + 1; }
void thread_b(void) { n = n + 1; }
void check(void) { assert(n == 2); }`);
    expect(kinds(r)).toEqual(['assert', 'data-race']);
  });

  it('mutex_trylock fails while another task holds the mutex', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
static int got;
void thread_a(void) { mutex_lock(&m); WRITE_ONCE(got, 1); mutex_unlock(&m); }
void thread_b(void) { if (mutex_trylock(&m)) { assert(!mutex_is_locked(&m) || 1); mutex_unlock(&m); } }`);
    expect(r.findings).toEqual([]);
  });

  it('mutex_init names the lockdep class after its argument', async () => {
    const r = await check(`
struct s { struct mutex lock; struct mutex other; };
static struct s *p;
void setup(void) { p = kzalloc(sizeof(*p), GFP_KERNEL); mutex_init(&p->lock); mutex_init(&p->other); }
void thread_a(void) { mutex_lock(&p->lock); mutex_lock(&p->other); mutex_unlock(&p->other); mutex_unlock(&p->lock); }
void thread_b(void) { mutex_lock(&p->other); mutex_lock(&p->lock); mutex_unlock(&p->lock); mutex_unlock(&p->other); }
void check(void) { kfree(p); }`);
    const lo = r.findings.find((f) => f.kind === 'lock-order')!;
    expect(lo.details.join('\n')).toContain('(&p->lock)');
    expect(lo.details.join('\n')).toContain('(&p->other)');
  });

  it('unlocking a mutex the task does not hold is a bad unlock balance', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
void thread_a(void) { mutex_unlock(&m); }`);
    expect(r.findings.map((f) => f.title)).toEqual(['WARNING: bad unlock balance detected!']);
  });

  it('taking a mutex twice is recursive locking (and the task hangs)', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
void thread_a(void) { mutex_lock(&m); mutex_lock(&m); }`);
    expect(r.findings.map((f) => f.title)).toEqual(['WARNING: possible recursive locking detected']);
    expect(r.findings[0]!.fatal).toBe(true);
  });

  it('guard(mutex) unlocks on every exit, including break, continue and goto out of the scope', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
static int n;
static int f(int k) {
	for (int i = 0; i < 2; i++) {
		guard(mutex)(&m);
		if (i == k) break;
		if (i == 0) continue;
		n++;
	}
	{
		guard(mutex)(&m);
		if (k == 2) goto out;
		n++;
	}
out:
	return 0;
}
void thread_a(void) { f(0); f(2); }
void thread_b(void) { f(2); }`);
    expect(r.findings).toEqual([]);
  });

  it('guard(mutex) at the top level of a switch is released by break; a case label past it is a diagnostic', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
static int n;
void thread_a(void)
{
	switch (1) {
	case 1:
		guard(mutex)(&m);
		n = 1;
		break;
	}
}
void thread_b(void) { mutex_lock(&m); n = 2; mutex_unlock(&m); }`);
    expect(r.findings).toEqual([]);
    const bad = await check(`
static DEFINE_MUTEX(m);
static int n;
void thread_a(void)
{
	switch (READ_ONCE(n)) {
	case 0:
		guard(mutex)(&m);
		n = 1;
		break;
	default:
		break;
	}
}`);
    expect(bad.diagnostics.map((d) => [d.line, d.message])).toEqual([
      [11, "'case' label jumps into the scope of a guard(); the lock would be released without being taken"],
    ]);
  });

  it('scoped_guard releases at the end of its block', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
static int n;
void thread_a(void) { scoped_guard(mutex, &m) { n++; } }
void thread_b(void) { scoped_guard(mutex, &m) n++; }`);
    expect(r.findings).toEqual([]);
  });
});

describe('spinlock_t', () => {
  it('protects a counter', async () => {
    const r = await check(`
static DEFINE_SPINLOCK(l);
static int n;
void thread_a(void) { spin_lock(&l); n++; spin_unlock(&l); }
void thread_b(void) { unsigned long flags; spin_lock_irqsave(&l, flags); n++; spin_unlock_irqrestore(&l, flags); }
void check(void) { assert(n == 2); }`);
    expect(r.findings).toEqual([]);
  });

  it('sleeping under a spinlock is a BUG', async () => {
    const r = await check(`
static DEFINE_SPINLOCK(l);
static DEFINE_MUTEX(m);
void thread_a(void) { spin_lock(&l); mutex_lock(&m); mutex_unlock(&m); spin_unlock(&l); }`);
    expect(r.findings.map((f) => f.title)[0]).toMatch(
      /^BUG: sleeping function called from invalid context at test\.c:4/,
    );
  });

  it('kmalloc(GFP_ATOMIC) under a spinlock is fine, GFP_KERNEL is not', async () => {
    const ok = await check(`
static DEFINE_SPINLOCK(l);
void thread_a(void) { void *p; spin_lock(&l); p = kmalloc(8, GFP_ATOMIC); spin_unlock(&l); kfree(p); }`);
    expect(ok.findings).toEqual([]);
    const bad = await check(`
static DEFINE_SPINLOCK(l);
void thread_a(void) { void *p; spin_lock(&l); p = kmalloc(8, GFP_KERNEL); spin_unlock(&l); kfree(p); }`);
    expect(kinds(bad)).toEqual(['lock-misuse']);
  });
});

describe('lockdep assertions', () => {
  it('lockdep_assert_held passes when held and warns when not', async () => {
    const prog = (take: boolean) => `
static DEFINE_MUTEX(m);
static void needs_lock(void) { lockdep_assert_held(&m); }
void thread_a(void) { ${take ? 'mutex_lock(&m);' : ''} needs_lock(); ${take ? 'mutex_unlock(&m);' : ''} }`;
    expect((await check(prog(true))).findings).toEqual([]);
    const bad = await check(prog(false));
    expect(bad.findings.map((f) => f.kind)).toEqual(['lock-misuse']);
    expect(bad.findings[0]!.title).toContain('lockdep_assert_held(&m)');
  });

  it('lockdep_assert_held(&xa->xa_lock) checks the xarray lock', async () => {
    const r = await check(`
static struct xarray xa;
static void needs(struct xarray *x) { lockdep_assert_held(&x->xa_lock); }
void setup(void) { xa_init(&xa); }
void thread_a(void) { xa_lock(&xa); needs(&xa); xa_unlock(&xa); }`);
    expect(r.findings).toEqual([]);
  });

  it('returning to user space with a lock held is reported', async () => {
    const r = await check(`
static DEFINE_MUTEX(m);
void thread_a(void) { mutex_lock(&m); }`);
    expect(r.findings.map((f) => f.title)).toEqual(['WARNING: lock held when returning to user space!']);
  });
});

describe('rwlock_t', () => {
  it('readers overlap: plain accesses in two read-side sections race', async () => {
    const r = await check(`
static DEFINE_RWLOCK(rw);
static int n;
void thread_a(void) { int l; read_lock(&rw); l = n; read_unlock(&rw); }
void thread_b(void) { read_lock(&rw); n = 1; read_unlock(&rw); }`);
    expect(kinds(r)).toEqual(['data-race']);
  });

  it('a writer excludes readers and writers: no race, no lost update, both orders seen', async () => {
    const r = await check(`
static DEFINE_RWLOCK(rw);
static int n, seen;
void thread_a(void) { write_lock(&rw); n = n + 1; write_unlock(&rw); }
void thread_b(void) { write_lock(&rw); n = n + 1; write_unlock(&rw); }
void thread_c(void) { read_lock(&rw); WRITE_ONCE(seen, n); read_unlock(&rw); }
void check(void) { assert(n == 2); WARN_ON(seen == 1); }`);
    // the reader sees 0, 1 or 2: the WARN fires in the executions where it ran between the writers
    expect(kinds(r)).toEqual(['warn']);
    expect(r.coverage?.kind).toBe('exhaustive');
  });

  it('two readers do not order each other: one trace, not two', async () => {
    const r = await check(`
static DEFINE_RWLOCK(rw);
static int n;
void thread_a(void) { int l; read_lock(&rw); l = READ_ONCE(n); read_unlock(&rw); }
void thread_b(void) { int l; read_lock(&rw); l = READ_ONCE(n); read_unlock(&rw); }`);
    expect(r.findings).toEqual([]);
    expect(r.stats.traces).toBe(1);
  });

  it('recursive reading is reported (lockdep in process context) and goes on; write_lock by a reader is fatal', async () => {
    const again = await check(`
static DEFINE_RWLOCK(rw);
void thread_a(void) { read_lock(&rw); read_lock(&rw); read_unlock(&rw); read_unlock(&rw); }
void thread_b(void) { write_lock(&rw); write_unlock(&rw); }`);
    expect(again.findings.map((f) => f.title)).toEqual(['WARNING: possible recursive locking detected']);
    expect(again.findings[0]!.fatal).toBe(false);
    const bad = await check(`
static DEFINE_RWLOCK(rw);
void thread_a(void) { read_lock(&rw); write_lock(&rw); }`);
    expect(bad.findings.map((f) => f.title)).toEqual(['WARNING: possible recursive locking detected']);
  });

  it('unlocking what the task does not hold is a bad unlock balance', async () => {
    const r = await check(`
static DEFINE_RWLOCK(rw);
void thread_a(void) { write_lock(&rw); read_unlock(&rw); write_unlock(&rw); }`);
    expect(r.findings.map((f) => f.title)).toEqual(['WARNING: bad unlock balance detected!']);
  });

  it('a reader against a writer taking a mutex in the other order is an ABBA lock order', async () => {
    const r = await check(`
static DEFINE_RWLOCK(rw);
static DEFINE_SPINLOCK(s);
void thread_a(void) { read_lock(&rw); spin_lock(&s); spin_unlock(&s); read_unlock(&rw); }
void thread_b(void) { spin_lock(&s); write_lock(&rw); write_unlock(&rw); spin_unlock(&s); }`);
    expect(kinds(r)).toContain('lock-order');
    expect(kinds(r)).toContain('deadlock');
  });
});
