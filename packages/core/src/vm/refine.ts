/**
 * Scheduling at synchronisation operations, and finding the plain accesses
 * that must be scheduled after all (docs/scheduler.md, "Synchronisation
 * points").
 *
 * With `Machine.refiner` set, a plain access to shared memory (not marked,
 * not an acquire or release, checked by KCSAN) is not a visible step: it runs
 * inside its thread's burst, right after the thread's previous visible step,
 * unless its instruction is in {@link RaceRefiner.visible}. That is the
 * data-race-free reduction (Adve and Hill's DRF0; CHESS schedules only at
 * synchronisation operations and makes racy accesses scheduling points,
 * Musuvathi et al., OSDI 2008): an access that no access of another thread
 * can race with (none is concurrent with it by happens-before) commutes with
 * everything the other threads do between the thread's previous visible step
 * and it, so running it early loses no behaviour. The refiner watches every
 * execution for a plain access run invisibly that conflicts with a
 * concurrent access of another thread (a write of the same location, or any
 * access if it writes; a kfree of its object), by the vector clocks KCSAN
 * keeps, and names its instruction ({@link RaceRefiner.found}); the
 * exploration then starts again with those instructions visible, until an
 * exploration finds none (sched/sync-points.ts). Unlike KCSAN's shadow
 * (the last write and the reads since), the refiner keeps every instruction's
 * latest epoch per location and thread, so that each concurrent pair is seen
 * whichever access a later one hides.
 */
import type { VClock } from '../state/vclock.js';
import { type DepKey, allocOfKey } from '../state/keys.js';

/** An instruction: function index and pc, as one number (`fn * 2^16 + pc`). */
export type InstrKey = number;

/** The key of instruction `pc` of function `fn`. */
export function instrKey(fn: number, pc: number): InstrKey {
  return fn * 65536 + pc;
}

/**
 * One plain access run invisibly: its thread, instruction, kind, and the
 * thread's epoch at its latest run (never changed: a later run replaces it,
 * so that lists copied on write share their entries).
 */
interface Hidden {
  readonly tid: number;
  readonly instr: InstrKey;
  readonly write: boolean;
  readonly epoch: number;
}

/**
 * A part of a {@link History} that changes in place: its generation says
 * which refiner state may change it (copy on write, as KCSAN's shadow
 * memory, detect/kcsan.ts).
 */
interface Owned {
  gen: number;
}

/** The hidden accesses of one location. */
interface HiddenList extends Owned {
  list: Hidden[];
}

/** Visible accesses of one location: per thread, the epoch of its latest access, and of its latest write. */
interface Shown extends Owned {
  any: Int32Array;
  write: Int32Array;
}

/** The ids of the locations of one allocation that have hidden accesses. */
interface AllocLocs extends Owned {
  locs: number[];
}

/** The hidden accesses a thread ran since its last visible step (its current burst). */
interface Burst extends Owned {
  keys: InstrKey[];
}

/**
 * A table of a {@link History}, indexed by a small number (a location's id,
 * an allocation's index, a thread), copied (not its entries) before it
 * changes in another generation than its own.
 */
interface Table<V> extends Owned {
  at: (V | undefined)[];
}

/**
 * Per-execution history of a {@link RaceRefiner}. A checkpoint keeps it as
 * it is ({@link RaceRefiner.save}); the refiner then copies a table before
 * it changes it, and an entry the first time it changes it in a generation,
 * so that a checkpoint costs nothing and a step copies only what it touches
 * (arrays with an entry per location or allocation the round has met, a
 * few dozen on the model's scenarios: a copy is a short memory copy).
 */
interface History extends Owned {
  /** The refiner whose location ids index it. */
  owner: RaceRefiner;
  /** Per location id, its hidden accesses. */
  hidden: Table<HiddenList>;
  /** Per location id, its visible accesses. */
  shown: Table<Shown>;
  /** Per allocation index (0: a location of no allocation), the ids of its locations with hidden accesses. */
  byAlloc: Table<AllocLocs>;
  /** Per allocation index, the freeing thread and its epoch then (never changed in place). */
  freed: Table<{ readonly tid: number; readonly epoch: number }>;
  /** Per thread, the hidden accesses it ran since its last visible step. */
  burst: Table<Burst>;
}

