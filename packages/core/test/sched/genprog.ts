/**
 * A generator of small random kernel-C programs for property tests: 2 or 3
 * threads over shared variables, mutexes, an rwlock_t, a refcount, an
 * atomic (additions that commute, and reads that see their sum), and a
 * heap object with a mutex inside that a thread may free (so that a
 * primitive on freed memory races its kfree).
 */
import fc from 'fast-check';

type Op =
  | { k: 'read'; v: number; marked: boolean }
  | { k: 'write'; v: number; marked: boolean; val: number }
  | { k: 'incr'; v: number }
  | { k: 'locked'; m: number; body: Op[] }
  | { k: 'trylock'; m: number; v: number }
  | { k: 'rc_inc' }
  | { k: 'rc_dec' }
  | { k: 'atomic_inc' }
  | { k: 'atomic_add'; n: number }
  | { k: 'atomic_read' }
  | { k: 'atomic_if'; c: number; v: number }
  | { k: 'read_locked'; body: Op[] }
  | { k: 'write_locked'; body: Op[] }
  | { k: 'if_read'; v: number; inner: Op }
  | { k: 'obj_free' }
  | { k: 'obj_lock' }
  | { k: 'obj_write'; val: number }
  | { k: 'obj_read_plain' }
  | { k: 'obj_write_plain'; val: number }
  | { k: 'bug_if'; v: number; c: number }
  | { k: 'warn_if'; v: number; c: number };

const VARS = 3;
const MUTEXES = 2;

const leaf: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('read' as const), v: fc.nat(VARS - 1), marked: fc.boolean() }),
  fc.record({
    k: fc.constant('write' as const),
    v: fc.nat(VARS - 1),
    marked: fc.boolean(),
    val: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ k: fc.constant('incr' as const), v: fc.nat(VARS - 1) }),
  fc.record({ k: fc.constant('trylock' as const), m: fc.nat(MUTEXES - 1), v: fc.nat(VARS - 1) }),
  fc.constant({ k: 'rc_inc' as const }),
  fc.constant({ k: 'rc_dec' as const }),
  fc.constant({ k: 'atomic_inc' as const }),
  fc.record({ k: fc.constant('atomic_add' as const), n: fc.integer({ min: -2, max: 2 }) }),
  fc.constant({ k: 'atomic_read' as const }),
  fc.record({ k: fc.constant('atomic_if' as const), c: fc.integer({ min: 0, max: 2 }), v: fc.nat(VARS - 1) }),
  fc.constant({ k: 'obj_free' as const }),
  fc.constant({ k: 'obj_lock' as const }),
  fc.record({ k: fc.constant('obj_write' as const), val: fc.integer({ min: 1, max: 3 }) }),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('locked' as const),
      m: fc.nat(MUTEXES - 1),
      body: fc.array(leaf, { minLength: 1, maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('if_read' as const), v: fc.nat(VARS - 1), inner: leaf }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constantFrom('read_locked' as const, 'write_locked' as const),
      body: fc.array(leaf, { minLength: 1, maxLength: 2 }),
    }),
  },
);

export const programArb: fc.Arbitrary<string> = fc
  .array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 })
  .map(render);

/**
 * Leaves that exploring at synchronisation points must get right (sched/sync-points.ts): plain
 * accesses to the heap object (racing its kfree, or after it), and WARN_ON/BUG_ON on a plain read
 * (a fatal finding right after hidden accesses ends the execution).
 */
const plainLeaf: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ k: 'obj_read_plain' as const }),
  fc.record({ k: fc.constant('obj_write_plain' as const), val: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant('bug_if' as const), v: fc.nat(VARS - 1), c: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ k: fc.constant('warn_if' as const), v: fc.nat(VARS - 1), c: fc.integer({ min: 1, max: 3 }) }),
);

/** {@link programArb} with {@link plainLeaf}s among the operations too. */
export const programArbPlain: fc.Arbitrary<string> = fc
  .array(
    fc.array(fc.oneof({ weight: 3, arbitrary: op }, { weight: 2, arbitrary: plainLeaf }), {
      minLength: 1,
      maxLength: 3,
    }),
    { minLength: 2, maxLength: 3 },
  )
  .map(render);

/**
 * Programs of read- and write-locked sections of one rwlock_t and atomic
 * additions and reads, over the shared variables: what shared acquisitions
 * (a reader races with the previous writer only) and commuting additions
 * must get right, more densely than {@link programArb}.
 */
