/**
 * KCSAN's digest arithmetic (./kcsan.ts hashInto, liveEntries): per-digest
 * scratch arrays, clock components replaced by their ranks among the live
 * epochs (an order-preserving renaming), the buffer of live entries, and
 * the ids of keys.
 */
import type { VClock } from '../state/vclock.js';
import { fmix, strHash } from '../state/hash.js';

/**
 * Insert `v` into `a[0 .. len)`, sorted and of distinct numbers, unless it is there; returns the new length
 * (the arrays are short: a linear shift).
 */
export function insertSorted(a: number[], len: number, v: number): number {
  let i = len;
  while (i > 0 && a[i - 1]! > v) i--;
  if (i > 0 && a[i - 1] === v) return len;
  for (let k = len; k > i; k--) a[k] = a[k - 1]!;
  a[i] = v;
  return len + 1;
}

/** Which scenario threads have ended, per digest (reused: hashInto runs to completion). */
export const endedScratch: boolean[] = [];
/** Per-component threshold arrays, reused by every digest (hashInto runs to completion). */
const thresholds: number[][] = [];
export function thresholdScratch(n: number): number[][] {
  while (thresholds.length < n) thresholds.push([]);
  return thresholds;
}
/** hashInto's per-task cover of the others' clocks. */
let coverArr = new Int32Array(8);
export function coverScratch(n: number): Int32Array {
  if (coverArr.length < n) coverArr = new Int32Array(2 * n);
  return coverArr;
}
/** The lengths of the threshold arrays (the arrays keep older entries past them). */
let thresholdLens = new Int32Array(8);
export function thresholdLengths(n: number): Int32Array {
  if (thresholdLens.length < n) thresholdLens = new Int32Array(2 * n);
  return thresholdLens;
}
/** How many of the sorted thresholds `a[0 .. len)` the value `v` reaches. */
export function rankOf(a: readonly number[], len: number, v: number): number {
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Hash of a clock's ranks among the thresholds, per scenario thread; 0 when it reaches none. */
export function clockRanks(c: VClock, th: readonly number[][], thLen: Int32Array, workers: number): number {
  let x = 0x2545f491;
  let zero = true;
  for (let u = 0; u < workers; u++) {
    const r = rankOf(th[u]!, thLen[u]!, c[u]!);
    if (r) zero = false;
    x = fmix(x ^ Math.imul(r + 1, 0x9e3779b1) ^ u);
  }
  return zero ? 0 : x;
}

/**
 * A state's live KCSAN entries (Kcsan.liveEntries): `count` triples
 * `[location, task, hash]` in `data`. The location is KCSAN's id of it, or,
 * once the explorer has renamed it, the scheduler's interned id of that key.
 */
export interface LiveEntries {
  data: Int32Array;
  count: number;
}

/** In a live entry's task: the entry is marked (READ_ONCE, WRITE_ONCE, an atomic), which only a plain access can race with. */
export const LIVE_MARKED = 1 << 16;

/** An empty LiveEntries to fill. */
export function liveEntriesBuffer(): LiveEntries {
  return { data: new Int32Array(96), count: 0 };
}

/** Append a triple to `out` (grown when full). */
export function pushLive(out: LiveEntries, loc: number, tid: number, hash: number): void {
  const o = 3 * out.count;
  if (o + 3 > out.data.length) {
    const d = new Int32Array(2 * out.data.length);
    d.set(out.data);
    out.data = d;
  }
  out.data[o] = loc;
  out.data[o + 1] = tid;
  out.data[o + 2] = hash;
  out.count++;
}

/**
 * Small integer ids for keys (append-only, shared by a detector and its
 * clones), with each key and its hash (the digest's) by id.
 */
export class KeyIds {
  private readonly ids = new Map<string, number>();
  readonly keys: string[] = [];
  readonly hashes: number[] = [];

  /** The id of `key`, or undefined when no clone has met it. */
  get(key: string): number | undefined {
    return this.ids.get(key);
  }

  /** The id of `key`, a new one the first time any clone meets it. */
  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(key, id);
      this.keys.push(key);
      this.hashes.push(strHash(key));
    }
    return id;
  }
}

/**
 * The ids of the locations and sync objects a detector and its clones have
 * met, so that their shadow memory and sync clocks are arrays, which a
 * clone copies cheaply.
 */
export interface KcsanIndex {
  locs: KeyIds;
  syncs: KeyIds;
}
