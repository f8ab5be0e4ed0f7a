import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { prepass } from '../../src/lang/prepass.js';
import { compile } from '../../src/compile.js';
import { check, useParser } from '../helpers.js';

useParser();

const here = (p: string) => new URL(p, import.meta.url);

describe('pre-pass', () => {
  it('keeps every offset: same length, same newlines', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            'a',
            'x',
            ' ',
            '\n',
            '(',
            ')',
            ',',
            ';',
            '{',
            '}',
            '*',
            '/',
            '"',
            'struct ',
            'container_of(',
            'xa_for_each(',
            'scoped_guard(',
            '__user ',
            '__attribute__((x)) ',
            'EXPORT_SYMBOL(f);',
          ),
          maxLength: 80,
        }),
        (s) => {
          const out = prepass(s).text;
          expect(out.length).toBe(s.length);
          for (let i = 0; i < s.length; i++) if (s[i] === '\n') expect(out[i]).toBe('\n');
        },
      ),
    );
  });

  it('rewrites kernel idioms so that the stock grammar parses them', () => {
    const src =
      'x = container_of(p, struct foo, obj);\nxa_for_each(&xa, i, e) {}\nscoped_guard(mutex, &l) {}\nint __must_check f(void __user *p);';
    const out = prepass(src);
    expect(out.text).toContain('container_of(p, struct_foo, obj)');
    expect(out.text).toContain('for        (&xa; i; e) {}');
    expect(out.text).toContain('for(;        mutex; &l) {}');
    expect(out.text).not.toContain('__user');
    expect(out.loops.size).toBe(2);
  });
});

