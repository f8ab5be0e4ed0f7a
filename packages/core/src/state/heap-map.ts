/**
 * The heap's allocations by id, as a Map would hold them (same lookups, same
 * iteration order: insertion order, a replaced entry keeping its place), but
 * copied in time proportional to what changed rather than to its size.
 *
 * A HeapMap is a shared base (a Map nobody changes any more) and its own
 * overlay of the entries set or deleted since (a deleted base entry is a
 * `null` in the overlay). A copy (state.ts cloneState, at every checkpoint
 * and restore) shares the base and copies the overlay; when the overlay
 * grows past {@link OVERLAY_MAX} entries it is folded into a new base (a
 * copy of the whole map, once per that many changes).
 */
import type { Alloc } from './state.js';

/** Overlay entries beyond which set and delete fold the overlay into a new base. */
const OVERLAY_MAX = 16;

export class HeapMap {
  /** Never changed (shared by copies). */
  private base: ReadonlyMap<number, Alloc>;
  /** Entries set since the base was made, and `null` for base entries deleted since. */
  private over: Map<number, Alloc | null>;
  private n: number;

  /** A map holding `entries` (taken over: the caller does not change it after). */
  constructor(entries: ReadonlyMap<number, Alloc> = new Map(), over?: Map<number, Alloc | null>, n?: number) {
    this.base = entries;
    this.over = over ?? new Map();
    this.n = n ?? entries.size;
  }

  get size(): number {
    return this.n;
  }

  get(id: number): Alloc | undefined {
    const v = this.over.get(id);
    if (v !== undefined) return v ?? undefined;
    return this.base.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, a: Alloc): this {
    const o = this.over.get(id);
    if (o === null) {
      // a deleted base entry comes back: a Map puts it last, so the base must lose it first
      this.fold();
    }
    if (!this.has(id)) this.n++;
    this.over.set(id, a);
    if (this.over.size > OVERLAY_MAX) this.fold();
    return this;
  }

  delete(id: number): boolean {
    if (!this.has(id)) return false;
    this.n--;
    if (this.base.has(id)) this.over.set(id, null);
    else this.over.delete(id);
    if (this.over.size > OVERLAY_MAX) this.fold();
    return true;
  }

  /** A copy: the base shared, the overlay copied (each side changes only its own overlay). */
  clone(): HeapMap {
    const over = new Map<number, Alloc | null>();
    this.over.forEach((v, k) => {
      over.set(k, v);
    });
    return new HeapMap(this.base, over, this.n);
  }

  /** Each allocation with its id, in a Map's order: the base's (replacements in place), then the new ones. */
  forEach(fn: (a: Alloc, id: number) => void): void {
    const over = this.over;
    const base = this.base;
    base.forEach((a, id) => {
      const o = over.get(id);
      if (o === undefined) fn(a, id);
      else if (o !== null) fn(o, id);
    });
    over.forEach((o, id) => {
      if (o !== null && !base.has(id)) fn(o, id);
    });
  }

  /** The allocations, in a Map's order. */
  values(): Alloc[] {
    const out: Alloc[] = [];
    this.forEach((a) => {
      out.push(a);
    });
    return out;
  }

  /** [id, allocation] pairs, in a Map's order. */
  [Symbol.iterator](): IterableIterator<[number, Alloc]> {
    const out: [number, Alloc][] = [];
    this.forEach((a, id) => {
      out.push([id, a]);
    });
    return out[Symbol.iterator]();
  }

  /** Make the overlay a new base (the old base is shared: it is copied, not changed). */
  private fold(): void {
    const m = new Map<number, Alloc>();
    this.forEach((a, id) => {
      m.set(id, a);
    });
    this.base = m;
    this.over = new Map();
  }
}
