/**
 * Checkpoints share what they can with the running machine, copy on write
 * (state/state.ts: allocations, threads and their frames; detect/kcsan.ts:
 * shadow entries, clocks). Whatever the machine does after a checkpoint
 * (more steps, other restores of it and of other checkpoints, new
 * checkpoints), restoring it gives the state a replay of its prefix from
 * the initial state reaches: the same heap, threads, KCSAN clocks and
 * shadow memory, spin detector (its read logs are shared, append-only),
 * and findings.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import type { Program } from '../../src/lang/ir.js';
import { Machine, type ScenarioSpec } from '../../src/vm/machine.js';
import type { Kcsan } from '../../src/detect/kcsan.js';
import { useParser } from '../helpers.js';
import { programArb } from './genprog.js';

useParser();

/** Nested calls (frames below the top shared by checkpoints), a wait queue, a lock and a free. */
const CALLS = `
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int x, y, done;
static DEFINE_MUTEX(m);
struct obj { int v; };
static struct obj *o;
void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); }
static int leaf(int a) { int b = READ_ONCE(x); y = a + b; return b + 1; }
static int mid(int a) { int loc = a; int *p = &loc; int r = leaf(*p); r += leaf(r); return r + READ_ONCE(y); }
void thread_a(void) { int r = mid(1); mutex_lock(&m); x = r; mutex_unlock(&m); WRITE_ONCE(done, 1); wake_up(&wq); }
void thread_b(void) { int r = leaf(2); wait_event(wq, READ_ONCE(done)); mutex_lock(&m); r += mid(r); kfree(o); o = NULL; mutex_unlock(&m); }
void thread_c(void) { mutex_lock(&m); if (o) o->v = mid(3); mutex_unlock(&m); x = 2; }
`;

/** Spin-waits (the spin detector's logs, loop marks and signatures) on a flag two threads set and clear. */
const SPIN = `
static int flag, seen, count;
void thread_waiter(void) { while (!READ_ONCE(flag)) cpu_relax(); seen = READ_ONCE(count); }
void thread_setter(void) { WRITE_ONCE(count, 1); WRITE_ONCE(flag, 1); WRITE_ONCE(count, 2); }
void thread_other(void) { int i; for (i = 0; i < 3; i++) WRITE_ONCE(count, READ_ONCE(count) + 1); }
`;

/** Plain data of everything an execution's future depends on (Maps and Sets as entry lists, sites as their JSON). */
function dump(m: Machine): unknown {
  const kcsan = (m as unknown as { kcsan: Kcsan }).kcsan;
  // without the copy-on-write generations and the digest caches
  const heap = [...m.state.heap.values()]
    .sort((a, b) => a.id - b.id)
    .map((a) => ({ ...a, gen: undefined, hash: undefined, hf1: undefined, hf2: undefined, hstatic: undefined }));
  const threads = m.state.threads.map((t) => ({
    ...t,
    gen: undefined,
    hashed: undefined,
    hash1: undefined,
    hash2: undefined,
    frames: t.frames.map((f) => ({ fn: f.fn, pc: f.pc, regs: f.regs, stack: f.stack })),
  }));
  const plain = {
    heap,
    threads,
    jiffies: m.state.jiffies,
    log: m.state.log,
    step: m.state.step,
    kcsan: kcsan.snapshot(),
    spin: m.spin,
    // data races and lock-order cycles are reported once per exploration: what a replay reports depends on what
    // the exploration reported before
    findings: m.findings.filter((f) => f.kind !== 'data-race' && f.kind !== 'lock-order').map((f) => f.key),
    injections: m.injections,
  };
  return JSON.parse(
    JSON.stringify(plain, (_k, v) =>
      v instanceof Map
        ? { map: [...v.entries()].sort((p, q) => (String(p[0]) < String(q[0]) ? -1 : 1)) }
        : v instanceof Set
          ? { set: [...v].sort() }
          : v,
    ),
  );
}

/** The state a fresh machine reaches by running `schedule` from the initial state. */
function replay(prog: Program, spec: ScenarioSpec, schedule: readonly number[]): unknown {
  const m = new Machine(prog, spec);
  m.init();
  m.begin();
  for (const t of schedule) m.step(t);
  return dump(m);
}

/**
 * Executions of `src` following `choices`: each starts from the initial
 * state or a checkpoint taken before (checked against a replay of its prefix
 * first), runs up to 60 steps and takes checkpoints now and then, and
 * ends in the state a replay of its schedule reaches. Returns the restores
 * checked.
 */
async function walk(src: string, choices: readonly number[], executions: number): Promise<number> {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const spec = programScenario(c.program)!;
  const m = new Machine(c.program, spec);
  m.init();
  if (m.setupFailed) return 0;
  let k = 0;
  let checked = 0;
  const saved: { cp: ReturnType<Machine['checkpoint']>; prefix: number[] }[] = [];
  const choose = () => choices[k++ % choices.length]!;
  for (let e = 0; e < executions; e++) {
    let schedule: number[] = [];
    if (saved.length && choose() % 4 !== 0) {
      const s = saved[choose() % saved.length]!;
      m.restoreCheckpoint(s.cp);
      schedule = s.prefix.slice();
      expect(dump(m)).toEqual(replay(c.program, spec, schedule));
      checked++;
    } else m.begin();
    for (let step = 0; step < 60 && !m.fatal; step++) {
      const enabled: number[] = [];
      for (let t = 0; t < m.nworkers; t++) if (m.enabled(t)) enabled.push(t);
      if (!enabled.length) {
        const to = m.fireableTimeout();
        if (to < 0) break;
        enabled.push(to);
      }
      const t = enabled[choose() % enabled.length]!;
      m.step(t);
      schedule.push(t);
      if (!m.fatal && choose() % 4 === 0) saved.push({ cp: m.checkpoint(), prefix: schedule.slice() });
    }
    // the live machine shares with every checkpoint too
    expect(dump(m)).toEqual(replay(c.program, spec, schedule));
  }
  return checked;
}

describe('checkpoints share state copy on write', () => {
  it('a restored checkpoint equals a replay of its prefix, on random programs', { timeout: 600_000 }, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(programArb, fc.array(fc.nat(1000), { minLength: 1, maxLength: 80 }), async (src, choices) => {
        checked += await walk(src, choices, 8);
      }),
      { numRuns: 50 },
    );
    expect(checked).toBeGreaterThan(20);
  });

  it('and through spin-waits', { timeout: 600_000 }, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1000), { minLength: 1, maxLength: 80 }), async (choices) => {
        checked += await walk(SPIN, choices, 8);
      }),
      { numRuns: 50 },
    );
    expect(checked).toBeGreaterThan(20);
  });

  it('and through calls, returns, wake-ups and frees', { timeout: 600_000 }, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1000), { minLength: 1, maxLength: 80 }), async (choices) => {
        checked += await walk(CALLS, choices, 8);
      }),
      { numRuns: 50 },
    );
    expect(checked).toBeGreaterThan(20);
  });
});
