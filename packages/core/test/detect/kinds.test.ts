/**
 * Every finding kind: a program that must produce it and a correct twin that
 * must not produce any finding.
 */
import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';
import { FINDING_KINDS, type FindingKind } from '../../src/detect/finding.js';

useParser();

const OBJ = `struct obj { refcount_t ref; int data; };\nstatic struct obj *o;\n`;

const CASES: Record<FindingKind, { bad: string; good: string }> = {
  'use-after-free': {
    bad: `${OBJ}void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); refcount_set(&o->ref, 2); }
static void put(struct obj *p) { if (refcount_dec_and_test(&p->ref)) kfree(p); }
void thread_a(void) { struct obj *p = o; put(p); WRITE_ONCE(p->data, 1); }
void thread_b(void) { put(o); }`,
    good: `${OBJ}void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); refcount_set(&o->ref, 2); }
static void put(struct obj *p) { if (refcount_dec_and_test(&p->ref)) kfree(p); }
void thread_a(void) { struct obj *p = o; WRITE_ONCE(p->data, 1); put(p); }
void thread_b(void) { put(o); }`,
  },
  'double-free': {
    bad: `${OBJ}void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); }
void thread_a(void) { kfree(o); }
void thread_b(void) { kfree(o); }`,
    good: `${OBJ}void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); refcount_set(&o->ref, 2); }
void thread_a(void) { if (refcount_dec_and_test(&o->ref)) kfree(o); }
void thread_b(void) { if (refcount_dec_and_test(&o->ref)) kfree(o); }`,
  },
  'invalid-free': {
    bad: `${OBJ}void thread_a(void) { struct obj *p = kzalloc(sizeof(*p), GFP_KERNEL); kfree(&p->data); }`,
    good: `${OBJ}void thread_a(void) { struct obj *p = kzalloc(sizeof(*p), GFP_KERNEL); kfree(p); }`,
  },
  'null-deref': {
    bad: `${OBJ}void thread_a(void) { struct obj *p = READ_ONCE(o); p->data = 1; }
void thread_b(void) { WRITE_ONCE(o, kzalloc(sizeof(*o), GFP_KERNEL)); }
void check(void) { kfree(o); }`,
    good: `${OBJ}void thread_a(void) { struct obj *p = READ_ONCE(o); if (p) WRITE_ONCE(p->data, 1); }
void thread_b(void) { WRITE_ONCE(o, kzalloc(sizeof(*o), GFP_KERNEL)); }
void check(void) { kfree(o); }`,
  },
  'bad-pointer': {
    bad: `${OBJ}static struct obj *lookup(int id) { return id ? ERR_PTR(-ENOENT) : NULL; }
void thread_a(void) { struct obj *p = lookup(1); if (p) p->data = 1; }`,
    good: `${OBJ}static struct obj *lookup(int id) { return id ? ERR_PTR(-ENOENT) : NULL; }
void thread_a(void) { struct obj *p = lookup(1); if (!IS_ERR_OR_NULL(p)) p->data = 1; }`,
  },
  deadlock: {
    bad: `static DEFINE_MUTEX(a);\nstatic DEFINE_MUTEX(b);
void thread_x(void) { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
void thread_y(void) { mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); }`,
    good: `static DEFINE_MUTEX(a);\nstatic DEFINE_MUTEX(b);
void thread_x(void) { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }
void thread_y(void) { mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); }`,
  },
  'lock-order': {
    bad: `static DEFINE_MUTEX(g);\nstatic DEFINE_MUTEX(a);\nstatic DEFINE_MUTEX(b);
void thread_x(void) { mutex_lock(&g); mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); mutex_unlock(&g); }
void thread_y(void) { mutex_lock(&g); mutex_lock(&b); mutex_lock(&a); mutex_unlock(&a); mutex_unlock(&b); mutex_unlock(&g); }`,
    good: `static DEFINE_MUTEX(g);\nstatic DEFINE_MUTEX(a);\nstatic DEFINE_MUTEX(b);
void thread_x(void) { mutex_lock(&g); mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); mutex_unlock(&g); }
void thread_y(void) { mutex_lock(&g); mutex_lock(&a); mutex_lock(&b); mutex_unlock(&b); mutex_unlock(&a); mutex_unlock(&g); }`,
  },
  'lock-misuse': {
    bad: `static DEFINE_MUTEX(m);\nstatic int n;
static int f(void) { mutex_lock(&m); if (n) return -EBUSY; n = 1; mutex_unlock(&m); return 0; }
void thread_a(void) { f(); }
void thread_b(void) { f(); }`,
    good: `static DEFINE_MUTEX(m);\nstatic int n;
static int f(void) { guard(mutex)(&m); if (n) return -EBUSY; n = 1; return 0; }
void thread_a(void) { f(); }
void thread_b(void) { f(); }`,
  },
  stall: {
    bad: `static DECLARE_WAIT_QUEUE_HEAD(wq);\nstatic int done;
void thread_w(void) { wait_event_timeout(wq, READ_ONCE(done), 1000); }
void thread_k(void) { WRITE_ONCE(done, 1); wake_up_interruptible(&wq); }`,
    good: `static DECLARE_WAIT_QUEUE_HEAD(wq);\nstatic int done;
void thread_w(void) { wait_event_timeout(wq, READ_ONCE(done), 1000); }
void thread_k(void) { WRITE_ONCE(done, 1); wake_up(&wq); }`,
  },
  refcount: {
    bad: `${OBJ}void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); refcount_set(&o->ref, 1); }
void thread_a(void) { if (refcount_dec_and_test(&o->ref)) WRITE_ONCE(o->data, 1); }
void thread_b(void) { refcount_inc(&o->ref); }
void check(void) { kfree(o); }`,
    good: `${OBJ}void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); refcount_set(&o->ref, 1); }
void thread_a(void) { if (refcount_dec_and_test(&o->ref)) WRITE_ONCE(o->data, 1); }
void thread_b(void) { if (refcount_inc_not_zero(&o->ref) && refcount_dec_and_test(&o->ref)) WRITE_ONCE(o->data, 1); }
void check(void) { kfree(o); }`,
  },
  warn: {
    bad: `static int state;
void thread_a(void) { WARN_ON(READ_ONCE(state) != 0); }
void thread_b(void) { WRITE_ONCE(state, 1); }`,
    good: `static int state;
void thread_a(void) { WARN_ON(READ_ONCE(state) > 1); }
void thread_b(void) { WRITE_ONCE(state, 1); }`,
  },
  'data-race': {
    bad: `static int flag;
void thread_a(void) { flag = 1; }
void thread_b(void) { int v = flag; (void)v; }`,
    good: `static int flag;
void thread_a(void) { WRITE_ONCE(flag, 1); }
void thread_b(void) { int v = READ_ONCE(flag); (void)v; }`,
  },
  leak: {
    bad: `${OBJ}void thread_a(void) { struct obj *p = kzalloc(sizeof(*p), GFP_KERNEL); if (!READ_ONCE(o)) WRITE_ONCE(o, p); }
void thread_b(void) { struct obj *p = kzalloc(sizeof(*p), GFP_KERNEL); if (!READ_ONCE(o)) WRITE_ONCE(o, p); }
void check(void) { kfree(o); }`,
    good: `${OBJ}static DEFINE_MUTEX(m);
static void install(void) { struct obj *p = kzalloc(sizeof(*p), GFP_KERNEL); mutex_lock(&m); if (!o) { o = p; p = NULL; } mutex_unlock(&m); kfree(p); }
void thread_a(void) { install(); }
void thread_b(void) { install(); }
void check(void) { kfree(o); }`,
  },
  assert: {
    bad: `static int n;
void thread_a(void) { int v = READ_ONCE(n); WRITE_ONCE(n, v + 1); }
void thread_b(void) { int v = READ_ONCE(n); WRITE_ONCE(n, v + 1); }
void check(void) { assert(n == 2); }`,
    good: `static atomic_t n;
void thread_a(void) { atomic_inc(&n); }
void thread_b(void) { atomic_inc(&n); }
void check(void) { assert(atomic_read(&n) == 2); }`,
  },
  livelock: {
    bad: `static int go;
void thread_a(void) { while (!READ_ONCE(go)) cpu_relax(); }
void thread_b(void) { WRITE_ONCE(go, 0); }`,
    good: `static int go;
void thread_a(void) { while (!READ_ONCE(go)) cpu_relax(); }
void thread_b(void) { WRITE_ONCE(go, 1); }`,
  },
  oops: {
    bad: `static int div;
void thread_a(void) { int x = 10 / READ_ONCE(div); (void)x; }
void thread_b(void) { WRITE_ONCE(div, 2); }`,
    good: `static int div;
void thread_a(void) { int d = READ_ONCE(div); int x = d ? 10 / d : 0; (void)x; }
void thread_b(void) { WRITE_ONCE(div, 2); }`,
  },
  contract: {
    bad: `static DEFINE_MUTEX(m);\nstatic int busy;
static int op(void) { if (!mutex_trylock(&m)) return -EBUSY; mutex_unlock(&m); return 0; }
void thread_a(void) { EXPECT_RET("op()", op(), 0); }
void thread_b(void) { EXPECT_RET("op()", op(), 0); }`,
    good: `static DEFINE_MUTEX(m);\nstatic int busy;
static int op(void) { if (!mutex_trylock(&m)) return -EBUSY; mutex_unlock(&m); return 0; }
void thread_a(void) { EXPECT_RET("op()", op(), 0, -EBUSY); }
void thread_b(void) { EXPECT_RET("op()", op(), 0, -EBUSY); }`,
  },
  invariant: {
    bad: `static DEFINE_MUTEX(m);\nstatic int a, b;
void thread_x(void) { mutex_lock(&m); a++; mutex_unlock(&m); mutex_lock(&m); b++; mutex_unlock(&m); }
void thread_y(void) { mutex_lock(&m); INVARIANT(a == b, "a and b move together"); mutex_unlock(&m); }`,
    good: `static DEFINE_MUTEX(m);\nstatic int a, b;
void thread_x(void) { mutex_lock(&m); a++; b++; mutex_unlock(&m); }
void thread_y(void) { mutex_lock(&m); INVARIANT(a == b, "a and b move together"); mutex_unlock(&m); }`,
  },
};

describe('finding kinds: each with a program that shows it and a correct twin', () => {
  for (const kind of FINDING_KINDS) {
    it(`${kind}: found in the bad program, absent from its twin`, async () => {
      const c = CASES[kind];
      const bad = await check(c.bad);
      expect(bad.diagnostics).toEqual([]);
      expect(kinds(bad)).toContain(kind);
      const good = await check(c.good);
      expect(good.diagnostics).toEqual([]);
      expect(good.findings.map((f) => `${f.kind}: ${f.title}`)).toEqual([]);
      expect(good.coverage?.kind).toBe('exhaustive');
    });
  }

  it('every finding carries its accesses with call stacks and a replayable schedule', async () => {
    for (const kind of FINDING_KINDS) {
      const r = await check(CASES[kind].bad);
      for (const f of r.findings) {
        expect(f.title.length).toBeGreaterThan(0);
        expect(f.accesses.length).toBeGreaterThan(0);
        for (const a of f.accesses) expect(a.stack.length).toBeGreaterThan(0);
        expect(Array.isArray(f.schedule)).toBe(true);
      }
    }
  });
});
