import { describe, expect, it } from 'vitest';
import { check, useParser } from '../helpers.js';

useParser();

const run = (flags: string, body: string) =>
  check(`
struct e { int v; };
static struct xarray xa;
static struct e e1, e2;
void setup(void) { xa_init_flags(&xa, ${flags}); }
void thread_t(void) {
	u32 id = 0;
	unsigned long index;
	struct e *ent;
	int n = 0;
${body}
}
void check(void) { xa_destroy(&xa); }
`);

describe('xarray', () => {
  it("spin_lock on the xarray's xa_lock member keeps the xarray's entries (a lock's update keeps the state it finds)", async () => {
    // struct xarray's xa_lock lies at its offset 0, so the spinlock's calls find the xarray's state there: an
    // update of the lock's owner that rebuilt the state as a spinlock's lost the entries (the xa_store then met
    // none: an internal TypeError, not a finding)
    const src = `
struct obj { int v; };
static struct xarray xa;
void setup(void) { xa_init(&xa); }
void thread_a(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	spin_lock(&xa.xa_lock);
	__xa_store(&xa, 1, o, GFP_ATOMIC);
	spin_unlock(&xa.xa_lock);
}
void thread_b(void) { assert(xa_load(&xa, 2) == NULL); }
void check(void) { struct obj *o = xa_erase(&xa, 1); assert(o != NULL); kfree(o); }
`;
    for (const opts of [{}, { strategy: 'dpor' as const, stateCache: true }]) {
      const r = await check(src, opts);
      // the stored object is still there for the check to erase and free: no assertion, no leak
      expect(r.findings.map((f) => f.kind)).not.toContain('assert');
      expect(r.findings.map((f) => f.kind)).not.toContain('leak');
      expect(r.coverage.kind).toBe('exhaustive');
    }
  });

  // include/linux/xarray.h: #define xa_lock(xa) spin_lock(&(xa)->xa_lock). The two spellings take one lock.
  const spellings = `
static struct xarray xa;
static int n;
void setup(void) { xa_init(&xa); }
void check(void) { assert(n == 2); xa_destroy(&xa); }
`;

  it('spin_lock(&xa->xa_lock) is the xa_lock: the __xa_*() calls under it are made with it held', async () => {
    const r = await check(`
struct obj { int v; };
static struct xarray xa;
static struct obj o1, o2;
void setup(void) { xa_init(&xa); }
void thread_a(void)
{
	spinlock_t *l = &xa.xa_lock;

	spin_lock(&xa.xa_lock);
	__xa_store(&xa, 1, &o1, GFP_ATOMIC);
	spin_unlock(&xa.xa_lock);
	spin_lock_irq(l);
	__xa_erase(&xa, 1);
	spin_unlock_irq(l);
}
void thread_b(void)
{
	guard(spinlock)(&xa.xa_lock);
	lockdep_assert_held(&xa.xa_lock);
	__xa_store(&xa, 2, &o2, GFP_ATOMIC);
}
void check(void) { assert(xa_load(&xa, 1) == NULL); assert(xa_load(&xa, 2) == &o2); xa_destroy(&xa); }
`);
    expect(r.findings).toEqual([]);
    expect(r.coverage.kind).toBe('exhaustive');
  });

  it('xa_lock(xa) and spin_lock(&xa->xa_lock) exclude each other', async () => {
    for (const opts of [{}, { strategy: 'dpor' as const, stateCache: true }]) {
      const r = await check(
        `${spellings}
void thread_a(void) { xa_lock(&xa); n = n + 1; xa_unlock(&xa); }
void thread_b(void) { spin_lock(&xa.xa_lock); n = n + 1; spin_unlock(&xa.xa_lock); }
void thread_c(void) { assert(xa_store(&xa, 1, &n, GFP_KERNEL) == NULL); xa_erase(&xa, 1); }
`,
        opts,
      );
      expect(r.findings).toEqual([]);
      expect(r.coverage.kind).toBe('exhaustive');
    }
  });

  it('a lock taken as xa_lock(xa) may be released as spin_unlock(&xa->xa_lock), and the other way round', async () => {
    const r = await check(`${spellings}
void thread_a(void) { xa_lock(&xa); n = n + 1; spin_unlock(&xa.xa_lock); }
void thread_b(void) { if (spin_trylock(&xa.xa_lock)) { n = n + 1; xa_unlock(&xa); } else { xa_lock_irq(&xa); n = n + 1; xa_unlock_irq(&xa); } }
`);
    expect(r.findings).toEqual([]);
  });

  it('spin_trylock(&xa->xa_lock) fails while another task holds the xa_lock', async () => {
    const r = await check(`${spellings}
void thread_a(void) { xa_lock(&xa); n = n + 1; xa_unlock(&xa); }
void thread_b(void) { if (spin_trylock(&xa.xa_lock)) { n = n + 1; spin_unlock(&xa.xa_lock); } }
`);
    // the trylock fails in the schedules where thread_a holds the lock: the check then finds n == 1
    expect(r.findings.map((f) => f.kind)).toEqual(['assert']);
  });

  it('taking the xa_lock again through the other spelling is recursive locking', async () => {
    for (const [first, second] of [
      ['xa_lock(&xa)', 'spin_lock(&xa.xa_lock)'],
      ['spin_lock(&xa.xa_lock)', 'xa_lock(&xa)'],
      ['spin_lock(&xa.xa_lock)', 'xa_store(&xa, 1, &n, GFP_KERNEL)'],
    ]) {
      const r = await check(`${spellings}
void thread_a(void) { ${first}; ${second}; }
`);
      const f = r.findings.find((x) => x.title === 'WARNING: possible recursive locking detected');
      // the same lock taken again (not another lock of its class: "May be due to missing lock nesting notation")
      expect(f?.details.join('\n')).toContain('takes a lock it already holds and waits for itself forever');
    }
  });

  it('an ABBA deadlock with a mutex is found whichever spelling each side takes the xa_lock with', async () => {
    for (const [a, b] of [
      ['spin_lock(&xa.xa_lock); spin_unlock(&xa.xa_lock)', 'spin_lock(&xa.xa_lock)'],
      ['xa_lock(&xa); xa_unlock(&xa)', 'spin_lock(&xa.xa_lock)'],
      ['xa_store(&xa, 1, &n, GFP_KERNEL)', 'spin_lock(&xa.xa_lock)'],
      ['spin_lock(&xa.xa_lock); spin_unlock(&xa.xa_lock)', 'xa_lock(&xa)'],
    ])
      for (const opts of [{}, { strategy: 'dpor' as const, stateCache: true }]) {
        const r = await check(
          `
static struct xarray xa;
static DEFINE_MUTEX(m);
static int n;
void setup(void) { xa_init(&xa); }
void thread_a(void) { mutex_lock(&m); ${a}; mutex_unlock(&m); }
void thread_b(void) { ${b}; mutex_lock(&m); mutex_unlock(&m); spin_unlock(&xa.xa_lock); }
`,
          opts,
        );
        // the hung tasks wait for each other through the xa_lock's owner, whichever call took it
        expect(r.findings.map((f) => f.title)).toContain(
          'INFO: task a blocked for more than 120 seconds (deadlock: a -> b -> a)',
        );
        expect(r.findings.map((f) => f.kind)).toContain('lock-order');
      }
  });

  it('an xarray no call has touched yet: spin_lock(&xa->xa_lock) is its xa_lock too (its declared type says so)', async () => {
    for (const body of [
      // a static xarray, never initialised (zeroed memory is an empty xarray with its lock free)
      `static struct xarray xa;
static int v, n;
void thread_a(void) { xa_store(&xa, 1, &v, GFP_KERNEL); }
void thread_b(void) { spin_lock(&xa.xa_lock); n++; spin_unlock(&xa.xa_lock); }
void check(void) { xa_destroy(&xa); }`,
      `static struct xarray xa;
static int n;
void thread_a(void) { xa_lock(&xa); n++; xa_unlock(&xa); }
void thread_b(void) { spin_lock(&xa.xa_lock); n++; spin_unlock(&xa.xa_lock); }
void check(void) { assert(n == 2); }`,
      `static struct xarray xa;
static int v;
void setup(void) { spin_lock_init(&xa.xa_lock); }
void thread_a(void) { spin_lock(&xa.xa_lock); __xa_store(&xa, 1, &v, GFP_ATOMIC); spin_unlock(&xa.xa_lock); }
void thread_b(void) { xa_store(&xa, 2, &v, GFP_KERNEL); }
void check(void) { assert(xa_load(&xa, 1) == &v); assert(xa_load(&xa, 2) == &v); xa_destroy(&xa); }`,
      // a member of a kzalloc'd structure, not at its start
      `struct ctx { int n; struct xarray xa; };
static struct ctx *c;
static int v;
void setup(void) { c = kzalloc(sizeof(*c), GFP_KERNEL); }
void thread_a(void) { spin_lock(&c->xa.xa_lock); __xa_store(&c->xa, 1, &v, GFP_ATOMIC); c->n++; spin_unlock(&c->xa.xa_lock); }
void thread_b(void) { xa_lock(&c->xa); c->n++; xa_unlock(&c->xa); }
void check(void) { assert(c->n == 2); xa_destroy(&c->xa); kfree(c); }`,
      // an element of a kcalloc'd array of them, and a trylock as the first call
      `struct ctx { int n; struct xarray xa; };
static struct ctx *arr;
static int v;
void setup(void) { arr = kcalloc(3, sizeof(struct ctx), GFP_KERNEL); }
void thread_a(void) { if (spin_trylock(&arr[2].xa.xa_lock)) { __xa_store(&arr[2].xa, 1, &v, GFP_ATOMIC); arr[2].n++; spin_unlock(&arr[2].xa.xa_lock); } }
void thread_b(void) { xa_lock(&arr[2].xa); __xa_store(&arr[2].xa, 2, &v, GFP_ATOMIC); arr[2].n++; spin_unlock(&arr[2].xa.xa_lock); }
void check(void) { assert(xa_load(&arr[2].xa, 2) == &v); xa_destroy(&arr[2].xa); kfree(arr); }`,
      // a local of a function: its block's locals say what lies where
      `static int v;
void thread_a(void)
{
	struct xarray xa;

	spin_lock(&xa.xa_lock);
	__xa_store(&xa, 1, &v, GFP_ATOMIC);
	spin_unlock(&xa.xa_lock);
	assert(xa_load(&xa, 1) == &v);
	xa_destroy(&xa);
}`,
    ])
      for (const opts of [{}, { strategy: 'dpor' as const, stateCache: true }]) {
        const r = await check(body, opts);
        expect(r.findings).toEqual([]);
        expect(r.coverage.kind).toBe('exhaustive');
      }
  });

  it('spin_unlock(&xa->xa_lock) races with a failed trylock: DPOR tries the trylock inside the section too', async () => {
    // the trylock succeeds before or after thread_a's section, and fails inside it: between its lock and unlock,
    // which a first execution running thread_a to the end orders after the trylock only by the unlock's race
    for (const opts of [{ strategy: 'dpor' as const }, { strategy: 'dpor' as const, stateCache: true }]) {
      const r = await check(
        `
static struct xarray xa;
static int failed;
void setup(void) { xa_init(&xa); }
void thread_a(void) { spin_lock(&xa.xa_lock); spin_unlock(&xa.xa_lock); }
void thread_b(void) { if (spin_trylock(&xa.xa_lock)) xa_unlock(&xa); else failed = 1; }
void check(void) { assert(!failed); }
`,
        opts,
      );
      expect(r.findings.map((f) => f.kind)).toEqual(['assert']);
    }
  });

  it('xa_trylock(xa) is spin_trylock(&xa->xa_lock): it fails while another task holds the lock, else takes it', async () => {
    const r = await check(`${spellings}
void thread_a(void) { spin_lock(&xa.xa_lock); n = n + 1; xa_unlock(&xa); }
void thread_b(void) { if (xa_trylock(&xa)) { n = n + 1; spin_unlock(&xa.xa_lock); } }
`);
    // n == 1 where the trylock met thread_a's section; no race, no lock misuse
    expect(r.findings.map((f) => f.kind)).toEqual(['assert']);
    const ok = await check(`${spellings}
void thread_a(void) { assert(xa_trylock(&xa)); n = 2; xa_unlock(&xa); }
`);
    expect(ok.findings).toEqual([]);
  });

  it('spin_trylock(&xa->xa_lock) takes a free xa_lock', async () => {
    const r = await check(`
static struct xarray xa;
static int v;
void setup(void) { xa_init(&xa); }
void thread_a(void) { assert(spin_trylock(&xa.xa_lock)); __xa_store(&xa, 1, &v, GFP_ATOMIC); xa_unlock(&xa); }
void check(void) { assert(xa_load(&xa, 1) == &v); xa_destroy(&xa); }
`);
    expect(r.findings).toEqual([]);
  });

  it('spin_lock_init(&xa->xa_lock) gives the lock a class of its own and frees it', async () => {
    // two xarrays initialised at one site share a class, so nesting them is reported until one gets its own
    const nest = (init: string) => `
static struct xarray xa1, xa2;
static void init(struct xarray *x) { xa_init(x); }
void setup(void) { init(&xa1); init(&xa2);${init} }
void thread_a(void) { xa_lock(&xa1); xa_lock(&xa2); xa_unlock(&xa2); xa_unlock(&xa1); }
`;
    expect((await check(nest(''))).findings.map((f) => f.title)).toContain(
      'WARNING: possible recursive locking detected',
    );
    expect((await check(nest(' spin_lock_init(&xa2.xa_lock);'))).findings).toEqual([]);
    // re-initialised while held: the lock is free again (setup still returns holding what it took)
    const r = await check(`
static struct xarray xa;
void setup(void) { xa_init(&xa); xa_lock(&xa); spin_lock_init(&xa.xa_lock); }
void thread_a(void) { xa_lock(&xa); xa_unlock(&xa); }
`);
    expect(r.findings.map((f) => f.title)).toEqual(['WARNING: lock held when returning to user space!']);
  });

  it('spin_lock_init(&xa->xa_lock) keeps the xarray', async () => {
    const r = await run(
      '0',
      `
	assert(xa_store(&xa, 1, &e1, GFP_KERNEL) == NULL);
	spin_lock_init(&xa.xa_lock);
	spin_lock(&xa.xa_lock);
	assert(__xa_store(&xa, 2, &e2, GFP_ATOMIC) == NULL);
	spin_unlock(&xa.xa_lock);
	assert(xa_load(&xa, 1) == &e1);
	assert(xa_load(&xa, 2) == &e2);`,
    );
    expect(r.findings).toEqual([]);
  });

  it('xa_alloc hands out the lowest free id, from 1 with XA_FLAGS_ALLOC1', async () => {
    const r = await run(
      'XA_FLAGS_ALLOC1',
      `
	assert(xa_alloc(&xa, &id, &e1, xa_limit_31b, GFP_KERNEL) == 0);
	assert(id == 1);
	assert(xa_alloc(&xa, &id, &e2, xa_limit_31b, GFP_KERNEL) == 0);
	assert(id == 2);
	assert(xa_load(&xa, 1) == &e1);
	xa_erase(&xa, 1);
	assert(xa_alloc(&xa, &id, &e1, xa_limit_31b, GFP_KERNEL) == 0);
	assert(id == 1);`,
    );
    expect(r.findings).toEqual([]);
  });

  it('xa_alloc from 0 with XA_FLAGS_ALLOC', async () => {
    const r = await run(
      'XA_FLAGS_ALLOC',
      `assert(xa_alloc(&xa, &id, &e1, xa_limit_31b, GFP_KERNEL) == 0); assert(id == 0);`,
    );
    expect(r.findings).toEqual([]);
  });

  it('a reserved slot (XA_ZERO_ENTRY) reads as NULL through xa_load but not through xas_load', async () => {
    const r = await run(
      'XA_FLAGS_ALLOC1',
      `
	XA_STATE(xas, &xa, 1);
	void *old;
	assert(xa_alloc(&xa, &id, XA_ZERO_ENTRY, xa_limit_31b, GFP_KERNEL) == 0);
	assert(xa_load(&xa, id) == NULL);
	xa_lock(&xa);
	old = xas_load(&xas);
	xa_unlock(&xa);
	assert(xa_is_zero(old));
	assert(!xa_empty(&xa));`,
    );
    expect(r.findings).toEqual([]);
  });

  it('a tombstone keeps its id: xa_alloc skips it and xa_for_each skips it', async () => {
    const r = await run(
      'XA_FLAGS_ALLOC1',
      `
	XA_STATE(xas, &xa, 1);
	assert(xa_alloc(&xa, &id, &e1, xa_limit_31b, GFP_KERNEL) == 0);
	xa_lock(&xa);
	xas_store(&xas, XA_ZERO_ENTRY);
	xa_unlock(&xa);
	assert(xa_alloc(&xa, &id, &e2, xa_limit_31b, GFP_KERNEL) == 0);
	assert(id == 2);
	xa_for_each(&xa, index, ent) {
		assert(index == 2);
		assert(ent == &e2);
		n++;
	}
	assert(n == 1);
	assert(!xa_empty(&xa));`,
    );
    expect(r.findings).toEqual([]);
  });

  it('xa_store(NULL) reserves in an allocating xarray and erases in a plain one', async () => {
    const alloc = await run(
      'XA_FLAGS_ALLOC1',
      `
	assert(xa_alloc(&xa, &id, &e1, xa_limit_31b, GFP_KERNEL) == 0);
	assert(xa_store(&xa, id, NULL, GFP_KERNEL) == &e1);
	assert(!xa_empty(&xa));
	assert(xa_alloc(&xa, &id, &e2, xa_limit_31b, GFP_KERNEL) == 0);
	assert(id == 2);`,
    );
    expect(alloc.findings).toEqual([]);
    const plain = await run(
      '0',
      `
	xa_store(&xa, 5, &e1, GFP_KERNEL);
	assert(xa_load(&xa, 5) == &e1);
	xa_store(&xa, 5, NULL, GFP_KERNEL);
	assert(xa_empty(&xa));`,
    );
    expect(plain.findings).toEqual([]);
  });

  it('xa_cmpxchg compares with the raw entry and returns zero entries as NULL', async () => {
    const r = await run(
      '0',
      `
	assert(xa_cmpxchg(&xa, 3, NULL, &e1, GFP_KERNEL) == NULL);
	assert(xa_load(&xa, 3) == &e1);
	assert(xa_cmpxchg(&xa, 3, NULL, &e2, GFP_KERNEL) == &e1);
	assert(xa_load(&xa, 3) == &e1);
	assert(xa_cmpxchg(&xa, 3, &e1, NULL, GFP_KERNEL) == &e1);
	assert(xa_empty(&xa));
	xa_insert(&xa, 4, NULL, GFP_KERNEL);
	assert(xa_cmpxchg(&xa, 4, NULL, &e2, GFP_KERNEL) == NULL);
	assert(xa_load(&xa, 4) == NULL);`,
    );
    expect(r.findings).toEqual([]);
  });

  it('xa_insert refuses an occupied or reserved index', async () => {
    const r = await run(
      '0',
      `
	assert(xa_insert(&xa, 1, &e1, GFP_KERNEL) == 0);
	assert(xa_insert(&xa, 1, &e2, GFP_KERNEL) == -EBUSY);
	assert(xa_insert(&xa, 2, NULL, GFP_KERNEL) == 0);
	assert(xa_insert(&xa, 2, &e2, GFP_KERNEL) == -EBUSY);`,
    );
    expect(r.findings).toEqual([]);
  });

  it('xa_destroy frees tombstones too', async () => {
    const r = await run(
      'XA_FLAGS_ALLOC1',
      `
	assert(xa_alloc(&xa, &id, XA_ZERO_ENTRY, xa_limit_31b, GFP_KERNEL) == 0);
	assert(!xa_empty(&xa));
	xa_destroy(&xa);
	assert(xa_empty(&xa));`,
    );
    expect(r.findings).toEqual([]);
  });

  it('xas_store without the xa_lock is lock misuse', async () => {
    const r = await run(
      '0',
      `
	XA_STATE(xas, &xa, 1);
	xas_store(&xas, &e1);`,
    );
    expect(r.findings.map((f) => f.kind)).toEqual(['lock-misuse']);
  });

  it('xa_alloc while holding the xa_lock deadlocks on itself', async () => {
    const r = await run(
      'XA_FLAGS_ALLOC1',
      `
	xa_lock(&xa);
	xa_alloc(&xa, &id, &e1, xa_limit_31b, GFP_KERNEL);
	xa_unlock(&xa);`,
    );
    expect(r.findings.map((f) => f.title)).toContain('WARNING: possible recursive locking detected');
  });
});
