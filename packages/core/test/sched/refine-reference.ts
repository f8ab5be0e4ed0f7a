/**
 * The race refiner as it was before its history was copied on write
 * (vm/refine.ts before commit 5e52eb6): every checkpoint and every restore
 * deep-copies the history. Kept as the reference refine-cow.test.ts compares
 * the copy-on-write refiner with, call by call.
 */
import type { VClock } from '../../src/state/vclock.js';
import { type DepKey, allocOfKey } from '../../src/state/keys.js';
import type { InstrKey } from '../../src/vm/refine.js';

/** One plain access run invisibly: its thread, instruction, kind, and the thread's epoch at its latest run. */
interface Hidden {
  tid: number;
  instr: InstrKey;
  write: boolean;
  epoch: number;
}

/** Visible accesses of one location: per thread, the epoch of its latest access, and of its latest write. */
interface Shown {
  any: Int32Array;
  write: Int32Array;
}

/** Per-execution history of a {@link RaceRefiner}, copied by checkpoints. */
interface History {
  hidden: Map<string, Hidden[]>;
  shown: Map<string, Shown>;
  /** Locations with hidden accesses, per allocation id. */
  byAlloc: Map<number, Set<string>>;
  /** Freed allocations: the freeing thread and its epoch then. */
  freed: Map<number, { tid: number; epoch: number }>;
  /** Per thread, the hidden accesses it ran since its last visible step (its current burst). */
  burst: Map<number, InstrKey[]>;
}

const emptyHistory = (): History => ({
  hidden: new Map(),
  shown: new Map(),
  byAlloc: new Map(),
  freed: new Map(),
  burst: new Map(),
});

/**
 * The race refiner of one exploration round (see the module comment).
 * `visible`: plain-access instructions scheduled as visible steps (found
 * racy in earlier rounds). `nthreads`: the machine's tasks (clock length).
 */
export class ReferenceRefiner {
  /** The instruction of the hidden access running now (Machine.hiddenAccess), or -1. */
  current: InstrKey = -1;
  private h: History = emptyHistory();

  /** As RaceRefiner's (the refiner's own `hides` is not compared: it reads `visible` only). */
  constructor(
    readonly visible: ReadonlySet<InstrKey>,
    private readonly nthreads: number,
    readonly found: Set<InstrKey> = new Set(),
  ) {}

  /** Start an execution: no history. */
  reset(): void {
    this.h = emptyHistory();
    this.current = -1;
  }

  /** The per-execution history, for a checkpoint (copied: the original goes on changing). */
  save(): unknown {
    const h = this.h;
    const hidden = new Map<string, Hidden[]>();
    for (const [k, v] of h.hidden)
      hidden.set(
        k,
        v.map((e) => ({ ...e })),
      );
    const shown = new Map<string, Shown>();
    for (const [k, v] of h.shown) shown.set(k, { any: v.any.slice(), write: v.write.slice() });
    const byAlloc = new Map<number, Set<string>>();
    for (const [k, v] of h.byAlloc) byAlloc.set(k, new Set(v));
    const burst = new Map<number, InstrKey[]>();
    for (const [k, v] of h.burst) burst.set(k, v.slice());
    return { hidden, shown, byAlloc, freed: new Map(h.freed), burst } satisfies History;
  }

  /** Go back to a history {@link save} returned (copied again: a checkpoint is restored many times). */
  restore(saved: unknown): void {
    this.h = saved as History;
    this.h = this.save() as History;
  }

  /**
   * An access of thread `tid` (clock `vc`) to `loc`:
   * a hidden one when {@link current} is set. Notes every hidden access it is
   * concurrent and in conflict with (marked or not: a plain access racing a
   * marked one is a race too), and itself if it is hidden and conflicts with
   * a concurrent access.
   */
  access(tid: number, vc: VClock, loc: string, write: boolean): void {
    const h = this.h;
    const me = this.current;
    const hidden = h.hidden.get(loc);
    if (hidden) {
      for (const e of hidden) {
        if (e.tid === tid || !(e.write || write) || vc[e.tid]! >= e.epoch) continue;
        this.found.add(e.instr);
        if (me >= 0) this.found.add(me);
      }
    }
    const epoch = vc[tid]!;
    if (me >= 0) {
      const shown = h.shown.get(loc);
      if (shown) {
        const seen = write ? shown.any : shown.write;
        for (let u = 0; u < seen.length; u++) if (u !== tid && seen[u]! > 0 && vc[u]! < seen[u]!) this.found.add(me);
      }
      const list = hidden ?? [];
      if (!hidden) {
        h.hidden.set(loc, list);
        const alloc = allocOfKey(loc as DepKey) ?? -1;
        let locs = h.byAlloc.get(alloc);
        if (!locs) h.byAlloc.set(alloc, (locs = new Set()));
        locs.add(loc);
      }
      const old = list.find((e) => e.tid === tid && e.instr === me && e.write === write);
      if (old) old.epoch = epoch;
      else list.push({ tid, instr: me, write, epoch });
      return;
    }
    let shown = h.shown.get(loc);
    if (!shown) {
      shown = { any: new Int32Array(this.nthreads), write: new Int32Array(this.nthreads) };
      h.shown.set(loc, shown);
    }
    shown.any[tid] = epoch;
    if (write) shown.write[tid] = epoch;
  }

  /** Thread `tid` runs a visible step: its burst of hidden accesses starts afresh. */
  visibleStep(tid: number): void {
    const b = this.h.burst.get(tid);
    if (b) b.length = 0;
  }

  /** Thread `tid` runs the hidden access {@link current} (Machine.hiddenAccess). */
  hiddenStep(tid: number): void {
    let b = this.h.burst.get(tid);
    if (!b) this.h.burst.set(tid, (b = []));
    b.push(this.current);
  }

  /**
   * A fatal finding ends the execution. At the usual granularity, the other
   * threads could have run before each hidden access of the threads'
   * current bursts (the one running included), and the fatal finding could
   * have come before them: so they all become scheduling points (they do
   * not race, but the execution's end does not commute with them).
   */
  fatal(): void {
    for (const b of this.h.burst.values()) for (const k of b) this.found.add(k);
    if (this.current >= 0) this.found.add(this.current);
  }

  /** kfree of allocation `alloc` by `tid` (clock `vc`): in conflict with every hidden access of it. */
  free(tid: number, vc: VClock, alloc: number): void {
    const h = this.h;
    h.freed.set(alloc, { tid, epoch: vc[tid]! });
    for (const loc of h.byAlloc.get(alloc) ?? []) {
      for (const e of h.hidden.get(loc) ?? []) if (e.tid !== tid && vc[e.tid]! < e.epoch) this.found.add(e.instr);
    }
  }

  /**
   * A hidden access of `tid` (clock `vc`) found allocation `alloc` freed: if
   * the kfree is concurrent with it, the access could have run before it,
   * so it becomes a scheduling point.
   */
  freedBefore(tid: number, vc: VClock, alloc: number): void {
    const f = this.h.freed.get(alloc);
    if (this.current >= 0 && f && f.tid !== tid && vc[f.tid]! < f.epoch) this.found.add(this.current);
  }
}
