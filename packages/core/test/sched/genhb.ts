/**
 * A generator of programs where what KCSAN knows decides a finding: paths
 * that reach one program state but differ in happens-before (a lock taken
 * and released before or after another thread's plain write), and a later
 * plain access that only some of them see unordered, guarded by a flag read
 * with READ_ONCE (marked accesses order nothing for KCSAN), so that the race
 * is there only after a path through that state (the write marked or not:
 * a marked one races with a plain access only). Stateful DPOR's key keeps
 * of KCSAN's knowledge only the entries the state's future meets
 * (sched/projection.ts): a key that drops one it needs loses a data race
 * here, where the generic programs (./genprog.ts) lose none.
 */
import fc from 'fast-check';

type HbOp =
  | { k: 'write'; v: number; val: number; marked: boolean }
  | { k: 'read'; v: number; marked: boolean }
  | { k: 'flag'; f: number; locked: number }
  | { k: 'guarded'; f: number; v: number; write: boolean; val: number }
  | { k: 'section'; m: number }
  | { k: 'refget' }
  | { k: 'publish'; v: number; m: number; f: number; marked: boolean }
  | { k: 'consume'; m: number; f: number; v: number; write: boolean };

/** Plain data, flags, mutexes. */
const DATA = 2;
const FLAGS = 1;
const MUTEXES = 2;

const hbOp: fc.Arbitrary<HbOp> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('write' as const),
      v: fc.constantFrom(0, 0, 1),
      val: fc.integer({ min: 1, max: 2 }),
      marked: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('read' as const), v: fc.constantFrom(0, 0, 1), marked: fc.boolean() }),
  },
  // a flag set, inside a section of mutex `locked - 1` when positive
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('flag' as const),
      f: fc.nat(FLAGS - 1),
      locked: fc.constantFrom(0, 1, 1, 2),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('guarded' as const),
      f: fc.nat(FLAGS - 1),
      v: fc.constantFrom(0, 0, 1),
      write: fc.boolean(),
      val: fc.integer({ min: 1, max: 2 }),
    }),
  },
  // an empty critical section: an acquisition and a release, nothing else
  { weight: 3, arbitrary: fc.record({ k: fc.constant('section' as const), m: fc.constantFrom(0, 0, 1) }) },
  // a refcount increment (release and acquire on the counter)
  { weight: 1, arbitrary: fc.constant({ k: 'refget' as const }) },
  // the shapes that tell paths apart: a plain write, a section, a flag; a section, then the guarded access
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('publish' as const),
      v: fc.constantFrom(0, 0, 1),
      marked: fc.boolean(),
      m: fc.constantFrom(0, 0, 1),
      f: fc.nat(FLAGS - 1),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('consume' as const),
      m: fc.constantFrom(0, 0, 1),
      f: fc.nat(FLAGS - 1),
      v: fc.constantFrom(0, 0, 1),
      write: fc.boolean(),
    }),
  },
);

function renderOp(o: HbOp): string {
  switch (o.k) {
    case 'write':
      return o.marked ? `\tWRITE_ONCE(d${o.v}, ${o.val});\n` : `\td${o.v} = ${o.val};\n`;
    case 'read':
      return o.marked ? `\tl += READ_ONCE(d${o.v});\n` : `\tl += d${o.v};\n`;
    case 'flag':
      return o.locked
        ? `\tmutex_lock(&m${o.locked - 1});\n\tWRITE_ONCE(f${o.f}, 1);\n\tmutex_unlock(&m${o.locked - 1});\n`
        : `\tWRITE_ONCE(f${o.f}, 1);\n`;
    case 'guarded':
      return `\tif (READ_ONCE(f${o.f}))\n\t\t${o.write ? `d${o.v} = ${o.val};` : `l += d${o.v};`}\n`;
    case 'section':
      return `\tmutex_lock(&m${o.m});\n\tmutex_unlock(&m${o.m});\n`;
    case 'refget':
      return '\trefcount_inc(&rc);\n';
    case 'publish':
      return (
        renderOp({ k: 'write', v: o.v, val: 1, marked: o.marked }) +
        renderOp({ k: 'section', m: o.m }) +
        renderOp({ k: 'flag', f: o.f, locked: 0 })
      );
    case 'consume':
      return renderOp({ k: 'section', m: o.m }) + renderOp({ k: 'guarded', f: o.f, v: o.v, write: o.write, val: 2 });
  }
}

function render(threads: HbOp[][]): string {
  let s = '';
  for (let v = 0; v < DATA; v++) s += `static int d${v};\n`;
  for (let f = 0; f < FLAGS; f++) s += `static int f${f};\n`;
  for (let m = 0; m < MUTEXES; m++) s += `static DEFINE_MUTEX(m${m});\n`;
  s += 'static refcount_t rc;\n';
  threads.forEach((_, i) => {
    s += `static int res${i};\n`;
  });
  s += 'void setup(void) { refcount_set(&rc, 1); }\n';
  threads.forEach((ops, i) => {
    s += `void thread_t${i}(void)\n{\n\tint l = 0;\n${ops.map(renderOp).join('')}\tres${i} = l;\n}\n`;
  });
  return s;
}

/** 2 or 3 threads of 1 to 3 {@link HbOp}s. */
export const hbProgramArb: fc.Arbitrary<string> = fc
  .array(fc.array(hbOp, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 })
  .map(render);
