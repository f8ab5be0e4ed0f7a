import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';

useParser();

/** Run one thread's body (single-threaded: no interleavings) and return the report. */
const single = (body: string, globals = '') =>
  check(
    `${globals}\nstruct o { refcount_t r; };\nstatic struct o *p;\nvoid setup(void) { p = kzalloc(sizeof(*p), GFP_KERNEL); }\nvoid thread_t(void) {\n${body}\n}\nvoid check(void) { kfree(p); }\n`,
  );

describe('refcount_t (lib/refcount.c semantics)', () => {
  it('counts up and down and tests for zero', async () => {
    const r = await single(`
	refcount_set(&p->r, 1);
	refcount_inc(&p->r);
	assert(refcount_read(&p->r) == 2);
	assert(!refcount_dec_and_test(&p->r));
	assert(refcount_dec_and_test(&p->r));
	assert(refcount_read(&p->r) == 0);`);
    expect(r.findings).toEqual([]);
  });

  it('refcount_inc_not_zero fails on 0 and succeeds otherwise', async () => {
    const r = await single(`
	assert(!refcount_inc_not_zero(&p->r));
	assert(refcount_read(&p->r) == 0);
	refcount_set(&p->r, 3);
	assert(refcount_inc_not_zero(&p->r));
	assert(refcount_read(&p->r) == 4);`);
    expect(r.findings).toEqual([]);
  });

  it('refcount_dec_if_one only takes 1 to 0', async () => {
    const r = await single(`
	refcount_set(&p->r, 2);
	assert(!refcount_dec_if_one(&p->r));
	assert(refcount_read(&p->r) == 2);
	refcount_set(&p->r, 1);
	assert(refcount_dec_if_one(&p->r));
	assert(refcount_read(&p->r) == 0);`);
    expect(r.findings).toEqual([]);
  });

  it('refcount_dec_not_one refuses to drop the last reference', async () => {
    const r = await single(`
	refcount_set(&p->r, 1);
	assert(!refcount_dec_not_one(&p->r));
	refcount_set(&p->r, 3);
	assert(refcount_dec_not_one(&p->r));
	assert(refcount_read(&p->r) == 2);`);
    expect(r.findings).toEqual([]);
  });

  it('addition on 0 warns and saturates', async () => {
    const r = await single(`
	refcount_inc(&p->r);
	assert(refcount_read(&p->r) == 0xc0000000);`);
    expect(r.findings.map((f) => f.title)).toEqual(['refcount_t: addition on 0; use-after-free. (in thread_t)']);
    expect(r.findings[0]!.kind).toBe('refcount');
  });

  it('dec_and_test on 0 is an underflow', async () => {
    const r = await single(`refcount_dec_and_test(&p->r);`);
    expect(r.findings.map((f) => f.title)).toEqual(['refcount_t: underflow; use-after-free. (in thread_t)']);
  });

  it('refcount_dec to 0 leaks', async () => {
    const r = await single(`refcount_set(&p->r, 1); refcount_dec(&p->r);`);
    expect(r.findings.map((f) => f.title)).toEqual(['refcount_t: decrement hit 0; leaking memory. (in thread_t)']);
  });

  it('overflow saturates', async () => {
    const r = await single(
      `refcount_set(&p->r, INT_MAX); refcount_inc(&p->r); assert(refcount_read(&p->r) == 0xc0000000);`,
    );
    expect(r.findings.map((f) => f.title)).toEqual(['refcount_t: saturated; leaking memory. (in thread_t)']);
  });

  it('correct concurrent puts give no finding; a missing get underflows', async () => {
    const prog = (refs: number) => `
struct o { refcount_t r; };
static struct o *p;
void setup(void) { p = kzalloc(sizeof(*p), GFP_KERNEL); refcount_set(&p->r, ${refs}); }
static void put(void) { if (refcount_dec_and_test(&p->r)) WRITE_ONCE(p->r.refs, 0); }
void thread_a(void) { refcount_dec_and_test(&p->r); }
void thread_b(void) { refcount_dec_and_test(&p->r); }
void check(void) { kfree(p); }`;
    expect(kinds(await check(prog(2)))).toEqual([]);
    expect(kinds(await check(prog(1)))).toEqual(['refcount']);
  });
});
