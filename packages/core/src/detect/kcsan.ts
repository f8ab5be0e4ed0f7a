/**
 * KCSAN-style data-race detection by happens-before (vector clocks, as in
 * DJIT+/FastTrack: Flanagan and Freund, PLDI 2009; plain vector clocks suffice
 * for a handful of threads).
 *
 * A data race is two conflicting accesses to one location (at least one a
 * write) from different tasks, not ordered by happens-before, and not both
 * marked (READ_ONCE/WRITE_ONCE, atomics, refcount_t). This is the strict
 * LKMM definition: CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC is not assumed, so
 * a plain write racing a READ_ONCE is reported (it needs WRITE_ONCE).
 *
 * Happens-before comes from lock release/acquire, atomics and refcount
 * operations (release/acquire on the counter), xarray operations, wake-ups
 * (waker before the woken task's return from schedule), completions, and the
 * scenario's fork (setup before the threads) and join (threads before check).
 */
import type { Site } from '../state/state.js';
import { type Hash64, fmix, strHash } from '../state/hash.js';
import type { Value } from '../state/values.js';
import { type VClock, copyClock, covers, increment, join, newClock } from '../state/vclock.js';
import type { ReportCtx } from './ctx.js';
import { type ChargeCtx, type Finding, finding, findingKey } from './finding.js';

interface Shadow {
  /** Last write: task, its clock component, marked?, site. */
  w: { tid: number; c: number; marked: boolean; site: Site; what: string; value: Value } | null;
  /** Reads since the last write, per task. */
  r: Map<number, { c: number; marked: boolean; site: Site; what: string }>;
}

export class Kcsan {
  private vc: VClock[];
  private sync = new Map<string, VClock>();
  private shadow = new Map<string, Shadow>();

  /**
   * `show` renders a value for the "value changed" line; it runs only when
   * a race is reported, so accesses stay cheap.
   */
  constructor(
    private readonly nthreads: number,
    private readonly reported: Set<string>,
    private readonly show: (v: Value) => string = String,
  ) {
    this.vc = Array.from({ length: nthreads }, (_, t) => {
      const v = newClock(nthreads);
      increment(v, t);
      return v;
    });
  }

  /** All threads start after setup: nothing to do since clocks start ordered after it. */

  /**
   * A copy with the same clocks and shadow memory, sharing the reported set
   * (the explorer's checkpoints: vm/machine.ts snapshot). Shadow entries'
   * last writes are replaced, never changed, so they are shared.
   */
  clone(): Kcsan {
    const c = new Kcsan(this.nthreads, this.reported, this.show);
    c.vc = this.vc.map(copyClock);
    for (const [k, v] of this.sync) c.sync.set(k, copyClock(v));
    for (const [k, sh] of this.shadow) c.shadow.set(k, { w: sh.w, r: new Map(sh.r) });
    return c;
  }

  /** Add the detector state to a state digest (state/hash.ts): clocks, sync objects' clocks, shadow memory. */
  hashInto(h: Hash64): void {
    for (const c of this.vc) for (let i = 0; i < c.length; i++) h.seq(c[i]!);
    let a = 0;
    let b = 0;
    for (const [k, c] of this.sync) {
      let x = strHash(k);
      for (let i = 0; i < c.length; i++) x = fmix(x ^ Math.imul(c[i]! + 1, 0x9e3779b1));
      a = (a + x) | 0;
      b = (b + fmix(x ^ 0x1b873593)) | 0;
    }
    h.seq(fmix(a)).seq(fmix(b));
    a = 0;
    b = 0;
    for (const [k, sh] of this.shadow) {
      let x = strHash(k);
      if (sh.w)
        x = fmix(
          x ^ Math.imul(sh.w.tid + 1, 0x27d4eb2f) ^ Math.imul(sh.w.c + 7, 0x165667b1) ^ (sh.w.marked ? 0x5bd1e995 : 0),
        );
      else x = fmix(x ^ 0x2545f491);
      let r = 0;
      for (const [t, e] of sh.r)
        r = (r + fmix(Math.imul(t + 1, 0x85ebca6b) ^ Math.imul(e.c + 3, 0xc2b2ae35) ^ (e.marked ? 1 : 0))) | 0;
      x = fmix(x ^ r);
      a = (a + x) | 0;
      b = (b + fmix(x ^ 0x68e31da4)) | 0;
    }
    h.seq(fmix(a)).seq(fmix(b));
  }

