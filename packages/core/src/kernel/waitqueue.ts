/**
 * Wait queues with the kernel's task states (include/linux/wait.h,
 * kernel/sched/wait.c). Lowering expands wait_event*() into
 *   might_sleep(); if (cond) done;
 *   loop: prepare_to_wait_event(wq, state); if (cond) break;
 *         [timeout: if (!remaining) break;] schedule[_timeout](); goto loop;
 *   finish_wait(wq);
 * so the condition is re-evaluated as the kernel macro does.
 *
 * wait_event*() sleeps TASK_UNINTERRUPTIBLE, the _interruptible variants
 * TASK_INTERRUPTIBLE. wake_up() and wake_up_all() wake both (TASK_NORMAL);
 * wake_up_interruptible[_all]() wakes only TASK_INTERRUPTIBLE sleepers, as
 * try_to_wake_up()'s state match does. A timed sleep ends by its timeout only
 * when no other task can run (or, with `--timeouts anytime`, at any step, in
 * deadline order); the clock then jumps to the deadline (HZ=1000),
 * and the wait is reported as a stall, with the wake-ups that were skipped
 * because of a state mismatch.
 */
import { type Thread, threadChanged } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { Builtin, BuiltinInstr, BuiltinTable, KernelCtx, Primitive } from './api.js';
import { CONSTANTS } from '../lang/constants.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, LONG, VOID } from '../lang/ctype.js';
import type { PrimState } from '../state/prim.js';
import { CLOCK_KEY, type DepKey, TIMERS_KEY, taskKey, syncKey, wakeKey } from '../state/keys.js';
import { type MissedWake, waitStall } from '../detect/hungtask.js';
import { mightSleep } from '../detect/lockdep.js';
import { callText1 } from './call-text.js';

const TASK_INTERRUPTIBLE = 1;
const TASK_UNINTERRUPTIBLE = 2;
const TASK_NORMAL = 3;

/** A wait queue head: the sleeping tasks with the state they sleep in. */
export interface WaitQueueState extends PrimState {
  readonly p: 'wq';
  readonly waiters: readonly { readonly tid: number; readonly state: number }[];
}

interface SleepInfo {
  wq: string;
  missed: readonly MissedWake[];
}

function sleepInfo(t: Thread): SleepInfo | undefined {
  return t.sleepWq === undefined ? undefined : { wq: t.sleepWq, missed: t.missedWakes ?? [] };
}

function wqOf(m: KernelCtx, t: Thread, p: Value, what: string) {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<WaitQueueState>(r.alloc, r.off) ?? { p: 'wq' as const, waiters: [] };
  return { alloc: r.alloc, off: r.off, key: r.key, s };
}

function wakeImpl(mode: number): Builtin {
  return {
    kind: 'step',
    deps(m, _t, a) {
      const k = m.keyOf(a[0]!);
      const s = m.peek(a[0]!) as WaitQueueState | undefined;
      // on an empty queue it changes nothing but the queue's release clock (a join): two such wake-ups commute
      if (!s?.waiters.length) return { reads: [k], writes: [], adds: [wakeKey(k)] };
      const writes = [k, wakeKey(k)];
      for (const w of s.waiters) writes.push(taskKey(w.tid));
      return { reads: [], writes };
    },
    exec(m, t, a, ins) {
      const what = callText1(ins);
      const q = wqOf(m, t, a[0]!, what);
      const keep: { tid: number; state: number }[] = [];
      for (const w of q.s.waiters) {
        const wt = m.thread(w.tid);
        threadChanged(wt);
        if (w.state & mode) {
          wt.taskState = 0;
        } else {
          keep.push(w);
          if (wt.sleepWq !== undefined) wt.missedWakes = [...(wt.missedWakes ?? []), { site: m.site(t), fn: ins.name }];
        }
      }
      m.setPrim(q.alloc, q.off, { p: 'wq', waiters: keep });
      m.hbRelease(t, syncKey('wq', q.key));
      return 0;
    },
  };
}

/**
 * Has the sleep of a `__wait_schedule` a timer: a timed wait's, with jiffies
 * left (`a[0]`) other than MAX_SCHEDULE_TIMEOUT, with which schedule_timeout()
 * sleeps with no timer.
 */
function hasTimer(ins: BuiltinInstr, a: Value[]): boolean {
  return ins.extra?.timed === true && a[0] !== CONSTANTS.MAX_SCHEDULE_TIMEOUT;
}

/** The wake-ups a woken return acquires from: of the queue it slept on (state/keys.ts wakeKey). */
function wakes(t: Thread): DepKey[] {
  return t.sleepWq === undefined ? [] : [wakeKey(t.sleepWq)];
}

