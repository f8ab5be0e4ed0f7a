/**
 * The primitives the vfio-6.1 model's life cycle rests on, each with a good
 * and a bad program: try_wait_for_completion() (kernel/sched/completion.c)
 * and the unregister's 10 s interruptible wait, a struct device embedded in
 * its container with put_device() running the release that frees it
 * (drivers/base/core.c, include/linux/kref.h in linux/kernel.h of the
 * model), and ida_free() of an ID not allocated (lib/idr.c).
 */
import { describe, expect, it } from 'vitest';
import { check, kinds, useParser } from '../helpers.js';

useParser();

describe('completion: try_wait_for_completion() and the unregister loop', () => {
  it('try_wait_for_completion() is 0 before complete(), 1 after, and consumes the done count', async () => {
    const r = await check(`
static DECLARE_COMPLETION(c);
void thread_t(void)
{
	assert(!try_wait_for_completion(&c));
	complete(&c);
	assert(try_wait_for_completion(&c));
	assert(!try_wait_for_completion(&c));
	assert(!completion_done(&c));
}`);
    expect(r.findings).toEqual([]);
  });

  const unregister = (closes: string) => `
static DECLARE_COMPLETION(comp);
static refcount_t users;
static void put(void) { if (refcount_dec_and_test(&users)) complete(&comp); }
void setup(void) { refcount_set(&users, 2); }
void thread_unregister(void)
{
	long rc;

	put();
	rc = try_wait_for_completion(&comp);
	while (rc <= 0)
		rc = wait_for_completion_interruptible_timeout(&comp, HZ * 10);
	assert(rc > 0);
}
void thread_user(void) { ${closes} }`;

  it('the last user completes the unregister: no timeout in any interleaving', async () => {
    const r = await check(unregister('put();'));
    expect(r.findings).toEqual([]);
    expect(r.coverage?.kind).toBe('exhaustive');
  });

  it('a user that never puts: the 10 s wait ends only by its timeout (stall), again and again (livelock)', async () => {
    const r = await check(unregister(''));
    expect(kinds(r)).toContain('stall');
    expect(r.findings.find((f) => f.kind === 'stall')!.title).toBe(
      'stall: unregister waited the full 10000 ms in thread_unregister',
    );
  });
});

describe('struct device embedded in its container: put_device() runs the release', () => {
  const prog = (after: string, puts = 'put_device(&t->dev);\n\tput_device(&t->dev);') => `
struct thing { struct device dev; int ports; };
static struct thing *t;
static int given_back;
static void thing_release(struct device *dev)
{
	struct thing *x = container_of(dev, struct thing, dev);

	given_back += x->ports;
	kfree(x);
}
void thread_owner(void)
{
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	device_initialize(&t->dev);
	t->dev.release = thing_release;
	t->ports = 2;
	get_device(&t->dev);
	${puts}
	${after}
}`;

  it('the last put releases and frees: no leak', async () => {
    const r = await check(prog('assert(given_back == 2);'));
    expect(r.findings).toEqual([]);
  });

  it('a read of the container after the last put is a use-after-free', async () => {
    const r = await check(prog('READ_ONCE(t->ports);'));
    expect(kinds(r)).toEqual(['use-after-free']);
  });

  it('a missing last put leaks the container', async () => {
    const r = await check(prog('', 'put_device(&t->dev);'));
    expect(kinds(r)).toEqual(['leak']);
  });
});

describe('ida', () => {
  it('ida_free() of an ID that is not allocated warns as lib/idr.c does; a matched free does not', async () => {
    const good = await check(`
static DEFINE_IDA(ida);
void thread_t(void) { int id = ida_alloc_max(&ida, MINORMASK, GFP_KERNEL); assert(id == 0); ida_free(&ida, id); }`);
    expect(good.findings).toEqual([]);
    const bad = await check(`
static DEFINE_IDA(ida);
void thread_t(void) { int id = ida_alloc_max(&ida, MINORMASK, GFP_KERNEL); ida_free(&ida, id); ida_free(&ida, id); }`);
    expect(kinds(bad)).toEqual(['warn']);
    expect(bad.findings[0]!.title).toBe('WARNING: ida_free called for id=0 which is not allocated.');
  });
});