describe('compile', () => {
  it('the iommufd functions of Linux 6.17 parse and lower without diagnostics', async () => {
    const r = await compile(
      [
        { name: 'fs.h', text: readFileSync(here('../../model/fs.h'), 'utf8'), role: 'prelude' },
        {
          name: 'iommufd_private.h',
          text: readFileSync(here('../../model/iommufd_private.h'), 'utf8'),
          role: 'prelude',
        },
        { name: 'static.h', text: readFileSync(here('../fixtures/upstream-6.17-static.h'), 'utf8'), role: 'prelude' },
        {
          name: 'upstream.c',
          text: readFileSync(here('../fixtures/upstream-6.17-functions.c'), 'utf8'),
          role: 'learner',
        },
      ],
      { link: false },
    );
    expect(r.diagnostics).toEqual([]);
    const names = r
      .program!.functions.filter((f) => f.code.length && f.file === 4)
      .map((f) => f.name)
      .sort();
    expect(names).toEqual([
      'iommufd_device_remove_vdev',
      'iommufd_fops_release',
      'iommufd_object_remove',
      'iommufd_vdevice_abort',
      'iommufd_vdevice_alloc_ioctl',
      'iommufd_vdevice_destroy',
    ]);
  });

  const diag = async (src: string) => (await compile([{ name: 'd.c', text: src, role: 'learner' }])).diagnostics;

  it.each([
    ['a missing semicolon', 'void f(void) {\n\tint x = 1\n\tx = 2;\n}', 2, /syntax error: expected ';'/],
    [
      'an unknown field',
      'struct s { int a; };\nvoid f(struct s *p) {\n\tp->b = 1;\n}',
      3,
      /'struct s' has no member named 'b'/,
    ],
    ['an undeclared variable', 'void f(void) {\n\ty = 1;\n}', 2, /'y' undeclared/],
    ['an unknown function', 'void f(void) {\n\tfrobnicate(1);\n}', 2, /implicit declaration of function 'frobnicate'/],
    [
      'a wrong argument count',
      'static DEFINE_MUTEX(m);\nvoid f(void) {\n\tmutex_lock(&m, 1);\n}',
      3,
      /mutex_lock\(\) takes 1 argument, 2 given/,
    ],
    [
      'a struct value',
      'struct s { int a; };\nstatic struct s g;\nvoid f(void) {\n\tstruct s c = g;\n}',
      4,
      /struct and array assignment/,
    ],
    [
      'a goto into a guard scope',
      'static DEFINE_MUTEX(m);\nvoid f(int x) {\n\tif (x) goto in;\n\t{\n\t\tguard(mutex)(&m);\nin:\n\t\tx++;\n\t}\n}',
      3,
      /jumps into the scope of a guard/,
    ],
    ['an undefined callee', 'void g(void);\nvoid f(void) {\n\tg();\n}', 3, /undefined reference to 'g'/],
    [
      'a redefinition of a kernel function',
      'void mutex_lock(struct mutex *m) { }',
      1,
      /kernel function the model provides/,
    ],
    ['#ifdef', '#ifdef CONFIG_X\nint x;\n#endif', 1, /conditional compilation/],
    ['typeof', 'void f(void) {\n\tint x = 0;\n\ttypeof(x) y = 1;\n}', 3, /syntax error|typeof/],
  ])('reports %s with line and column', async (_what, src, line, msg) => {
    const d = await diag(src);
    expect(d.length).toBeGreaterThan(0);
    expect(d[0]!.line).toBe(line);
    expect(d[0]!.column).toBeGreaterThan(0);
    expect(d[0]!.message).toMatch(msg);
  });

  it('points at the exact column of the construct', async () => {
    const d = await diag('struct s { int a; };\nvoid f(struct s *p) {\n\tint z = p->nope;\n}');
    expect(d[0]).toMatchObject({ file: 'd.c', line: 3, column: 13 });
  });

  it('a program without thread functions is refused', async () => {
    const r = await check('void setup(void) { }');
    expect(r.diagnostics[0]!.message).toMatch(/no thread functions/);
  });

  it('evaluates #define constants and function-like expression macros', async () => {
    const r = await check(
      '#define N 3\n#define TWICE(x) ((x) * 2)\nstatic int a[N];\nvoid thread_a(void) { a[N - 1] = TWICE(N); assert(a[2] == 6); }',
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it('switch, do/while, for, goto, ?: and GNU ?: behave as in C', async () => {
    const r = await check(`
static int f(int k) {
	int r = 0;
	switch (k) {
	case 0: r = 10; break;
	case 1: r = 20;
	case 2: r += 1; break;
	default: r = -1;
	}
	return r;
}
void thread_a(void) {
	int i = 0, s = 0;
	do { s += i; i++; } while (i < 4);
	assert(s == 6);
	for (i = 0; i < 10; i++) { if (i == 3) continue; if (i == 5) break; s++; }
	assert(s == 10);
	assert(f(0) == 10 && f(1) == 21 && f(2) == 1 && f(7) == -1);
	assert((s > 5 ? 1 : 2) == 1);
	assert((0 ?: 7) == 7);
	if (s) goto out;
	s = 99;
out:
	assert(s == 10);
	assert(((u32)-1) == 0xffffffff);
	assert((u8)300 == 44);
	assert(BIT(3) == 8);
	assert(-EEXIST == -17);
}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.findings).toEqual([]);
  });
});

describe('zero tests of a refcount_t', () => {
  const src = `static refcount_t r;
static int v;
void setup(void) { refcount_set(&r, 2); }
void thread_a(void) {
	assert(refcount_read(&r) != 0 && !(refcount_read(&r) == 0) && (0 != refcount_read(&r)));
	assert(!!refcount_read(&r) && refcount_read(&r) == 2 && refcount_read(&r) + 0 == 2);
	v = refcount_read(&r);
	assert(v == 2);
	refcount_dec(&r);
	assert(refcount_dec_and_test(&r));
	assert(refcount_read(&r) == 0 && !refcount_read(&r) && !(refcount_read(&r) != 0));
}`;

  it('mark a refcount_read() compared with 0 or negated, and no other', async () => {
    const c = await compile([{ name: 'z.c', text: src }]);
    expect(c.diagnostics).toEqual([]);
    const fn = c.program!.functions.find((f) => f.name === 'thread_a')!;
    const reads = fn.code.filter((i) => 'name' in i && i.name === 'refcount_read');
    // the first line's three, `!!` (its inner `!`), the last line's three; not `== 2`, `+ 0 == 2` or the assignment
    expect(reads.map((i) => ('extra' in i && i.extra?.zeroTest) === true)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('give the comparison the value a read would', async () => {
    const r = await check(src);
    expect(r.diagnostics).toEqual([]);
    expect(r.findings).toEqual([]);
  });
});

describe('robustness: no input crashes the front end or the VM', () => {
  const base = `struct obj { refcount_t ref; int data; struct mutex lock; };
static struct obj *o;
static DEFINE_MUTEX(m);
void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); refcount_set(&o->ref, 1); mutex_init(&o->lock); }
void thread_a(void) { mutex_lock(&o->lock); o->data++; mutex_unlock(&o->lock); if (refcount_dec_and_test(&o->ref)) kfree(o); }
void thread_b(void) { int i; for (i = 0; i < 2; i++) { mutex_lock(&m); WRITE_ONCE(o->data, i); mutex_unlock(&m); } }
void check(void) { }`;

  it('random text gives diagnostics or a report, never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (s) => {
        const r = await check(s, { budget: { executions: 20 } });
        expect(r.version).toBe(1);
      }),
      { numRuns: 150 },
    );
  });

  it('mutations of a valid program never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.integer({ min: 0, max: 20 }),
        fc.constantFrom(
          '',
          ';',
          '}',
          '{',
          '*',
          '&',
          'NULL',
          '0',
          'kfree(o);',
          'while (1) ;',
          'mutex_lock(&m);',
          '->',
          '(',
          ')',
          'goto x;',
        ),
        async (at, del, ins) => {
          const src = base.slice(0, at) + ins + base.slice(at + del);
          const r = await check(src, { budget: { executions: 30 }, limits: { stepsPerThread: 300, burst: 20_000 } });
          expect(r.version).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('translation units', () => {
  const shared = { name: 'shared.c', text: 'int counter;\nvoid bump(void) { counter++; }\n', role: 'prelude' as const };
  const scenario = (unit: string, n: number) => ({
    name: `${unit}.c`,
    unit,
    role: 'harness' as const,
    text: `static int mine = ${n};\nvoid bump(void);\nvoid setup(void) { bump(); mine++; }\nvoid thread_a(void) { bump(); }\n`,
  });

  it('lets two units define the same names privately, and resolves bodiless declarations to the shared namespace', async () => {
    const r = await compile([shared, scenario('one', 1), scenario('two', 2)]);
    expect(r.diagnostics).toEqual([]);
    const p = r.program!;
    expect(p.fnIndex.has('one::setup')).toBe(true);
    expect(p.fnIndex.has('two::setup')).toBe(true);
    expect(p.fnIndex.has('setup')).toBe(false);
    expect(p.fnIndex.has('one::bump')).toBe(false);
    expect(p.globalIndex.has('one::mine')).toBe(true);
    expect(p.globalIndex.has('two::mine')).toBe(true);
    // each unit's setup calls the one shared bump()
    const bump = p.fnIndex.get('bump')!;
    for (const u of ['one', 'two']) {
      const setup = p.functions[p.fnIndex.get(`${u}::setup`)!]!;
      expect(setup.code.some((i) => 'fn' in i && i.fn === bump)).toBe(true);
    }
  });

  it('still reports a redefinition within one unit', async () => {
    const r = await compile([shared, { ...scenario('one', 1), text: 'void setup(void) {}\nvoid setup(void) {}\n' }]);
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/redefinition of 'setup'/);
  });
});
