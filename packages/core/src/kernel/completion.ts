/**
 * struct completion (kernel/sched/completion.c): complete() adds one to
 * `done` and wakes a waiter; complete_all() makes `done` effectively
 * infinite; wait_for_completion() sleeps until `done` is positive and takes
 * one. The timeout variants end by their timeout only when nothing else can
 * run, and return the jiffies left (at least 1) or 0 (kernel/sched/completion.c).
 * The model has no signals, so the _interruptible and _killable variants are
 * never interrupted.
 */
import type { Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { Builtin, BuiltinTable, Deps, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, INT, LONG, ULONG, VOID } from '../lang/ctype.js';
import { CONSTANTS } from '../lang/constants.js';
import type { PrimState } from '../state/prim.js';
import { mightSleep } from '../detect/lockdep.js';
import { CLOCK_KEY, TIMERS_KEY, syncKey } from '../state/keys.js';
import { completionStall } from '../detect/hungtask.js';
import { callText1 } from './call-text.js';

export interface CompletionState extends PrimState {
  readonly p: 'comp';
  /** `done` count; complete_all() sets UINT_MAX/2 (never consumed). */
  readonly done: number;
}

/** `done` after complete_all(): UINT_MAX/2, never consumed. */
export const COMPLETE_ALL = 0x3fffffff;

function comp(m: KernelCtx, t: Thread, p: Value, what: string) {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<CompletionState>(r.alloc, r.off) ?? { p: 'comp' as const, done: 0 };
  return { alloc: r.alloc, off: r.off, key: r.key, s };
}

function peekDone(m: KernelCtx, p: Value): number {
  const al = m.peekAlloc(p);
  if (!al || al.freeSite) return 1;
  return (m.peek(p) as CompletionState | undefined)?.done ?? 0;
}

/**
 * With `--timeouts anytime`, every change of a completion's `done` also
 * writes the timers' location: it may put a task to sleep in a timed wait
 * on it or wake one, which decides whether a timer firing then keeps the
 * clock as that task's sleep's start (KernelCtx.timerFires), and a firing
 * reads that location. Unconditional, so that an event recorded where no
 * task waited still wakes a firing from a sleep set where one does.
 */
function timersToo(m: KernelCtx, d: Deps): Deps {
  return m.anytimeTimeouts ? { ...d, writes: [...d.writes, TIMERS_KEY] } : d;
}

/**
 * The timeout of a timed wait's call, or undefined for an untimed wait and
 * for MAX_SCHEDULE_TIMEOUT (schedule_timeout() then sleeps with no timer
 * and hands the value back unchanged).
 */
function timerOf(timed: boolean, a: Value[]): number | undefined {
  if (!timed) return undefined;
  const v = typeof a[1] === 'number' ? a[1] : 0;
  return v === CONSTANTS.MAX_SCHEDULE_TIMEOUT ? undefined : v;
}

/**
 * The wait_for_completion() family (kernel/sched/completion.c
 * do_wait_for_common(), Linux 6.17): a task that finds `done` positive takes
 * one and returns its whole timeout; otherwise it sleeps, and
 * schedule_timeout() fixes the deadline then and hands back the jiffies left
 * each time it is woken, which the loop sleeps on again; woken with `done`
 * positive it takes one and returns what was left, at least 1; at the
 * deadline it returns 0. Here the clock moves only when a timer fires, so a
 * sleeping task keeps the clock of the first firing it sleeps through as its
 * sleep's start (Thread.sleepStart, set by KernelCtx.timerFires): the clock
 * when it went to sleep. One woken before any firing has its whole timeout
 * left, as one that never slept.
 */
function waitImpl(timed: boolean): Builtin {
  return {
    kind: 'step',
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      // blocked: only its timer can let it run (see __wait_schedule in waitqueue.ts for the two modes)
      // (with anytime timeouts a blocked timed wait is not stuck behind its complete(): its timer could fire
      // first, so it races with the complete() like a plain write instead of as an acquisition; the timer fires
      // only after every earlier deadline's, so a reversal can find it not yet due: `resume`, as a spin-wait's
      // end, whether it took the completion or fired where it ran: put before the complete() it is a firing;
      // taking the completion it reads the clock, for the jiffies left, which another timer's firing moves)
      // At quiescence the timer fires because nothing else can run: dependent with everything, but still the
      // later event of a race with the wait that took the completion it reads (run before that one, this
      // wait succeeds: two timed waiters on one complete() each get it in some execution)
      // Enabled, it is an acquisition, as a lock's is: `done` goes from positive to 0 by a take (a wait, a
      // try_wait_for_completion or a reinit_completion() that finds it positive, each an acquisition) and
      // back by a complete(), as a lock is taken and released, so a wait at `done` 1 races with the previous
      // take, not with the complete() that let it run. At 2 or more it could also have run before the write
      // that left `done` so (a trylock's races: `acqTry`); at UINT_MAX it takes nothing (a read), and a
      // reversal before a complete_all() from 0 finds it blocked, as a spin-wait's end (`resume`)
      // an untimed wait, or one with no timer (MAX_SCHEDULE_TIMEOUT), has no timer to fire: with anytime
      // timeouts it is what it is at quiescence
      const anytime = timerOf(timed, a) !== undefined && m.anytimeTimeouts;
      const done = peekDone(m, a[0]!);
      return done > 0
        ? anytime
          ? { reads: [CLOCK_KEY], writes: [k, TIMERS_KEY], resume: true }
          : timersToo(
              m,
              done === 1
                ? { reads: [], writes: [k], acq: k }
                : done === COMPLETE_ALL
                  ? { reads: [k], writes: [], resume: true }
                  : { reads: [], writes: [k], acq: k, acqTry: true },
            )
        : anytime
          ? { reads: [k, TIMERS_KEY], writes: [CLOCK_KEY, TIMERS_KEY], resume: true }
          : { reads: [k], writes: [], global: true };
    },
    enabled: (m, _t, a) => peekDone(m, a[0]!) > 0,
    timeout: timed
      ? (m, t, a) => {
          const timeout = timerOf(timed, a);
          return timeout === undefined || peekDone(m, a[0]!) > 0 ? undefined : sleepStart(m, t) + timeout;
        }
      : undefined,
    exec(m, t, a, ins) {
      const what = callText1(ins);
      mightSleep(m, t, what);
      const c = comp(m, t, a[0]!, what);
      const timeout = timerOf(timed, a);
      const start = sleepStart(m, t);
      if (c.s.done <= 0) {
        // only reachable through the timer (a timed wait that has one): the clock jumps to the deadline
        m.timerFires(start + timeout!);
        if (t.sleepWq === undefined) t.sleepStart = undefined;
        completionStall(m, t, timeout!, what);
        return 0;
      }
      if (timed && t.sleepWq === undefined) t.sleepStart = undefined;
      if (c.s.done !== COMPLETE_ALL) m.setPrim(c.alloc, c.off, { p: 'comp', done: c.s.done - 1 });
      m.hbAcquire(t, syncKey('comp', c.key));
      if (!timed) return 0;
      // no timer: MAX_SCHEDULE_TIMEOUT back unchanged; else the jiffies left, at least 1 (`timeout ?: 1`)
      return timeout === undefined ? CONSTANTS.MAX_SCHEDULE_TIMEOUT : Math.max(1, start + timeout - m.jiffies);
    },
  };
}