type TableField = 'hidden' | 'shown' | 'byAlloc' | 'freed' | 'burst';

/**
 * Generations of every refiner (one counter, so that no two refiners
 * share one).
 */
let generations = 0;

const emptyHistory = (owner: RaceRefiner, gen: number): History => ({
  gen,
  owner,
  hidden: { gen, at: [] },
  shown: { gen, at: [] },
  byAlloc: { gen, at: [] },
  freed: { gen, at: [] },
  burst: { gen, at: [] },
});

/**
 * The race refiner of one exploration round (see the module comment).
 * `visible`: plain-access instructions scheduled as visible steps (found
 * racy in earlier rounds). `nthreads`: the machine's tasks (clock length).
 */
export class RaceRefiner {
  /** The instruction of the hidden access running now (Machine.hiddenAccess), or -1. */
  current: InstrKey = -1;
  /** The generation this refiner changes in place; a checkpoint's history (an older one) is copied first. */
  private gen = ++generations;
  private h: History = emptyHistory(this, this.gen);
  /** Location ids (dependency keys numbered in the order met), which index every history's tables. */
  private readonly ids = new Map<string, number>();
  /** Allocation indices (allocation ids, in the millions for stack blocks, numbered from 1 in the order met). */
  private readonly allocs = new Map<number, number>();

  /**
   * `found`: where the instructions of hidden accesses found racy go (to
   * be scheduled in the next round); shared by the machines of one round
   * (one per fault plan).
   */
  constructor(
    readonly visible: ReadonlySet<InstrKey>,
    private readonly nthreads: number,
    readonly found: Set<InstrKey> = new Set(),
  ) {}

  /** Is the plain access at `instr` run inside the burst (not a scheduling point)? */
  hides(instr: InstrKey): boolean {
    return !this.visible.has(instr);
  }

  /** Start an execution: no history. */
  reset(): void {
    this.gen = ++generations;
    this.h = emptyHistory(this, this.gen);
    this.current = -1;
  }

  /** The per-execution history, for a checkpoint: kept as it is from now on (this refiner copies before it changes it). */
  save(): unknown {
    this.gen = ++generations;
    return this.h;
  }

  /**
   * Go back to a history {@link save} returned (shared: it is copied before
   * it changes, being restored many times). Throws for another refiner's.
   */
  restore(saved: unknown): void {
    const h = saved as History | undefined;
    if (h?.owner !== this) throw new Error("teardown: a race refiner's history restored into another refiner");
    this.gen = ++generations;
    this.h = h;
  }

  /** Table `field` of the history, this generation's own: the history and the table copied (not its entries) if not. */
  private own<F extends TableField>(field: F): History[F]['at'] {
    let h = this.h;
    if (h.gen !== this.gen) h = this.h = { ...h, gen: this.gen };
    const t = h[field];
    if (t.gen === this.gen) return t.at;
    const copy = { gen: this.gen, at: t.at.slice() } as History[F];
    h[field] = copy;
    return copy.at;
  }

  /** The index of allocation `alloc` in {@link History.byAlloc} and {@link History.freed} (numbered on first sight). */
  private allocIndex(alloc: number): number {
    let i = this.allocs.get(alloc);
    if (i === undefined) this.allocs.set(alloc, (i = this.allocs.size + 1));
    return i;
  }

  /** The id of location `loc` (numbered on first sight). */
  private idOf(loc: string): number {
    let id = this.ids.get(loc);
    if (id === undefined) this.ids.set(loc, (id = this.ids.size));
    return id;
  }

