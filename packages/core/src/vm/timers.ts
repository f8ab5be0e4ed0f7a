/**
 * The timers of timed sleeps (wait_event_timeout, wait_for_completion_timeout,
 * ...): which sleeper's timer may fire, at quiescence (the default) or, with
 * `--timeouts anytime`, while others run; time runs forward, so a timer
 * fires only when no other sleeper's deadline comes before its own
 * (docs/scheduler.md, "Timeouts").
 */
import type { Thread } from '../state/state.js';

/** What the timers read of a machine: its threads and the deadline of the timed sleep each is blocked in. */
export interface Sleepers {
  readonly nworkers: number;
  readonly state: { readonly threads: readonly Thread[] };
  /** Deadline (jiffies) of the timed sleep `t` is blocked in, if any (Builtin.timeout). */
  timeoutOf(t: Thread): number | undefined;
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
 * {@link TIMERS_KEY}, which every firing reads. With each, the start of a
 * timed completion wait the thread has called (Thread.sleepStart outside a
 * wait queue's sleep): the step that brings a thread to the call keeps the
 * clock of that moment even while the completion is done and the wait has
 * no deadline yet, so a firing before it and one after it are both tried.
 */
export function deadlines(m: Sleepers): string {
  let s = '';
  for (let i = 0; i < m.nworkers; i++) {
    const t = m.state.threads[i]!;
    if (t.done || t.dead) s += ',';
    else
      s += `${m.timeoutOf(t) ?? ''}${t.sleepWq === undefined && t.sleepStart !== undefined ? `@${t.sleepStart}` : ''},`;
  }
  return s;
}