/** A read or a write, marked or plain, of x0 or x1. */
const accessLeaf: fc.Arbitrary<Op>[] = [
  fc.record({ k: fc.constant('read' as const), v: fc.nat(1), marked: fc.boolean() }),
  fc.record({
    k: fc.constant('write' as const),
    v: fc.nat(1),
    marked: fc.boolean(),
    val: fc.integer({ min: 1, max: 2 }),
  }),
];
const rwLeaf: fc.Arbitrary<Op> = fc.oneof(
  ...accessLeaf,
  fc.constant({ k: 'atomic_inc' as const }),
  fc.record({ k: fc.constant('atomic_add' as const), n: fc.integer({ min: -1, max: 2 }) }),
  fc.constant({ k: 'atomic_read' as const }),
  fc.record({ k: fc.constant('atomic_if' as const), c: fc.integer({ min: 0, max: 2 }), v: fc.nat(1) }),
);
/** A read section with a read section inside: a recursive reader, holding the lock across an inner one. */
const nestedRead: fc.Arbitrary<Op> = fc
  .tuple(
    fc.array(rwLeaf, { maxLength: 1 }),
    fc.array(rwLeaf, { minLength: 1, maxLength: 1 }),
    fc.array(rwLeaf, { maxLength: 1 }),
  )
  .map(([before, inner, after]) => ({
    k: 'read_locked' as const,
    body: [...before, { k: 'read_locked' as const, body: inner }, ...after],
  }));
export const rwProgramArb: fc.Arbitrary<string> = fc
  .array(
    fc.array(
      fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({
            k: fc.constantFrom('read_locked' as const, 'write_locked' as const),
            body: fc.array(rwLeaf, { minLength: 1, maxLength: 2 }),
          }),
        },
        { weight: 1, arbitrary: nestedRead },
        { weight: 1, arbitrary: rwLeaf },
      ),
      { minLength: 1, maxLength: 2 },
    ),
    { minLength: 2, maxLength: 3 },
  )
  .map(render);

function renderOp(o: Op, ind: string): string {
  switch (o.k) {
    case 'read':
      return `${ind}l = ${o.marked ? `READ_ONCE(x${o.v})` : `x${o.v}`};\n`;
    case 'write':
      return `${ind}${o.marked ? `WRITE_ONCE(x${o.v}, ${o.val})` : `x${o.v} = ${o.val}`};\n`;
    case 'incr':
      return `${ind}x${o.v} = x${o.v} + 1;\n`;
    case 'locked':
      return `${ind}mutex_lock(&m${o.m});\n${o.body.map((b) => renderOp(b, ind + '\t')).join('')}${ind}mutex_unlock(&m${o.m});\n`;
    case 'trylock':
      return `${ind}if (mutex_trylock(&m${o.m})) {\n${ind}\tx${o.v} = 9;\n${ind}\tmutex_unlock(&m${o.m});\n${ind}}\n`;
    case 'rc_inc':
      return `${ind}refcount_inc(&rc);\n`;
    case 'rc_dec':
      return `${ind}if (refcount_dec_and_test(&rc))\n${ind}\tWRITE_ONCE(dead, 1);\n`;
    case 'atomic_inc':
      return `${ind}atomic_inc(&at);\n`;
    case 'atomic_add':
      return `${ind}atomic_add(${o.n}, &at);\n`;
    case 'atomic_read':
      return `${ind}l = atomic_read(&at);\n`;
    case 'atomic_if':
      return `${ind}if (atomic_read(&at) == ${o.c})\n${ind}\tWRITE_ONCE(x${o.v}, 7);\n`;
    case 'read_locked':
      return `${ind}read_lock(&rw);\n${o.body.map((b) => renderOp(b, ind + '\t')).join('')}${ind}read_unlock(&rw);\n`;
    case 'write_locked':
      return `${ind}write_lock(&rw);\n${o.body.map((b) => renderOp(b, ind + '\t')).join('')}${ind}write_unlock(&rw);\n`;
    case 'obj_free':
      // the first thread to get here frees it (a second free would be a double free every time)
      return `${ind}if (atomic_inc_return(&freed) == 1)\n${ind}\tkfree(obj);\n`;
    case 'obj_lock':
      return `${ind}mutex_lock(&obj->lock);\n${ind}mutex_unlock(&obj->lock);\n`;
    case 'obj_write':
      return `${ind}WRITE_ONCE(obj->v, ${o.val});\n`;
    case 'obj_read_plain':
      return `${ind}l = obj->v;\n`;
    case 'obj_write_plain':
      return `${ind}obj->v = ${o.val};\n`;
    case 'bug_if':
      return `${ind}BUG_ON(x${o.v} == ${o.c});\n`;
    case 'warn_if':
      return `${ind}WARN_ON(x${o.v} == ${o.c});\n`;
    case 'if_read':
      return `${ind}if (READ_ONCE(x${o.v}))\n${renderOp(o.inner, ind + '\t')}`;
  }
}

