/**
 * Race detection of one execution for DPOR (./dpor.ts): which pairs of
 * events race, e ⋖ e' in Abdulla, Aronis, Jonsson and Sagonas, "Source Sets:
 * A Foundation for Optimal Dynamic Partial Order Reduction", JACM 64(4),
 * 2017: dependent, of different threads, e happens before e' with no other
 * event between them in happens-before; for a lock acquisition, with the
 * previous acquisitions of the lock. What to do with a race (a wakeup
 * sequence, a backtrack point) is the strategy's.
 */
import { type Event, mayRace } from './events.js';
import type { LastAccesses } from './last-accesses.js';
import type { Quiescence } from './strategy.js';
import { type VClock, covers } from '../state/vclock.js';

/**
 * What a race becomes: e' (`ej`: events[j], or a blocked or pending next
 * event at slot j) is to be explored before events[i]; the execution is
 * taken up to `end` (exclusive: a blocked event at a quiescent step j sees
 * only the events before it). `idx` are the events' per-thread indexes
 * (LastAccesses.indexes).
 */
export type Reversal = (ej: Event, idx: Int32Array, i: number, j: number, end: number) => void;

/**
 * Find the races of an execution (Abdulla et al., JACM 2017, Algorithm 1's
 * e ⋖ e') and hand each to `reverse`: the races whose later event is one of
 * `events[from..]` (the events before `from` were looked at by an earlier
 * execution with the same prefix), those of the blocked threads' next events
 * at each timer firing at quiescence (as if run just before it), and those
 * of the `pending` next events of unfinished threads (as if run after the
 * last event; after a `fatal` step also with that step). `last` holds the
 * last accesses of the prefix before `from` and is brought up to the
 * execution's end; `vc` are the events' happens-before clocks (./events.ts
 * hbClocks).
 */