  /** Release: publish this task's clock on a sync object (lock, counter, queue). */
  release(tid: number, key: string): void {
    const v = this.vc[tid]!;
    const s = this.sync.get(key);
    if (s) join(s, v);
    else this.sync.set(key, copyClock(v));
    increment(v, tid);
  }

  /** Acquire: join a sync object's clock into this task's clock. */
  acquire(tid: number, key: string): void {
    const s = this.sync.get(key);
    if (!s) return;
    join(this.vc[tid]!, s);
  }

  /** Acquire and release (an atomic read-modify-write). */
  rmw(tid: number, key: string): void {
    this.acquire(tid, key);
    this.release(tid, key);
  }

  /** Join every thread's clock into `tid` (the check phase runs after all threads). */
  joinAll(tid: number): void {
    const v = this.vc[tid]!;
    for (const o of this.vc) join(v, o);
  }

  /**
   * Check one access; returns a data-race finding for the first unordered
   * conflicting access (once per pair of code sites over the exploration).
   */
  access(
    tid: number,
    loc: string,
    write: boolean,
    marked: boolean,
    site: Site,
    what: string,
    value: Value,
    ctx: ChargeCtx & Pick<ReportCtx, 'records'>,
  ): Finding | undefined {
    if (tid >= this.nthreads) return undefined;
    let sh = this.shadow.get(loc);
    if (!sh) {
      sh = { w: null, r: new Map() };
      this.shadow.set(loc, sh);
    }
    const v = this.vc[tid]!;
    let found: Finding | null | undefined;
    const w = sh.w;
    if (w && w.tid !== tid && !covers(v, w.tid, w.c) && !(w.marked && marked)) {
      found = this.report(ctx, w.site, w.what, true, site, what, write, [w.value, value]);
    }
    if (write) {
      if (found === undefined) {
        for (const [rt, r] of sh.r) {
          if (rt !== tid && !covers(v, rt, r.c) && !(r.marked && marked)) {
            found = this.report(ctx, r.site, r.what, false, site, what, true, null);
            break;
          }
        }
      }
      sh.w = { tid, c: v[tid]!, marked, site, what, value };
      sh.r = new Map();
    } else {
      sh.r.set(tid, { c: v[tid]!, marked, site, what });
    }
    return found ?? undefined;
  }

  /**
   * The finding for a race between access a and access b (with the written
   * value's change, when a is the write before b): undefined when the pair of
   * sites was reported before; null when it is new but the run records no
   * finding with its key (it is not built, and counts as reported).
   */
  private report(
    ctx: ChargeCtx & Pick<ReportCtx, 'records'>,
    a: Site,
    aWhat: string,
    aWrite: boolean,
    b: Site,
    bWhat: string,
    bWrite: boolean,
    change: readonly [from: Value, to: Value] | null,
  ): Finding | null | undefined {
    const fa = a.stack[0];
    const fb = b.stack[0];
    const siteA = fa ? `${fa.file}:${fa.line}:${fa.column}` : '?';
    const siteB = fb ? `${fb.file}:${fb.line}:${fb.column}` : '?';
    const pair = siteA <= siteB ? `${siteA}|${siteB}` : `${siteB}|${siteA}`;
    if (this.reported.has(pair)) return undefined;
    this.reported.add(pair);
    // a run that looks for one finding records no other: build none (the pair counts as reported all the same)
    if (ctx.records && !ctx.records(findingKey('data-race', [pair]))) return null;
    const fnA = fa?.fn ?? '?';
    const fnB = fb?.fn ?? '?';
    const details = [
      '',
      `${aWrite ? 'write' : 'read'} to ${aWhat} by task ${a.task}:`,
      ...a.stack.map((f) => ` ${f.fn}+0x0/0x0 (${f.file}:${f.line})`),
      '',
      `${bWrite ? 'write' : 'read'} to ${bWhat} by task ${b.task}:`,
      ...b.stack.map((f) => ` ${f.fn}+0x0/0x0 (${f.file}:${f.line})`),
    ];
    if (change && aWrite) details.push('', `value changed: ${this.show(change[0])} -> ${this.show(change[1])}`);
    const acc = (what: string, write: boolean) => `${write ? 'write' : 'read'} to ${what}`;
    return finding(ctx, 'data-race', `BUG: KCSAN: data-race in ${fnA} / ${fnB}`, {
      sites: [
        [acc(aWhat, aWrite), a],
        [acc(bWhat, bWrite), b],
      ],
      details,
      key: [pair],
    });
  }
}