function render(threads: Op[][]): string {
  let s = '';
  for (let v = 0; v < VARS; v++) s += `static int x${v};\n`;
  for (let m = 0; m < MUTEXES; m++) s += `static DEFINE_MUTEX(m${m});\n`;
  s += 'static DEFINE_RWLOCK(rw);\n';
  s += 'static refcount_t rc;\nstatic atomic_t at;\nstatic int dead;\n';
  s += 'struct obj { int v; struct mutex lock; };\nstatic struct obj *obj;\nstatic atomic_t freed;\n';
  threads.forEach((_, i) => {
    s += `static int res${i};\n`;
  });
  s += 'void setup(void) { refcount_set(&rc, 2); obj = kzalloc(sizeof(*obj), GFP_KERNEL); mutex_init(&obj->lock); }\n';
  threads.forEach((ops, i) => {
    s += `void thread_t${i}(void)\n{\n\tint l = 0;\n${ops.map((o) => renderOp(o, '\t')).join('')}\tres${i} = l;\n}\n`;
  });
  return s;
}

/**
 * A read (into `l`) or a write (of `val`) through the pointer `p`, marked
 * (READ_ONCE/WRITE_ONCE) or plain: what a task does with a pointer to another
 * task's local in the stack-lifetime and escape generators.
 */
export function accessThrough(write: boolean, marked: boolean, val: number): string {
  if (write) return marked ? `WRITE_ONCE(*p, ${val});` : `*p = ${val};`;
  return marked ? 'l = READ_ONCE(*p);' : 'l = *p;';
}

/**
 * Programs over a pointer to a task's local (the stack block of a helper
 * function): a thread calls a helper that publishes `&loc` in `sp`, may run
 * a few operations while it is published, may unpublish it (each step under
 * the mutex or not) and returns; other threads read `sp` and read or write
 * through it, under the mutex or not. What a use after the helper returned
 * (KASAN's stack-use-after-return) needs every strategy to get right.
 */
type StackOp =
  | { k: 'publish'; locked: boolean; body: Op[]; clear: boolean; keep: boolean }
  | { k: 'use'; locked: boolean; write: boolean; marked: boolean }
  | { k: 'plain'; op: Op };

const stackLeaf: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('read' as const), v: fc.nat(1), marked: fc.boolean() }),
  fc.record({
    k: fc.constant('write' as const),
    v: fc.nat(1),
    marked: fc.constant(true),
    val: fc.integer({ min: 1, max: 2 }),
  }),
);

const stackOp: fc.Arbitrary<StackOp> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('publish' as const),
      locked: fc.boolean(),
      body: fc.array(stackLeaf, { maxLength: 1 }),
      clear: fc.boolean(),
      keep: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('use' as const),
      locked: fc.boolean(),
      write: fc.boolean(),
      marked: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('plain' as const), op: stackLeaf }) },
);

export const stackProgramArb: fc.Arbitrary<string> = fc
  .array(fc.array(stackOp, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 })
  .map(renderStack);

function renderStack(threads: StackOp[][]): string {
  let s = 'static int x0, x1;\nstatic DEFINE_MUTEX(m0);\nstatic int *sp;\n';
  threads.forEach((_, i) => {
    s += `static int res${i};\n`;
  });
  const lock = (on: boolean, body: string, ind: string) =>
    on ? `${ind}mutex_lock(&m0);\n${body}${ind}mutex_unlock(&m0);\n` : body;
  threads.forEach((ops, i) => {
    ops.forEach((o, j) => {
      if (o.k !== 'publish') return;
      // the helper's local: published, maybe written through by another task, maybe kept in x1 before returning
      s += `static void publish_t${i}_${j}(void)\n{\n\tint loc = ${i + 1};\n\tint l = 0;\n`;
      s += lock(o.locked, '\tWRITE_ONCE(sp, &loc);\n', '\t');
      s += o.body.map((b) => renderOp(b, '\t')).join('');
      if (o.clear) s += lock(o.locked, '\tWRITE_ONCE(sp, NULL);\n', '\t');
      if (o.keep) s += '\tWRITE_ONCE(x1, loc + l);\n';
      s += '}\n';
    });
  });
  threads.forEach((ops, i) => {
    s += `void thread_t${i}(void)\n{\n\tint l = 0;\n\tint *p;\n`;
    ops.forEach((o, j) => {
      if (o.k === 'publish') s += `\tpublish_t${i}_${j}();\n`;
      else if (o.k === 'plain') s += renderOp(o.op, '\t');
      else {
        const access = accessThrough(o.write, o.marked, i + 5);
        s += lock(o.locked, `\tp = READ_ONCE(sp);\n\tif (p)\n\t\t${access}\n`, '\t');
      }
    });
    s += `\tres${i} = l;\n}\n`;
  });
  return s;
}