const WAITQUEUE: BuiltinTable = {
  init_waitqueue_head: {
    kind: 'pure',
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'init_waitqueue_head');
      m.setPrim(r.alloc, r.off, { p: 'wq', waiters: [] });
      return 0;
    },
  },
  __wait_prepare: {
    kind: 'step',
    deps: (m, t, a) => ({
      reads: m.anytimeTimeouts ? [CLOCK_KEY] : [],
      writes: [m.keyOf(a[0]!), taskKey(t.tid)],
    }),
    exec(m, t, a, ins) {
      const state = ins.extra?.taskState === 'interruptible' ? TASK_INTERRUPTIBLE : TASK_UNINTERRUPTIBLE;
      const q = wqOf(m, t, a[0]!, 'prepare_to_wait_event');
      if (!q.s.waiters.some((w) => w.tid === t.tid))
        m.setPrim(q.alloc, q.off, { p: 'wq', waiters: [...q.s.waiters, { tid: t.tid, state }] });
      t.taskState = state;
      t.sleepStart = m.jiffies;
      if (t.sleepWq !== q.key) {
        t.sleepWq = q.key;
        t.missedWakes = [];
      }
      return 0;
    },
  },
  __wait_schedule: {
    kind: 'step',
    // a woken return is an acquisition of the task's state: it never runs before the wake-up that woke it (a
    // write of that state, sched/races.ts), unless timeouts fire at any time: then the timer could have fired
    // before the wake-up, and DPOR must try it. It acquires from every wake-up of its queue before it (KCSAN's
    // happens-before), so it races with a later one that found it awake already: it could have returned first
    // With --timeouts anytime the timer may fire while others run: firing is an ordinary step that moves
    // the clock and the task's state (a wake-up writes that state too, so the two orders are both tried); it
    // fires only after every earlier deadline's, so a reversal can find it not yet due (`resume`).
    // At quiescence it fires because nothing else can run: dependent with everything, never reversed.
    // (an untimed sleep, or one with no timer (MAX_SCHEDULE_TIMEOUT), has no timer to fire: with anytime timeouts
    // it is what it is at quiescence). A woken timed return reads the clock, for the jiffies left, which a timer
    // firing while others run moves: with anytime timeouts it races with such firings
    deps: (m, t, a, ins) =>
      t.taskState === 0
        ? m.anytimeTimeouts && hasTimer(ins, a)
          ? { reads: [taskKey(t.tid), CLOCK_KEY, ...wakes(t)], writes: [] }
          : { reads: [taskKey(t.tid), ...wakes(t)], writes: [], acq: taskKey(t.tid) }
        : m.anytimeTimeouts && hasTimer(ins, a)
          ? { reads: [TIMERS_KEY], writes: [taskKey(t.tid), CLOCK_KEY, TIMERS_KEY], resume: true }
          : { reads: [taskKey(t.tid)], writes: [], noRace: true, global: true },
    enabled: (_m, t) => t.taskState === 0,
    timeout: (m, t, a, ins) =>
      hasTimer(ins, a) && t.taskState !== 0 ? (t.sleepStart ?? m.jiffies) + (a[0] as number) : undefined,
    exec(m, t, a, ins) {
      const rem = typeof a[0] === 'number' ? a[0] : 0;
      const info = sleepInfo(t);
      mightSleep(m, t, ins.extra?.text ?? 'schedule()');
      if (t.taskState !== 0) {
        // the timer fires (nothing else can run, or --timeouts anytime)
        const deadline = (t.sleepStart ?? m.jiffies) + rem;
        if (!hasTimer(ins, a)) return 0;
        m.timerFires(deadline);
        t.taskState = 0;
        waitStall(m, t, rem, ins.extra?.text ?? 'wait', info?.missed ?? []);
        return 0;
      }
      if (info) m.hbAcquire(t, syncKey('wq', info.wq));
      if (!ins.extra?.timed) return 0;
      // schedule_timeout(MAX_SCHEDULE_TIMEOUT) hands it back unchanged; else the jiffies left, 0 when woken at
      // or after the deadline (schedule_timeout() returns max(expire - jiffies, 0)), which ___wait_cond_timeout()
      // turns into 1 if the condition holds and into a timeout if not
      if (!hasTimer(ins, a)) return rem;
      const left = (t.sleepStart ?? m.jiffies) + rem - m.jiffies;
      return Math.max(0, left);
    },
  },
  __wait_finish: {
    kind: 'step',
    deps: (m, t, a) => ({ reads: [], writes: [m.keyOf(a[0]!), taskKey(t.tid)] }),
    exec(m, t, a) {
      const q = wqOf(m, t, a[0]!, 'finish_wait');
      t.taskState = 0;
      t.sleepStart = undefined;
      t.sleepWq = undefined;
      t.missedWakes = undefined;
      if (q.s.waiters.some((w) => w.tid === t.tid))
        m.setPrim(q.alloc, q.off, { p: 'wq', waiters: q.s.waiters.filter((w) => w.tid !== t.tid) });
      return 0;
    },
  },
  wake_up: wakeImpl(TASK_NORMAL),
  wake_up_all: wakeImpl(TASK_NORMAL),
  wake_up_interruptible: wakeImpl(TASK_INTERRUPTIBLE),
  wake_up_interruptible_all: wakeImpl(TASK_INTERRUPTIBLE),
  waitqueue_active: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [m.keyOf(a[0]!)], writes: [] }),
    exec(m, t, a) {
      const q = wqOf(m, t, a[0]!, 'waitqueue_active');
      return q.s.waiters.length ? 1 : 0;
    },
  },
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  init_waitqueue_head: sig(1, 1, VOID),
  wake_up: sig(1, 1, VOID),
  wake_up_all: sig(1, 1, VOID),
  wake_up_interruptible: sig(1, 1, VOID),
  wake_up_interruptible_all: sig(1, 1, VOID),
  waitqueue_active: sig(1, 1, BOOL),
  __wait_prepare: sig(1, 1, VOID),
  __wait_schedule: sig(1, 1, LONG),
  __wait_finish: sig(1, 1, VOID),
};

/** wait_queue_head_t: the wait_event*() family and the wake_up*() family. */
export const waitqueue: Primitive = {
  name: 'waitqueue',
  builtins: WAITQUEUE,
  sigs: SIGS,
  defines: { DECLARE_WAIT_QUEUE_HEAD: 0 },
  ctype: 'wait_queue_head',
  state: { tag: 'wq', init: (): WaitQueueState => ({ p: 'wq', waiters: [] }) },
};
