/**
 * The timers of timed sleeps (wait_event_timeout, wait_for_completion_timeout,
 * ...): which sleeper's timer may fire, at quiescence (the default) or, with
 * `--timeouts anytime`, while others run; time runs forward, so a timer
 * fires only when no other sleeper's deadline comes before its own
 * (docs/scheduler.md, "Timeouts").
 */
import { type Thread, threadChanged } from '../state/state.js';

/** What the timers read of a machine: its threads and the deadline of the timed sleep each is blocked in. */
export interface Sleepers {
  readonly nworkers: number;
  readonly state: { readonly threads: readonly Thread[] };
  /** Deadline (jiffies) of the timed sleep `t` is blocked in, if any (Builtin.timeout). */
  timeoutOf(t: Thread): number | undefined;
  /** Is `t`'s pending operation a timed sleep, blocked in it or not? */
  pendingTimed(t: Thread): boolean;
}

/** `--timeouts anytime`: may `t`'s timer fire now? When it sleeps with a deadline no other sleeper's comes before. */
export function timeoutDue(m: Sleepers, t: Thread): boolean {
  const d = m.timeoutOf(t);
  if (d === undefined) return false;
  for (let i = 0; i < m.nworkers; i++) {
    const u = m.state.threads[i]!;
    // a timeout deadline is defined only while its sleeper is blocked (Builtin.timeout)
    if (u === t || u.done || u.dead) continue;
    const e = m.timeoutOf(u);
    if (e !== undefined && e < d) return false;
  }
  return true;
}

/** The timed sleeper whose timer fires first (the earliest deadline, the lowest thread on a tie), or -1. */
export function firstTimeout(m: Sleepers): number {
  let best = -1;
  let bestDeadline = Infinity;
  for (let i = 0; i < m.nworkers; i++) {
    const t = m.state.threads[i]!;
    if (t.done || t.dead) continue;
    const d = m.timeoutOf(t);
    if (d !== undefined && d < bestDeadline) {
      best = i;
      bestDeadline = d;
    }
  }
  return best;
}

/**
 * The pending deadlines, one per thread (empty where none), as a string:
 * with `--timeouts anytime` a step that changes them may enable or disable
 * another sleeper's timer (a complete() that lets an earlier sleeper run
 * lets a later one's timer fire), so the explorer makes it write
 * {@link TIMERS_KEY}, which every firing reads. Each thread whose next
 * operation is a timed sleep is marked, blocked or not: a step that brings
 * a thread to a timed completion wait decides whether a firing before or
 * after it finds that thread asleep ({@link startSleeps}), and it must say
 * so in every execution, not only where the completion is not done.
 */
export function deadlines(m: Sleepers): string {
  let s = '';
  for (let i = 0; i < m.nworkers; i++) {
    const t = m.state.threads[i]!;
    if (t.done || t.dead) s += ',';
    else s += `${m.timeoutOf(t) ?? ''}${m.pendingTimed(t) ? '+' : ''},`;
  }
  return s;
}

/**
 * A timer fires and the clock is about to move: every scenario task blocked
 * in a timed sleep with no start yet (a timed completion wait: a wait
 * queue's sleep keeps its start from prepare_to_wait_event()) gets the clock
 * of now as the start its deadline counts from. The kernel fixes the
 * deadline when the task goes to sleep (schedule_timeout()), and here the
 * clock moves only when a timer fires, so the clock when the task blocked
 * is the clock now, at the first firing it sleeps through; a task woken
 * before any firing returns its whole timeout, as one that never slept.
 * `writable` hands out a thread to change (state.ts writableThread).
 */
export function startSleeps(m: Sleepers & { readonly jiffies: number }, writable: (tid: number) => Thread): void {
  for (let i = 0; i < m.nworkers; i++) {
    const t = m.state.threads[i]!;
    if (t.done || t.dead || t.sleepWq !== undefined || t.sleepStart !== undefined) continue;
    if (m.timeoutOf(t) === undefined) continue;
    const w = writable(i);
    threadChanged(w);
    w.sleepStart = m.jiffies;
  }
}