/**
 * Programs with spin-waits (detect/livelock.ts): loops that re-read shared
 * variables until they change, marked or plain, directly or through a helper
 * function (whose frame is gone by the back-edge), on one variable or two, a
 * bounded retry loop (its counter changes the local state), beside writes,
 * locked writes, reads and writes conditional on a read. Whether a task spins, waits for a change or is
 * reported spinning forever depends on the reads since its loop's last
 * back-edge: what the spin detector's part of a state digest must get right.
 */
type SpinOp =
  | { k: 'write'; v: number; val: number; marked: boolean }
  | { k: 'spin'; v: number; c: number; read: 'marked' | 'plain' | 'helper' }
  | { k: 'spin_pair'; a: number; b: number }
  | { k: 'retry'; v: number; c: number }
  | { k: 'locked_write'; v: number; val: number }
  | { k: 'read'; v: number }
  | { k: 'cond_write'; v: number; c: number; w: number; val: number };

const spinOp: fc.Arbitrary<SpinOp> = fc.oneof(
  fc.record({
    k: fc.constant('write' as const),
    v: fc.nat(1),
    val: fc.integer({ min: 0, max: 2 }),
    marked: fc.boolean(),
  }),
  fc.record({
    k: fc.constant('spin' as const),
    v: fc.nat(1),
    c: fc.integer({ min: 0, max: 2 }),
    read: fc.constantFrom('marked' as const, 'plain' as const, 'helper' as const),
  }),
  fc.record({ k: fc.constant('spin_pair' as const), a: fc.nat(1), b: fc.nat(1) }),
  fc.record({ k: fc.constant('retry' as const), v: fc.nat(1), c: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ k: fc.constant('locked_write' as const), v: fc.nat(1), val: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ k: fc.constant('read' as const), v: fc.nat(1) }),
  fc.record({
    k: fc.constant('cond_write' as const),
    v: fc.nat(1),
    c: fc.integer({ min: 0, max: 2 }),
    w: fc.nat(1),
    val: fc.integer({ min: 0, max: 2 }),
  }),
);

export const spinProgramArb: fc.Arbitrary<string> = fc
  .array(fc.array(spinOp, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 })
  .map(renderSpin);

function renderSpinOp(o: SpinOp): string {
  switch (o.k) {
    case 'write':
      return o.marked ? `\tWRITE_ONCE(x${o.v}, ${o.val});\n` : `\tx${o.v} = ${o.val};\n`;
    case 'spin': {
      const read = o.read === 'helper' ? `peek${o.v}()` : o.read === 'marked' ? `READ_ONCE(x${o.v})` : `x${o.v}`;
      return `\twhile (${read} != ${o.c})\n\t\tcpu_relax();\n`;
    }
    case 'spin_pair':
      return `\twhile (READ_ONCE(x${o.a}) == READ_ONCE(x${o.b}) && READ_ONCE(x${o.a}) != 0)\n\t\tcpu_relax();\n`;
    case 'retry':
      return `\tfor (i = 0; i < 2; i++)\n\t\tif (READ_ONCE(x${o.v}) == ${o.c})\n\t\t\tbreak;\n`;
    case 'locked_write':
      return `\tmutex_lock(&m0);\n\tx${o.v} = ${o.val};\n\tmutex_unlock(&m0);\n`;
    case 'read':
      return `\tl += READ_ONCE(x${o.v});\n`;
    case 'cond_write':
      return `\tif (READ_ONCE(x${o.v}) == ${o.c})\n\t\tx${o.w} = ${o.val};\n`;
  }
}