export function findRaces(
  last: LastAccesses,
  events: readonly Event[],
  vc: readonly VClock[],
  from: number,
  pending: readonly Event[],
  fatal: boolean,
  quiescent: readonly Quiescence[],
  reverse: Reversal,
): void {
  // the last accesses of the prefix shared with the previous execution are kept (a trail cuts them back)
  // the execution replayed the path down to its divergence node (a replay of a schedule gives its events again)
  if (events.length < from) throw new Error(`teardown: an execution of ${events.length} events diverged at ${from}`);
  last.truncate(from);
  for (let j = last.length; j < from; j++) last.record(j, events[j]!);
  const acqs: number[] = [];
  const races: [number, number][] = [];
  // the candidates of one event, each once, in the order first met (an array: a handful each, and a Set's
  // clear() reallocates its table)
  const cands: number[] = [];
  const cand = (c: number) => {
    if (!cands.includes(c)) cands.push(c);
  };
  const list: number[] = [];
  const since: number[] = [];

  /** Races of event e (with program-order predecessor pj). */
  const racesOf = (e: Event, pj: number, out: number[]) => {
    // (arrays emptied only when not empty, `since` once per event: V8 truncates an array in a runtime call)
    if (out.length !== 0) out.length = 0;
    // a global event (a timer firing at quiescence) races on what it reads, unless it is never the later
    // event of a race (a woken return: kernel/waitqueue.ts)
    if (e.noRace) return;
    const idx = last.indexes();
    if (cands.length !== 0) cands.length = 0;
    if (since.length !== 0) since.length = 0;
    const lockLoc = e.acq >= 0 && !e.acqTry ? e.acq : -1;
    for (const r of e.reads) {
      if (r === lockLoc) continue;
      const lw = last.lastWrite(r);
      if (lw >= 0) cand(lw);
      const s0 = since.length;
      last.addsSince(r, since);
      for (let k = s0; k < since.length; k++) cand(since[k]!);
    }
    for (const x of e.adds) {
      if (x === lockLoc) continue;
      const lw = last.lastWrite(x);
      if (lw >= 0) cand(lw);
      const s0 = since.length;
      last.readsSince(x, since);
      for (let k = s0; k < since.length; k++) cand(since[k]!);
    }
    for (const w of e.writes) {
      if (w === lockLoc) continue;
      const lw = last.lastWrite(w);
      if (lw >= 0) cand(lw);
      const s0 = since.length;
      last.readsSince(w, since);
      last.addsSince(w, since);
      for (let k = s0; k < since.length; k++) cand(since[k]!);
    }
    // an exclusive acquisition could have run before the reads of its lock since the write that freed it
    // (mutex_is_locked, completion_done), but for a reader's release; a reader's acquisition is raced below
    // with the others (every one, not only the immediate: an immediacy filter here would drop some)
    if (lockLoc >= 0 && !e.acqShared) {
      const s0 = since.length;
      last.readsSince(lockLoc, since);
      for (let k = s0; k < since.length; k++) {
        const r = events[since[k]!]!;
        if (!r.release && r.acq !== lockLoc) cand(since[k]!);
      }
    }
    const g = last.global;
    if (list.length !== 0) list.length = 0;
    for (const c of cands)
      if (mayRace(events, vc, idx, e, pj, c, g) && !(lockLoc >= 0 && releases(events[c]!, lockLoc))) list.push(c);
    for (const c of list) {
      // immediate: c must not happen before another direct predecessor of e
      let imm = true;
      for (const c2 of list)
        if (c2 !== c && covers(vc[c2]!, events[c]!.tid, idx[c]!)) {
          imm = false;
          break;
        }
      if (imm) out.push(c);
    }
    if (e.acq >= 0) {
      if (acqs.length !== 0) acqs.length = 0;
      last.acquisitions(e.acq, e.acqShared, acqs);
      // every one, not only those that happen before no other: a reader that took the lock before another
      // reader may still hold it when the other takes it, so reversing only the later one can put this
      // acquisition where it cannot run (an independent review's counterexample: a reader handing off to
      // another inside its read section)
      for (const a of acqs) if (mayRace(events, vc, idx, e, pj, a, g) && !cands.includes(a)) out.push(a);
    }
  };

  const found: number[] = [];
  // the blocked threads' next events at a timer firing at quiescence race as if run just before it
  const blocked: [number, Event, number][] = [];
  let q = 0;
  for (let j = from; j < events.length; j++) {
    const e = events[j]!;
    while (q < quiescent.length && quiescent[q]!.at < j) q++;
    if (q < quiescent.length && quiescent[q]!.at === j)
      for (const p of quiescent[q]!.pending) {
        racesOf(p, last.lastOf(p.tid), found);
        for (const c of found) blocked.push([c, p, j]);
      }
    racesOf(e, last.lastOf(e.tid), found);
    for (const c of found) races.push([c, j]);
    last.record(j, e);
  }
  // per-thread indexes of the events, and (slot J, written below) of a pending event as if it came next
  const idx = last.indexes();
  for (const [i, j] of races) reverse(events[j]!, idx, i, j, events.length);
  for (const [i, p, at] of blocked) reverse(p, idx, i, at, at);

  // pending events, each as if it ran right after the execution
  const J = events.length;
  for (const p of pending) {
    const pp = last.lastOf(p.tid);
    racesOf(p, pp, found);
    idx[J] = (pp >= 0 ? idx[pp]! : 0) + 1;
    // A fatal finding stopped the execution: what the unfinished threads would have done after
    // their next event is unknown, and it may touch what the fatal step touched (another thread's
    // use of memory the dying thread freed). So the next event also races with the fatal step:
    // running it first reveals the rest, whose races are then found as usual.
    // (Marked dependent with everything, as the unknown rest is: the wakeup tree must not take it
    // for a reordering of independent steps that is already explored.)
    for (const c of found) reverse(p, idx, c, J, J);
    const f = J - 1;
    if (fatal && f > last.global && events[f]!.tid !== p.tid && !events[f]!.global && !found.includes(f)) {
      if (!(pp >= 0 && covers(vc[pp]!, events[f]!.tid, idx[f]!))) reverse({ ...p, global: true }, idx, f, J, J);
    }
  }
}

/**
 * Does `c` release the lock `lock` (write it without acquiring it)? An
 * exclusive acquisition does not race with such an event through any of its
 * other locations either: it could not have run before it (a woken return
 * reads its queue's wake-ups, and the wake-up that woke it is one of them).
 */
function releases(c: Event, lock: number): boolean {
  return c.acq !== lock && c.writes.includes(lock);
}
