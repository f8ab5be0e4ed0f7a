import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Event, HbClocks, HbScratch, canonicalForm, hbClocks } from '../../src/sched/events.js';
import { type VClock, increment, join, leqExcept } from '../../src/state/vclock.js';

/**
 * The happens-before clocks as they were computed before HbClocks (one full
 * pass, a global event joining every earlier event, maps of lists): the
 * reference the lazy, typed-array version must agree with.
 */
function referenceClocks(events: readonly Event[], nthreads: number): VClock[] {
  const len = events.length;
  const buf = new Int32Array(len * nthreads);
  const out: VClock[] = new Array(len);
  const lastOfThread = new Int32Array(nthreads).fill(-1);
  const lastWrite = new Map<number, number>();
  const readsSince = new Map<number, number[]>();
  let lastGlobal = -1;
  for (let i = 0; i < len; i++) {
    const e = events[i]!;
    const vc = buf.subarray(i * nthreads, i * nthreads + nthreads);
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

/** Random executions: up to 5 threads, a few locations (some with large interned numbers), rare globals. */
const locArb = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 300 }));
const eventsArb = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc
    .array(
      fc.record({
        tid: fc.integer({ min: 0, max: n - 1 }),
        reads: fc.array(locArb, { maxLength: 3 }),
        writes: fc.array(locArb, { maxLength: 2 }),
        global: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
      }),
      { maxLength: 60 },
    )
    .map((es) => ({
      n,
      events: es.map((e): Event => ({ ...e, acq: -1, acqTry: false, noRace: false })),
    })),
);

const plain = (cs: readonly VClock[]) => cs.map((c) => [...c]);

describe('happens-before clocks', () => {
  it('agree with the reference computation on random executions', () => {
    fc.assert(
      fc.property(eventsArb, ({ n, events }) => {
        expect(plain(hbClocks(events, n))).toEqual(plain(referenceClocks(events, n)));
      }),
      { numRuns: 500 },
    );
  });

  it('computed lazily on a shared scratch, answer as the full computation does, in any order of questions', () => {
    const scratch = new HbScratch();
    fc.assert(
      fc.property(
        eventsArb,
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
        ({ n, events }, asks, b) => {
          const ref = referenceClocks(events, n);
          const bound = Int32Array.from(b.map((x) => x % 8));
          // a scratch's arrays hold the previous sequence's clocks: each instance starts from garbage
          const other = new HbClocks(events.slice().reverse(), n, scratch);
          other.upTo(events.length);
          const hb = new HbClocks(events, n, scratch);
          for (const a of asks) {
            if (!events.length) break;
            const i = a % events.length;
            const skip = events[i]!.tid;
            expect(hb.leqExcept(i, bound.subarray(0, n), skip)).toBe(leqExcept(ref[i]!, bound.subarray(0, n), skip));
          }
          hb.upTo(events.length - 1);
          expect(plain(hb.all())).toEqual(plain(ref));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('give the same canonical forms as the reference clocks', () => {
    fc.assert(
      fc.property(eventsArb, ({ n, events }) => {
        expect(canonicalForm(events, n)).toBe(canonicalForm(events, n, referenceClocks(events, n)));
      }),
      { numRuns: 300 },
    );
  });
});