  /**
   * An access of thread `tid` (clock `vc`) to `loc`:
   * a hidden one when {@link current} is set. Notes every hidden access it is
   * concurrent and in conflict with (marked or not: a plain access racing a
   * marked one is a race too), and itself if it is hidden and conflicts with
   * a concurrent access.
   */
  access(tid: number, vc: VClock, loc: string, write: boolean): void {
    const me = this.current;
    const id = this.idOf(loc);
    const hidden = this.h.hidden.at[id];
    if (hidden) {
      for (const e of hidden.list) {
        if (e.tid === tid || !(e.write || write) || vc[e.tid]! >= e.epoch) continue;
        this.found.add(e.instr);
        if (me >= 0) this.found.add(me);
      }
    }
    const epoch = vc[tid]!;
    if (me >= 0) {
      const shown = this.h.shown.at[id];
      if (shown) {
        const seen = write ? shown.any : shown.write;
        for (let u = 0; u < seen.length; u++) if (u !== tid && seen[u]! > 0 && vc[u]! < seen[u]!) this.found.add(me);
      }
      // this access ran last at the same epoch: nothing changes
      const at = hidden ? hidden.list.findIndex((e) => e.tid === tid && e.instr === me && e.write === write) : -1;
      if (at >= 0 && hidden!.list[at]!.epoch === epoch) return;
      let list = hidden;
      if (!list) {
        this.own('hidden')[id] = list = { gen: this.gen, list: [] };
        const alloc = allocOfKey(loc as DepKey);
        const a = alloc === undefined ? 0 : this.allocIndex(alloc);
        let locs = this.h.byAlloc.at[a];
        if (!locs) this.own('byAlloc')[a] = locs = { gen: this.gen, locs: [] };
        else if (locs.gen !== this.gen) this.own('byAlloc')[a] = locs = { gen: this.gen, locs: locs.locs.slice() };
        locs.locs.push(id);
      } else if (list.gen !== this.gen) this.own('hidden')[id] = list = { gen: this.gen, list: list.list.slice() };
      const e: Hidden = { tid, instr: me, write, epoch };
      if (at >= 0) list.list[at] = e;
      else list.list.push(e);
      return;
    }
    let shown = this.h.shown.at[id];
    if (shown?.any[tid] === epoch && (!write || shown.write[tid] === epoch)) return;
    if (!shown)
      this.own('shown')[id] = shown = {
        gen: this.gen,
        any: new Int32Array(this.nthreads),
        write: new Int32Array(this.nthreads),
      };
    else if (shown.gen !== this.gen)
      this.own('shown')[id] = shown = { gen: this.gen, any: shown.any.slice(), write: shown.write.slice() };
    shown.any[tid] = epoch;
    if (write) shown.write[tid] = epoch;
  }

  /** Thread `tid` runs a visible step: its burst of hidden accesses starts afresh. */
  visibleStep(tid: number): void {
    const b = this.h.burst.at[tid];
    if (!b || b.keys.length === 0) return;
    if (b.gen === this.gen) b.keys.length = 0;
    else this.own('burst')[tid] = undefined;
  }

  /** Thread `tid` runs the hidden access {@link current} (Machine.hiddenAccess). */
  hiddenStep(tid: number): void {
    let b = this.h.burst.at[tid];
    if (!b) this.own('burst')[tid] = b = { gen: this.gen, keys: [] };
    else if (b.gen !== this.gen) this.own('burst')[tid] = b = { gen: this.gen, keys: b.keys.slice() };
    b.keys.push(this.current);
  }

  /**
   * A fatal finding ends the execution. At the usual granularity, the other
   * threads could have run before each hidden access of the threads'
   * current bursts (the one running included), and the fatal finding could
   * have come before them: so they all become scheduling points (they do
   * not race, but the execution's end does not commute with them).
   */
  fatal(): void {
    for (const b of this.h.burst.at) if (b) for (const k of b.keys) this.found.add(k);
    if (this.current >= 0) this.found.add(this.current);
  }

  /** kfree of allocation `alloc` by `tid` (clock `vc`): in conflict with every hidden access of it. */
  free(tid: number, vc: VClock, alloc: number): void {
    const a = this.allocIndex(alloc);
    this.own('freed')[a] = { tid, epoch: vc[tid]! };
    const locs = this.h.byAlloc.at[a];
    if (!locs) return;
    for (const id of locs.locs) {
      for (const e of this.h.hidden.at[id]?.list ?? [])
        if (e.tid !== tid && vc[e.tid]! < e.epoch) this.found.add(e.instr);
    }
  }

  /**
   * A hidden access of `tid` (clock `vc`) found allocation `alloc` freed: if
   * the kfree is concurrent with it, the access could have run before it,
   * so it becomes a scheduling point.
   */
  freedBefore(tid: number, vc: VClock, alloc: number): void {
    const f = this.h.freed.at[this.allocIndex(alloc)];
    if (this.current >= 0 && f && f.tid !== tid && vc[f.tid]! < f.epoch) this.found.add(this.current);
  }
}
