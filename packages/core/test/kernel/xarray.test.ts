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
