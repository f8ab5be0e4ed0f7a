/**
 * State caching for DPOR (stateful DPOR): an execution that reaches a state
 * already explored, with a sleep set that covers the one it was explored
 * with, stops there; the races between its prefix and what can happen after
 * that state are found from a summary of the state's explored future.
 *
 * Follows Y. Yang, X. Chen, G. Gopalakrishnan, R. M. Kirby, "Efficient
 * Stateful Dynamic Partial Order Reduction", SPIN 2008: a stateless DPOR
 * misses the races of a pruned prefix with the transitions after the state it
 * matched, so the pruned state's future must be summarised (their "visible
 * operation dependency graph"). The summary here is coarser than theirs and
 * the reaction conservative: per location, which threads read and which
 * write it anywhere in the state's explored future; a prefix event that
 * conflicts with one of another thread (and does not already happen before
 * that thread's later steps) makes its node fully expanded: every enabled
 * thread not in the node's sleep set becomes a wakeup-tree child. Sleep sets
 * and state matching: P. Godefroid, "Partial-Order Methods for the
 * Verification of Concurrent Systems", LNCS 1032, 1996, ch. 6: a state first
 * explored with sleep set Z_old is pruned when revisited with Z_new only if
 * Z_old ⊆ Z_new (every thread not explored then is not to be explored now).
 *
 * The cycle proviso is not needed: a state's digest includes every thread's
 * step count (state/hash.ts), so no state is reachable from itself, and the
 * depth-first search never meets a state that is still on its stack.
 * docs/scheduler.md ("Stateful DPOR") gives the argument per detector.
 */
import type { Event } from './events.js';
import { covers } from '../state/vclock.js';

/** At most this many threads fit a summary's masks (readers, writers and lock takers, 10 bits each). */
export const SUMMARY_MAX_THREADS = 10;

const W = 10;
const A = 20;

/**
 * What a state's explored future touches, per location: the threads that
 * read it, write it and take it as a lock (`readers | writers << 10 |
 * takers << 20`, thread bit masks), each access as the race detection of
 * ./dpor.ts sees it as the later event of a race: a (non-try) lock
 * acquisition races with the previous acquisition, not through the lock's
 * location; blocking returns and timeouts are never the later event.
 */
export type Summary = Map<number, number>;

/** Add one event's accesses to a summary. */
export function addEvent(s: Summary, e: Event): void {
  if (e.noRace || e.global) return;
  const r = 1 << e.tid;
  const lockLoc = e.acq >= 0 && !e.acqTry ? e.acq : -1;
  for (const l of e.reads) if (l !== lockLoc) s.set(l, (s.get(l) ?? 0) | r);
  for (const l of e.writes) if (l !== lockLoc) s.set(l, (s.get(l) ?? 0) | (r << W));
  if (e.acq >= 0) s.set(e.acq, (s.get(e.acq) ?? 0) | (r << A));
}

/** into := into ∪ from. */
export function mergeSummary(into: Summary, from: ReadonlyMap<number, number>): void {
  for (const [l, m] of from) into.set(l, (into.get(l) ?? 0) | m);
}

/**
 * The races of an execution prefix `events` (clocks `vc`) with a cached
 * state's future: for every access of thread p in the summary, the prefix
 * events it would race with if it ran right after the prefix, found as
 * ./dpor.ts finds a pending event's (the last write of what it reads; the
 * last write and the reads since of what it writes; the previous lock
 * acquisition), kept when of another thread, after the last global event,
 * not happening before p's last step in the prefix, and immediate (not
 * happening before another candidate). A future step of p whose partner
 * lies between the state and it races with that partner instead, which is
 * in the summary too; so every race a stateless exploration of the future
 * would find with the prefix is among these. Calls `race(i, p)` for each.
 */
export function summaryRaces(
  events: readonly Event[],
  vc: readonly Int32Array[],
  n: number,
  summary: ReadonlyMap<number, number>,
  race: (i: number, p: number) => void,
): void {
  const idx = new Int32Array(events.length);
  const count = new Int32Array(n);
  const lastOf = new Int32Array(n).fill(-1);
  const lastWrite = new Map<number, number>();
  const readsSince = new Map<number, number[]>();
  const lastAcq = new Map<number, number>();
  let global = -1;
  for (let j = 0; j < events.length; j++) {
    const e = events[j]!;
    idx[j] = ++count[e.tid]!;
    lastOf[e.tid] = j;
    for (const r of e.reads) {
      const l = readsSince.get(r);
      if (l) l.push(j);
      else readsSince.set(r, [j]);
    }
    for (const w of e.writes) {
      lastWrite.set(w, j);
      readsSince.set(w, []);
    }
    if (e.acq >= 0) lastAcq.set(e.acq, j);
    if (e.global) global = j;
  }
  const before = (c: number, d: number) => covers(vc[d]!, events[c]!.tid, idx[c]!);
  const cands: number[] = [];
  for (const [loc, mask] of summary) {
    const lw = lastWrite.get(loc);
    const rs = readsSince.get(loc) ?? [];
    const la = lastAcq.get(loc);
    for (let p = 0; p < n; p++) {
      const bit = 1 << p;
      cands.length = 0;
      if (mask & (bit | (bit << W)) && lw !== undefined) cands.push(lw);
      if (mask & (bit << W)) for (const r of rs) cands.push(r);
      if (mask & (bit << A) && la !== undefined && !cands.includes(la)) cands.push(la);
      if (!cands.length) continue;
      const lp = lastOf[p]!;
      const ok = cands.filter(
        (c) => events[c]!.tid !== p && c > global && !events[c]!.global && !(lp >= 0 && before(c, lp)),
      );
      for (const c of ok) if (!ok.some((c2) => c2 !== c && before(c, c2))) race(c, p);
    }
  }
}

/** A fully explored state: the sleep set it was explored with (thread mask) and its future's summary. */
export interface CachedState {
  sleep: number;
  summary: Summary;
}

/**
 * The explored states of one exploration, by digest. A state enters when
 * its node of the exploration tree is closed (everything below it explored).
 */
export class StateCache {
  private readonly states = new Map<string, CachedState>();
  /** Executions stopped at a visited state. */
  hits = 0;

  get size(): number {
    return this.states.size;
  }

  /** The entry that covers a visit with sleep set `sleep` (thread mask), if any. */
  covering(digest: string, sleep: number): CachedState | undefined {
    const c = this.states.get(digest);
    return c && (c.sleep & ~sleep) === 0 ? c : undefined;
  }

  /**
   * Record a closed state. A state closed twice (revisited with a sleep set
   * that did not cover the first) keeps the intersection of the sleep sets
   * and the union of the summaries: both explorations together cover what
   * either covered.
   */
  close(digest: string, sleep: number, summary: Summary): void {
    const c = this.states.get(digest);
    if (!c) {
      this.states.set(digest, { sleep, summary });
      return;
    }
    c.sleep &= sleep;
    mergeSummary(c.summary, summary);
  }
}