/**
 * With `--timeouts anytime`, before a complete() wakes timed waiters: every
 * task asleep in a timed completion wait keeps the clock of now as its
 * sleep's start, if it has none (no timer has fired since it went to sleep,
 * or it would have one), since a timer may fire after it is woken and before
 * it runs; its jiffies left then count from when it went to sleep, not from
 * that firing. At quiescence no timer fires while a woken task can run.
 */
function wokenKeepStart(m: KernelCtx): void {
  if (m.anytimeTimeouts) m.timerFires(m.jiffies);
}

/**
 * When `t`'s sleep in the timed completion wait it is at started: the clock
 * of the first timer firing it slept through, or now when none has fired
 * since it went to sleep (or it has not slept). A wait called inside a wait
 * queue's sleep, whose start that sleep keeps, counts from now.
 */
function sleepStart(m: KernelCtx, t: Thread): number {
  return t.sleepWq === undefined ? (t.sleepStart ?? m.jiffies) : m.jiffies;
}

const COMPLETION: BuiltinTable = {
  init_completion: {
    kind: 'pure',
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'init_completion');
      m.setPrim(r.alloc, r.off, { p: 'comp', done: 0 });
      return 0;
    },
  },
  reinit_completion: {
    kind: 'step',
    // finding `done` positive it takes it back to 0, as a wait does: an acquisition (waitImpl), as a trylock
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      return timersToo(
        m,
        peekDone(m, a[0]!) > 0 ? { reads: [], writes: [k], acq: k, acqTry: true } : { reads: [], writes: [k] },
      );
    },
    exec(m, t, a) {
      const c = comp(m, t, a[0]!, 'reinit_completion');
      m.setPrim(c.alloc, c.off, { p: 'comp', done: 0 });
      return 0;
    },
  },
  complete: {
    kind: 'step',
    deps: (m, _t, a) => timersToo(m, { reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      wokenKeepStart(m);
      const c = comp(m, t, a[0]!, 'complete');
      if (c.s.done !== COMPLETE_ALL) m.setPrim(c.alloc, c.off, { p: 'comp', done: c.s.done + 1 });
      m.hbRelease(t, syncKey('comp', c.key));
      return 0;
    },
  },
  complete_all: {
    kind: 'step',
    deps: (m, _t, a) => timersToo(m, { reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      wokenKeepStart(m);
      const c = comp(m, t, a[0]!, 'complete_all');
      m.setPrim(c.alloc, c.off, { p: 'comp', done: COMPLETE_ALL });
      m.hbRelease(t, syncKey('comp', c.key));
      return 0;
    },
  },
  wait_for_completion: waitImpl(false),
  wait_for_completion_timeout: waitImpl(true),
  // The model has no signals: the interruptible and killable waits are never interrupted (never -ERESTARTSYS).
  wait_for_completion_interruptible: waitImpl(false),
  wait_for_completion_interruptible_timeout: waitImpl(true),
  wait_for_completion_killable: waitImpl(false),
  wait_for_completion_killable_timeout: waitImpl(true),
  try_wait_for_completion: {
    kind: 'step',
    // a successful one is an acquisition too (a trylock: it still races with the write before it), so that a
    // wait after it at `done` 1 races with it (that wait could have run first, at 2)
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      return timersToo(
        m,
        peekDone(m, a[0]!) > 0 ? { reads: [], writes: [k], acq: k, acqTry: true } : { reads: [], writes: [k] },
      );
    },
    exec(m, t, a) {
      const c = comp(m, t, a[0]!, 'try_wait_for_completion');
      if (c.s.done <= 0) return 0;
      if (c.s.done !== COMPLETE_ALL) m.setPrim(c.alloc, c.off, { p: 'comp', done: c.s.done - 1 });
      m.hbAcquire(t, syncKey('comp', c.key));
      return 1;
    },
  },
  completion_done: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [m.keyOf(a[0]!)], writes: [] }),
    exec(m, t, a) {
      return comp(m, t, a[0]!, 'completion_done').s.done > 0 ? 1 : 0;
    },
  },
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  init_completion: sig(1, 1, VOID),
  reinit_completion: sig(1, 1, VOID),
  complete: sig(1, 1, VOID),
  complete_all: sig(1, 1, VOID),
  wait_for_completion: sig(1, 1, VOID),
  wait_for_completion_timeout: sig(2, 2, ULONG),
  try_wait_for_completion: sig(1, 1, BOOL),
  completion_done: sig(1, 1, BOOL),
  wait_for_completion_interruptible: sig(1, 1, INT),
  wait_for_completion_interruptible_timeout: sig(2, 2, LONG),
  wait_for_completion_killable: sig(1, 1, INT),
  wait_for_completion_killable_timeout: sig(2, 2, LONG),
};

/** struct completion. */
export const completion: Primitive = {
  name: 'completion',
  builtins: COMPLETION,
  sigs: SIGS,
  defines: { DECLARE_COMPLETION: 0 },
  ctype: 'completion',
  state: { tag: 'comp', init: (): CompletionState => ({ p: 'comp', done: 0 }) },
};