function renderSpin(threads: SpinOp[][]): string {
  let s = 'static DEFINE_MUTEX(m0);\n';
  for (let v = 0; v < 2; v++) s += `static int x${v};\nstatic int peek${v}(void) { return READ_ONCE(x${v}); }\n`;
  threads.forEach((ops, i) => {
    s += `static int res${i};\nvoid thread_t${i}(void)\n{\n\tint l = 0, i = 0;\n${ops.map(renderSpinOp).join('')}\tres${i} = l + i;\n}\n`;
  });
  return s;
}

/**
 * Programs over a file_ref_t (kernel/fileref.ts), as system calls use a
 * file: each thread takes references and drops them (the put that drops the
 * last one records its thread in `last`, as the task that runs __fput()),
 * around plain and marked accesses to shared variables (KCSAN orders them
 * by a put's release and the last put's acquire), sections under a mutex,
 * reads of the count, and atomic_add()s to it (the model's file_ref_t is
 * an atomic_t: a program may mix the two, and may set the count with
 * atomic_set() instead of file_ref_init()). The setup holds 1 to 3 references, which a
 * thread may drop too (a put without its get), so that the count reaches
 * the values where puts stop commuting (2, then 1) in many orders.
 */
type RefOp =
  | { k: 'getput'; body: Op[] }
  | { k: 'get' }
  | { k: 'put' }
  | { k: 'read' }
  | { k: 'atomic'; n: number }
  | { k: 'op'; op: Op };

const refLeaf: fc.Arbitrary<Op> = fc.oneof(
  ...accessLeaf,
  fc.record({
    k: fc.constant('locked' as const),
    m: fc.constant(0),
    body: fc.array(
      fc.record({ k: fc.constant('write' as const), v: fc.nat(1), marked: fc.constant(false), val: fc.constant(3) }),
      { minLength: 1, maxLength: 1 },
    ),
  }),
);

const refOp: fc.Arbitrary<RefOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('getput' as const), body: fc.array(refLeaf, { maxLength: 1 }) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'get' as const }) },
  { weight: 2, arbitrary: fc.constant({ k: 'put' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'read' as const }) },
  // an atomic_t's addition to the count (a program that mixes the two APIs: kernel/fileref.ts)
  { weight: 1, arbitrary: fc.record({ k: fc.constant('atomic' as const), n: fc.constantFrom(-1, 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('op' as const), op: refLeaf }) },
);

/** A {@link RefOp} of refcount_t's programs, or a refcount_set() by a thread (it registers the count: kernel/counts.ts). */
type RcOp =
  | RefOp
  | { k: 'set'; n: number }
  | {
      k: 'rc';
      call:
        | 'get_not_zero'
        | 'dec'
        | 'dec_if_one'
        | 'dec_not_one'
        | 'add2'
        | 'sub2'
        | 'refs0'
        | 'peek'
        | 'is_zero'
        | 'not_zero'
        | 'spin_zero';
    };

const rcOp: fc.Arbitrary<RcOp> = fc.oneof(
  { weight: 8, arbitrary: refOp },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('set' as const), n: fc.integer({ min: 1, max: 2 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('rc' as const),
      call: fc.constantFrom(
        'get_not_zero' as const,
        'dec' as const,
        'dec_if_one' as const,
        'dec_not_one' as const,
        'add2' as const,
        'sub2' as const,
        'refs0' as const,
        'peek' as const,
        'is_zero' as const,
        'not_zero' as const,
        'spin_zero' as const,
      ),
    }),
  },
);

/** The kernel-C of an {@link RcOp} call of refcount_t's other operations (and two atomic_t ones on its `refs`). */
const RC_CALL = {
  get_not_zero: '\tl += refcount_inc_not_zero(&rc);\n',
  dec: '\trefcount_dec(&rc);\n',
  dec_if_one: '\tl += refcount_dec_if_one(&rc);\n',
  dec_not_one: '\tl += refcount_dec_not_one(&rc);\n',
  add2: '\trefcount_add(2, &rc);\n',
  sub2: '\tl += refcount_sub_and_test(2, &rc);\n',
  refs0: '\tatomic_set(&rc.refs, 0);\n',
  peek: '\tl += atomic_read(&rc.refs);\n',
  // zero tests (kernel/counts.ts): commute with the puts that leave a reference and the gets that find one
  is_zero: '\tl += 2 * (refcount_read(&rc) == 0);\n',
  not_zero: '\tif (!refcount_read(&rc))\n\t\tWRITE_ONCE(x1, 5);\n',
  spin_zero: '\twhile (refcount_read(&rc) != 0)\n\t\tcpu_relax();\n',
} as const;

