/**
 * Executed events and their happens-before relation.
 *
 * An event is one visible step: its thread, the locations it reads and
 * writes (interned to numbers), and flags from the primitive (a lock
 * acquisition, a blocking return, a global timeout). Two events of different
 * threads are dependent when they touch a common location and one writes, or
 * when either is global. Happens-before is program order plus dependency
 * order, kept as one vector clock per event; the lexicographic normal form of
 * that partial order identifies the execution's Mazurkiewicz trace.
 */
import type { Deps } from '../kernel/api.js';
import { type VClock, increment, join, leqExcept, newClock } from '../state/vclock.js';

/** One visible step as the scheduler sees it: its thread and dependency information (no program state). */
export interface Event {
  tid: number;
  /** Interned locations read and written. */
  reads: number[];
  writes: number[];
  /** Lock acquired (interned), for lock races. */
  acq: number;
  /** The acquisition is a trylock (it could also have failed). */
  acqTry: boolean;
  /** Never the later event of a race (blocking returns). */
  noRace: boolean;
  /** Dependent with everything (a timeout firing). */
  global: boolean;
}

/** Interns location keys to small integers, shared by all executions of an exploration. */
export class Interner {
  private map = new Map<string, number>();
  /** The number of `key`, allocated on first sight (0, 1, 2, ...). */
  id(key: string): number {
    let v = this.map.get(key);
    if (v === undefined) {
      v = this.map.size;
      this.map.set(key, v);
    }
    return v;
  }
  /** Keys interned so far. */
  get size(): number {
    return this.map.size;
  }
}

/** The event of thread `tid`'s pending operation, from the dependency keys the VM reports (interned). */
export function toEvent(tid: number, d: Deps, intern: Interner): Event {
  return {
    tid,
    reads: d.reads.map((k) => intern.id(k)),
    writes: d.writes.map((k) => intern.id(k)),
    acq: d.acq === undefined ? -1 : intern.id(d.acq),
    acqTry: d.acqTry === true,
    noRace: d.noRace === true,
    global: d.global === true,
  };
}

/** Are two events (of different threads) dependent? */
export function dependent(a: Event, b: Event): boolean {
  if (a.global || b.global) return true;
  for (const w of a.writes) {
    if (b.writes.includes(w) || b.reads.includes(w)) return true;
  }
  for (const w of b.writes) if (a.reads.includes(w)) return true;
  return false;
}

/**
 * Vector clocks of happens-before: vc[i][t] is the number of events of
 * thread t that happen before or at event i (1-based per-thread indexes).
 * The clocks share one buffer (subarrays of it).
 */
export function hbClocks(events: readonly Event[], nthreads: number): VClock[] {
  const len = events.length;
  const buf = new Int32Array(len * nthreads);
  const out: VClock[] = new Array(len);
  const lastOfThread = new Int32Array(nthreads).fill(-1);
  const lastWrite = new Map<number, number>();
  const readsSince = new Map<number, number[]>();
  let lastGlobal = -1;
  for (let i = 0; i < len; i++) {
    const e = events[i]!;
    const base = i * nthreads;
    const vc = buf.subarray(base, base + nthreads);
    const p = lastOfThread[e.tid]!;
    if (p >= 0) vc.set(out[p]!);
    increment(vc, e.tid);
    if (lastGlobal >= 0) join(vc, out[lastGlobal]!);
    if (e.global) for (let j = 0; j < i; j++) join(vc, out[j]!);
    for (const r of e.reads) {
      const w = lastWrite.get(r);
      if (w !== undefined) join(vc, out[w]!);
    }
    for (const w of e.writes) {
      const lw = lastWrite.get(w);
      if (lw !== undefined) join(vc, out[lw]!);
      const rs = readsSince.get(w);
      if (rs) for (const j of rs) join(vc, out[j]!);
    }
    out[i] = vc;
    lastOfThread[e.tid] = i;
    for (const r of e.reads) {
      const l = readsSince.get(r);
      if (l) l.push(i);
      else readsSince.set(r, [i]);
    }
    for (const w of e.writes) {
      lastWrite.set(w, i);
      readsSince.set(w, []);
    }
    if (e.global) lastGlobal = i;
  }
  return out;
}

/**
 * Lexicographic normal form of the execution's trace: repeatedly take the
 * lowest thread whose next event has all its predecessors taken. Two
 * executions of one program are Mazurkiewicz-equivalent iff their normal
 * forms are equal.
 */
export function canonicalForm(
  events: readonly Event[],
  nthreads: number,
  vc: readonly VClock[] = hbClocks(events, nthreads),
): string {
  const byThread: number[][] = Array.from({ length: nthreads }, () => []);
  events.forEach((e, i) => {
    byThread[e.tid]!.push(i);
  });
  const pos = new Array<number>(nthreads).fill(0);
  const taken = newClock(nthreads);
  let out = '';
  for (let n = 0; n < events.length; n++) {
    for (let t = 0; t < nthreads; t++) {
      const idx = byThread[t]![pos[t]!];
      if (idx === undefined) continue;
      if (!leqExcept(vc[idx]!, taken, t)) continue;
      out += String.fromCharCode(97 + t);
      pos[t]!++;
      taken[t]!++;
      break;
    }
  }
  return out;
}
