/**
 * Happens-before clocks of the explorer's executions, kept from one execution
 * to the next: an execution shares a prefix with the one before it (DPOR
 * replays the path down to the node whose child changed), and the clock of
 * an event depends on the events before it only, so the prefix's clocks are
 * kept and only the new events' computed. The location bookkeeping the
 * clocks need (the last write of each location and the reads and additions
 * since, each thread's last event, the last global event) is a trailed
 * {@link LastAccesses}, cut back with the clocks.
 *
 * The clocks are the ones ./events.ts HbClocks computes (tests compare
 * them): event i's clock is its thread's previous event's, counted once
 * more, joined with the last global event's, every thread's last event's
 * for a global event, and per location the clocks of the events it depends
 * on there (the last write; for a read the additions since it, for an
 * addition the reads since it, for a write both).
 */
import type { VClock } from '../state/vclock.js';
import type { Event } from './events.js';
import { ADDS, LastAccesses, READS } from './last-accesses.js';

export class PrefixClocks {
  private readonly last: LastAccesses;
  /** The clocks, `n` counters per event. */
  private buf = new Int32Array(0);
  /**
   * Views of `buf`, by event index, kept from one execution to the next
   * (remade when `buf` grows): event j's view is the same object whatever
   * the execution, so an execution makes views only past the deepest one
   * before it, where it made one per new event.
   */
  private views: VClock[] = [];

  /** Clocks of `n` threads' events. */
  constructor(readonly n: number) {
    this.last = new LastAccesses(n);
  }

  /** Events whose clocks are computed. */
  get length(): number {
    return this.last.length;
  }

  /**
   * The clocks of `events`, of which the first `keep` are the ones computed
   * before (the same events, in the same order: the caller vouches for it).
   * Returns one view per event, valid until the next call (the array is the
   * caller's; the views' contents change when a later call recomputes them).
   */
  of(events: readonly Event[], keep: number): VClock[] {
    const k = Math.min(keep, this.last.length, events.length);
    this.last.truncate(k);
    const n = this.n;
    const views = this.views;
    if (events.length * n > this.buf.length) {
      const b = new Int32Array(Math.max(events.length * n, 2 * this.buf.length, 64 * n));
      b.set(this.buf.subarray(0, k * n));
      this.buf = b;
      views.length = k;
      for (let i = 0; i < k; i++) views[i] = b.subarray(i * n, i * n + n);
    }
    for (let j = k; j < events.length; j++) {
      this.compute(j, events[j]!);
      this.last.record(j, events[j]!);
      // (j never passes the views' end: every event below j has its view)
      if (j === views.length) views.push(this.buf.subarray(j * n, j * n + n));
    }
    return views.slice(0, events.length);
  }

  /** buf[into..] := max(buf[into..], buf[from..]), clocks by their offsets. */
  private join(into: number, from: number): void {
    const buf = this.buf;
    for (let t = 0; t < this.n; t++) if (buf[from + t]! > buf[into + t]!) buf[into + t] = buf[from + t]!;
  }

  /** Event `j`'s clock, from the state after events 0..j-1. */
  private compute(j: number, e: Event): void {
    const n = this.n;
    const buf = this.buf;
    const last = this.last;
    const me = j * n;
    const p = last.lastOf(e.tid);
    if (p >= 0) buf.copyWithin(me, p * n, p * n + n);
    else buf.fill(0, me, me + n);
    buf[me + e.tid]!++;
    const g = last.global;
    if (g >= 0) this.join(me, g * n);
    if (e.global)
      for (let t = 0; t < n; t++) {
        const l = last.lastOf(t);
        if (l >= 0) this.join(me, l * n);
      }
    for (const r of e.reads) {
      const w = last.lastWrite(r);
      if (w >= 0) this.join(me, w * n);
      for (let q = last.firstEntry(ADDS, r); q >= 0; q = last.nextEntry(q)) this.join(me, last.entryEvent(q) * n);
    }
    for (const x of e.adds) {
      const w = last.lastWrite(x);
      if (w >= 0) this.join(me, w * n);
      for (let q = last.firstEntry(READS, x); q >= 0; q = last.nextEntry(q)) this.join(me, last.entryEvent(q) * n);
    }
    for (const x of e.writes) {
      const w = last.lastWrite(x);
      if (w >= 0) this.join(me, w * n);
      for (let q = last.firstEntry(READS, x); q >= 0; q = last.nextEntry(q)) this.join(me, last.entryEvent(q) * n);
      for (let q = last.firstEntry(ADDS, x); q >= 0; q = last.nextEntry(q)) this.join(me, last.entryEvent(q) * n);
    }
  }
}
