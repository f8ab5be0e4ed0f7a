/**
 * Which object a use-after-free names. KASAN reports the object the faulting
 * access touches; a statement such as `mutex_unlock(&a->b->c->lock)` is
 * several accesses (the load of `a->b`, the load of `->c` out of b, the
 * unlock of c's mutex), so the first freed object on that chain is the one
 * to blame: the shape of the v2 vdev patch, where the report named the
 * igroup (c) for the read through the freed idev (b).
 */
import { describe, expect, it } from 'vitest';
import { check, useParser } from '../helpers.js';
import { type Finding, simplestFirst } from '../../src/detect/finding.js';

useParser();

/**
 * v2's shape: a (the vdev) points to b (the idev), which points to c (the
 * igroup) holding the mutex. The destroy thread drops its claim on b under
 * c's lock and unlocks through a->b; the unbind thread frees b once no one
 * claims it, and with `freeC` frees c first (the igroup's last reference).
 */
const v2Shape = (freeC: boolean) => `
struct C { struct mutex lock; };
struct B { atomic_t users; struct C *c; };
struct A { struct B *b; };
static struct A *a;
static struct C *c;
static bool freed;

void setup(void)
{
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	a->b = kzalloc(sizeof(struct B), GFP_KERNEL);
	c = kzalloc(sizeof(struct C), GFP_KERNEL);
	mutex_init(&c->lock);
	a->b->c = c;
	atomic_set(&a->b->users, 1);
}

void thread_destroy(void)
{
	mutex_lock(&a->b->c->lock);
	atomic_dec(&a->b->users); /* from here on b may be freed */
	mutex_unlock(&a->b->c->lock);
}

void thread_unbind(void)
{
	struct B *b = a->b;

	if (!atomic_read(&b->users)) {
		${freeC ? 'kfree(b->c);' : ''}
		kfree(b);
		freed = true;
	}
}

void check(void)
{
	if (!freed)
		kfree(a->b);
	${freeC ? 'if (!freed)' : ''}
		kfree(c);
	kfree(a);
}
`;

const UNLOCK_LINE = 23;
const uafs = (fs: readonly Finding[]) => fs.filter((f) => f.kind === 'use-after-free');

describe('KASAN blames the first freed object an access goes through', () => {
  it('mutex_unlock(&a->b->c->lock) with b freed by another thread: b, with its alloc and free stacks', async () => {
    const r = await check(v2Shape(false));
    const [f, ...rest] = uafs(r.findings);
    expect(rest).toEqual([]);
    expect(f!.title).toBe('BUG: KASAN: slab-use-after-free in thread_destroy');
    expect(f!.accesses[0]!.what).toBe('read of a->b->c');
    expect(f!.accesses[0]!.stack[0]).toMatchObject({ fn: 'thread_destroy', line: UNLOCK_LINE });
    expect(f!.objects[0]).toMatchObject({ type: 'B', state: 'freed' });
    expect(f!.details).toContain(
      `The buggy address belongs to the object ${f!.objects[0]!.name} (struct B) of 16 bytes`,
    );
    expect(f!.alloc?.stack[0]).toMatchObject({ fn: 'setup', line: 12 });
    expect(f!.free?.stack[0]).toMatchObject({ fn: 'thread_unbind', line: 32 });
  });

  it('with c freed too (the igroup of v2), the report still leads with b, not c', async () => {
    const r = await check(v2Shape(true));
    const list = uafs(r.findings);
    const [f] = list;
    expect(f!.title).toBe('BUG: KASAN: slab-use-after-free in thread_destroy');
    expect(f!.accesses[0]!.what).toBe('read of a->b->c');
    expect(f!.objects[0]).toMatchObject({ type: 'B', state: 'freed' });
    expect(f!.free?.stack[0]).toMatchObject({ fn: 'thread_unbind', line: 32 });
    // the interleaving that loaded c before the frees faults on c's mutex: reported, but after b
    // (its key, by free site line 31, sorts first)
    expect(list).toHaveLength(2);
    const g = list[1]!;
    expect(g.accesses[0]!.what).toBe('mutex_unlock(&a->b->c->lock)');
    expect(g.objects[0]).toMatchObject({ type: 'C', state: 'freed' });
    expect(g.free?.stack[0]).toMatchObject({ fn: 'thread_unbind', line: 31 });
    expect(g.key < f!.key).toBe(true);
    expect(g.preemptions).toBe(f!.preemptions);
  });
});

describe('a built-in on an object is dependent with its kfree', () => {
  // the mutex ops touch only the mutex's bytes; kfree writes the object's liveness, which every
  // access reads: without it DPOR took mutex_lock/kfree for independent and explored one order
  const src = `
struct obj { struct mutex lock; };
static struct obj *o;
void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); mutex_init(&o->lock); }
void thread_a(void)
{
	mutex_lock(&o->lock);
	mutex_unlock(&o->lock);
}
void thread_b(void) { kfree(o); }`;

  it('DPOR explores kfree before the lock, between lock and unlock, and after: what DFS finds', async () => {
    const whats = (r: Awaited<ReturnType<typeof check>>) => r.findings.map((f) => f.accesses[0]!.what).sort();
    // kfree first: the lock faults; kfree between lock and unlock: a held lock freed, then the unlock faults
    const dpor = await check(src);
    expect(dpor.coverage?.text).toBe('exhaustive: all 3 Mazurkiewicz traces (optimal DPOR)');
    expect(whats(dpor)).toEqual(['kfree', 'mutex_lock(&o->lock)', 'mutex_unlock(&o->lock)']);
    expect(whats(await check(src, { strategy: 'dfs' }))).toEqual(whats(dpor));
  });
});

describe('simplestFirst', () => {
  const fake = (kind: Finding['kind'], title: string, key: string, preemptions: number, steps: number): Finding => ({
    kind,
    title,
    key,
    details: [],
    accesses: [],
    objects: [],
    fatal: false,
    origin: 'learner',
    preemptions,
    switches: preemptions + 1,
    schedule: new Array<number>(steps).fill(0),
  });

  it('moves the simplest counterexample of each kind and title to its first place, the rest in order', () => {
    const c = fake('use-after-free', 'in f', 'uaf:f:c', 1, 97);
    const b = fake('use-after-free', 'in f', 'uaf:f:d', 1, 96);
    const g = fake('use-after-free', 'in g', 'uaf:g', 2, 10);
    const l1 = fake('leak', 'leak x', 'leak:1', 0, 5);
    const l2 = fake('leak', 'leak x', 'leak:2', 0, 5);
    expect(simplestFirst([c, g, b, l1, l2])).toEqual([b, g, c, l1, l2]);
    const fewer = fake('use-after-free', 'in f', 'uaf:f:e', 0, 200);
    expect(simplestFirst([c, b, fewer])).toEqual([fewer, c, b]);
  });
});
