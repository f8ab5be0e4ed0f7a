import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';

useParser();

describe('heap and KASAN', () => {
  it('reports a use-after-free with the allocation and free stacks', async () => {
    const r = await check(`
struct o { int x; };
static struct o *alloc_o(void) { return kzalloc(sizeof(struct o), GFP_KERNEL); }
void thread_a(void) { struct o *p = alloc_o(); kfree(p); p->x = 1; }`);
    expect(kinds(r)).toEqual(['use-after-free']);
    const f = r.findings[0]!;
    expect(f.title).toBe('BUG: KASAN: slab-use-after-free in thread_a');
    expect(f.alloc?.stack.map((s) => s.fn)).toEqual(['alloc_o', 'thread_a']);
    expect(f.free?.stack.map((s) => s.fn)).toEqual(['thread_a']);
    expect(f.objects[0]!.type).toBe('o');
  });

  it('double free, invalid free of an interior pointer and of a global', async () => {
    expect(
      (await check(`void thread_a(void) { void *p = kmalloc(4, GFP_KERNEL); kfree(p); kfree(p); }`)).findings.map(
        (f) => f.title,
      ),
    ).toEqual(['BUG: KASAN: double-free in thread_a']);
    expect(
      kinds(
        await check(
          `struct s { int a; int b; }; void thread_a(void) { struct s *p = kzalloc(sizeof(*p), GFP_KERNEL); kfree(&p->b); }`,
        ),
      ),
    ).toEqual(['invalid-free']);
    expect(kinds(await check(`static int g; void thread_a(void) { kfree(&g); }`))).toEqual(['invalid-free']);
  });

  it('kfree(NULL) is a no-op', async () => {
    expect((await check(`void thread_a(void) { kfree(NULL); }`)).findings).toEqual([]);
  });

  it('memory still allocated after check is a leak; freed memory is not', async () => {
    expect(kinds(await check(`void thread_a(void) { kmalloc(16, GFP_KERNEL); }`))).toEqual(['leak']);
    expect(
      kinds(
        await check(
          `static void *p; void thread_a(void) { p = kmalloc(16, GFP_KERNEL); } void check(void) { kfree(p); }`,
        ),
      ),
    ).toEqual([]);
  });

  it('NULL and ERR_PTR dereferences oops', async () => {
    const n = await check(`struct s { int a; }; void thread_a(void) { struct s *p = NULL; p->a = 1; }`);
    expect(n.findings[0]!.kind).toBe('null-deref');
    const e = await check(
      `struct s { int a; int b; }; void thread_a(void) { struct s *p = ERR_PTR(-ENOENT); p->b = 1; }`,
    );
    expect(e.findings[0]!.kind).toBe('bad-pointer');
    expect(e.findings[0]!.title).toContain('fffffffffffffffe');
  });

  it('a pointer to a returned stack frame is a stack-use-after-return', async () => {
    const r = await check(`
static int *leaked;
static void f(void) { int x = 1; leaked = &x; }
void thread_a(void) { f(); *leaked = 2; }`);
    expect(r.findings[0]!.title).toBe('BUG: KASAN: stack-use-after-return in thread_a');
  });

  it('array indexes are bounds-checked', async () => {
    const r = await check(`static int arr[4]; void thread_a(void) { int i = 4; arr[i] = 1; }`);
    expect(r.findings[0]!.title).toBe('BUG: KASAN: global-out-of-bounds in thread_a');
  });
});

describe('atomic_t, ida and the kernel-C helpers', () => {
  it('atomic_t operations are atomic and marked', async () => {
    const r = await check(`
static atomic_t n;
void thread_a(void) { atomic_inc(&n); }
void thread_b(void) { atomic_inc(&n); }
void check(void) { assert(atomic_read(&n) == 2); assert(atomic_dec_and_test(&n) == 0); assert(atomic_cmpxchg(&n, 1, 5) == 1); assert(atomic_read(&n) == 5); }`);
    expect(r.findings).toEqual([]);
  });

  it('ida allocates the smallest free id', async () => {
    const r = await check(`
static DEFINE_IDA(ida);
void thread_a(void) { assert(ida_alloc(&ida, GFP_KERNEL) == 0); assert(ida_alloc(&ida, GFP_KERNEL) == 1); ida_free(&ida, 0); assert(ida_alloc_max(&ida, 5, GFP_KERNEL) == 0); }`);
    expect(r.findings).toEqual([]);
  });

  it('lists, kref and get_device/put_device', async () => {
    const r = await check(`
struct item { int v; struct list_head node; };
struct thing { struct kref kref; struct device dev; int released; };
static struct list_head head;
static struct thing *t;
static void thing_release(struct kref *k) { struct thing *x = container_of(k, struct thing, kref); x->released = 1; }
static void dev_release(struct device *d) { struct thing *x = container_of(d, struct thing, dev); x->released += 10; }
void setup(void) { INIT_LIST_HEAD(&head); t = kzalloc(sizeof(*t), GFP_KERNEL); kref_init(&t->kref); device_initialize(&t->dev); t->dev.release = dev_release; }
void thread_a(void) {
	struct item a, b;
	struct item *pos;
	int sum = 0;
	a.v = 1; b.v = 2;
	assert(list_empty(&head));
	list_add_tail(&a.node, &head);
	list_add_tail(&b.node, &head);
	list_for_each_entry(pos, &head, node) sum = sum * 10 + pos->v;
	assert(sum == 12);
	list_del(&a.node);
	assert(list_first_entry(&head, struct item, node) == &b);
	list_del(&b.node);
	assert(list_empty(&head));
	kref_get(&t->kref);
	assert(kref_read(&t->kref) == 2);
	assert(!kref_put(&t->kref, thing_release));
	assert(kref_put(&t->kref, thing_release));
	get_device(&t->dev);
	put_device(&t->dev);
	put_device(&t->dev);
	assert(t->released == 11);
}
void check(void) { kfree(t); }`);
    expect(r.findings).toEqual([]);
  });
});

describe('copy-on-write states', () => {
  it("a clone and its original never see each other's writes", async () => {
    const { cloneState, setField, writable } = await import('../../src/state/state.js');
    const a = { id: 1, kind: 'heap' as const, name: 'kzalloc', bytes: 8, fields: new Map([[0, 1]]), gen: 0 };
    const { HeapMap } = await import('../../src/state/heap-map.js');
    const s0 = {
      heap: new HeapMap(new Map([[1, a]])),
      threads: [],
      jiffies: 0,
      log: [],
      globals: [],
      step: 0,
      gen: 0,
      heapDigest: null,
    };
    const s1 = cloneState(s0);
    setField(writable(s1, s1.heap.get(1)!), 0, 2);
    setField(writable(s0, s0.heap.get(1)!), 0, 3);
    expect(s1.heap.get(1)!.fields.get(0)).toBe(2);
    expect(s0.heap.get(1)!.fields.get(0)).toBe(3);
    const s2 = cloneState(s1);
    setField(writable(s2, s2.heap.get(1)!), 0, 4);
    expect(s1.heap.get(1)!.fields.get(0)).toBe(2);
    // a second write to an owned allocation does not copy again
    const owned = writable(s2, s2.heap.get(1)!);
    expect(writable(s2, owned)).toBe(owned);
  });
});
