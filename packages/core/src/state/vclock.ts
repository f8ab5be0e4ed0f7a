/**
 * Vector clocks, the one representation of happens-before in Teardown (as
 * loom's `rt/vv.rs`): the scheduler's clocks of executed events
 * (sched/events.ts, sched/dpor.ts) and KCSAN's per-task and per-sync-object
 * clocks (detect/kcsan.ts).
 *
 * A clock is plain data, one counter per thread (thread ids are indexes, the
 * setup/check task included where a user needs it): `c[t]` is how many of
 * thread t's events (the scheduler) or release epochs (KCSAN) happen before
 * or at the point the clock describes. Counters are 1-based per thread, so 0
 * means "none of t's events". A typed array keeps a clock one allocation and
 * lets the scheduler pack the clocks of a whole execution into one buffer
 * (`subarray`).
 */

/** A vector clock: `c[t]` counts thread t's events known to happen before (1-based). */
export type VClock = Int32Array;

/** A clock of `n` threads with every counter 0 (nothing happened yet). */
export function newClock(n: number): VClock {
  return new Int32Array(n);
}

/** A copy of `c` that shares nothing with it. */
export function copyClock(c: VClock): VClock {
  return c.slice();
}

/** Pointwise maximum, in place: `into` learns everything `from` knows. Same length. */
export function join(into: VClock, from: VClock): void {
  for (let t = 0; t < into.length; t++) if (from[t]! > into[t]!) into[t] = from[t]!;
}

/** Count one more event of thread `t` in `c` (in place). */
export function increment(c: VClock, t: number): void {
  c[t]!++;
}

/** Does `c` know the `epoch`-th event of thread `t` (1-based), i.e. does that event happen before `c`? */
export function covers(c: VClock, t: number, epoch: number): boolean {
  return c[t]! >= epoch;
}

/**
 * a <= b on every thread but `skip`: the event whose clock is `a` (of thread
 * `skip`) has all its predecessors on other threads among the events `b` counts.
 */
export function leqExcept(a: VClock, b: VClock, skip: number): boolean {
  for (let t = 0; t < a.length; t++) if (t !== skip && a[t]! > b[t]!) return false;
  return true;
}