/**
 * Programs over a refcount_t, as {@link fileRefProgramArb}'s over a file_ref_t:
 * refcount_inc() and refcount_inc_not_zero() gets, refcount_dec_and_test()
 * and refcount_dec() puts, refcount_read(), refcount_dec_if_one(),
 * refcount_dec_not_one(), refcount_add() and refcount_sub_and_test() of 2,
 * zero tests (`refcount_read() == 0`, `!refcount_read()`, a spin while it is not 0),
 * atomic_add(), atomic_set() to 0 and atomic_read() of its `refs`, and
 * refcount_set()s by a thread (which bring a count back from 0); a quarter of
 * the counts set by atomic_set() of `refs` in the setup, so that only a
 * thread's refcount_set() registers them.
 */
export const refcountProgramArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.array(fc.array(rcOp, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([refs, threads, init]) => renderRefcount(refs, threads, init === 0));

function renderRefcount(refs: number, threads: RcOp[][], atomicInit: boolean): string {
  let s = 'static int x0, x1;\nstatic DEFINE_MUTEX(m0);\nstatic refcount_t rc;\nstatic int last;\n';
  threads.forEach((_, i) => {
    s += `static int res${i};\n`;
  });
  s += atomicInit
    ? `void setup(void) { atomic_set(&rc.refs, ${refs}); }\n`
    : `void setup(void) { refcount_set(&rc, ${refs}); }\n`;
  const put = (i: number, ind: string) =>
    `${ind}if (refcount_dec_and_test(&rc))\n${ind}\tWRITE_ONCE(last, ${i + 1});\n`;
  threads.forEach((ops, i) => {
    s += `void thread_t${i}(void)\n{\n\tint l = 0;\n`;
    for (const o of ops) {
      if (o.k === 'getput')
        s += `\trefcount_inc(&rc);\n${o.body.map((b) => renderOp(b, '\t')).join('')}${put(i, '\t')}`;
      else if (o.k === 'get') s += '\trefcount_inc(&rc);\n';
      else if (o.k === 'rc') s += RC_CALL[o.call];
      else if (o.k === 'put') s += put(i, '\t');
      else if (o.k === 'read') s += '\tl = refcount_read(&rc);\n';
      else if (o.k === 'set') s += `\trefcount_set(&rc, ${o.n});\n`;
      else if (o.k === 'atomic') s += `\tatomic_add(${o.n}, &rc.refs);\n`;
      else s += renderOp(o.op, '\t');
    }
    s += `\tres${i} = l;\n}\n`;
  });
  return s;
}

export const fileRefProgramArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.array(fc.array(refOp, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 }),
    // a quarter of the counts set by atomic_set(), which file_ref_init() did not initialise: puts are writes there
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([refs, threads, init]) => renderFileRef(refs, threads, init === 0 ? 'atomic_set' : 'file_ref_init'));

function renderFileRef(refs: number, threads: RefOp[][], init: string): string {
  let s = 'static int x0, x1;\nstatic DEFINE_MUTEX(m0);\nstatic atomic_t fr;\nstatic int last;\n';
  threads.forEach((_, i) => {
    s += `static int res${i};\n`;
  });
  s +=
    init === 'atomic_set'
      ? `void setup(void) { atomic_set(&fr, ${refs}); }\n`
      : `void setup(void) { file_ref_init(&fr, ${refs}); }\n`;
  const put = (i: number, ind: string) => `${ind}if (file_ref_put(&fr))\n${ind}\tWRITE_ONCE(last, ${i + 1});\n`;
  threads.forEach((ops, i) => {
    s += `void thread_t${i}(void)\n{\n\tint l = 0;\n`;
    for (const o of ops) {
      if (o.k === 'getput')
        s += `\tfile_ref_inc(&fr);\n${o.body.map((b) => renderOp(b, '\t')).join('')}${put(i, '\t')}`;
      else if (o.k === 'get') s += '\tfile_ref_inc(&fr);\n';
      else if (o.k === 'put') s += put(i, '\t');
      else if (o.k === 'read') s += '\tl = file_ref_read(&fr);\n';
      else if (o.k === 'atomic') s += `\tatomic_add(${o.n}, &fr);\n`;
      else s += renderOp(o.op, '\t');
    }
    s += `\tres${i} = l;\n}\n`;
  });
  return s;
}
