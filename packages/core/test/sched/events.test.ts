import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Event, HbClocks, HbScratch, canonicalForm, dependent, hbClocks } from '../../src/sched/events.js';
import { type VClock, increment, join, leqExcept } from '../../src/state/vclock.js';
import { plainEvent } from './event.js';

/**
 * Happens-before by its definition: event i comes after every earlier event
 * of its thread and every earlier event dependent with it (`dependent`:
 * conflicting reads, writes and additions, globals), transitively. The
 * reference the lazy, typed-array HbClocks (which joins only the last
 * write, the reads and additions since it) must agree with. O(len²).
 */
function referenceClocks(events: readonly Event[], nthreads: number): VClock[] {
  const out: VClock[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const vc = new Int32Array(nthreads);
    for (let j = 0; j < i; j++) if (events[j]!.tid === e.tid || dependent(events[j]!, e)) join(vc, out[j]!);
    increment(vc, e.tid);
    out.push(vc);
  }
  return out;
}

/**
 * Random executions: up to 5 threads, a few locations (some with large
 * interned numbers), reads, writes and additions, rare globals.
 */
const locArb = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 300 }));
const eventsArb = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc
    .array(
      fc.record({
        tid: fc.integer({ min: 0, max: n - 1 }),
        reads: fc.array(locArb, { maxLength: 3 }),
        writes: fc.array(locArb, { maxLength: 2 }),
        adds: fc.array(locArb, { maxLength: 2 }),
        global: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
      }),
      { maxLength: 60 },
    )
    .map((es) => ({
      n,
      events: es.map((e): Event => ({ ...plainEvent(e.tid, e.reads, e.writes), adds: e.adds, global: e.global })),
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

  // An independent review: canonicalForm builds its forms in a reused buffer, so a round that found no event
  // would have kept an earlier form's letter; clocks that are not the events' own are refused instead.
  it('canonical forms refuse clocks that leave no event ready, and events of threads beyond the count', () => {
    const ev = plainEvent;
    const ok = [ev(2, [], [0]), ev(2, [], [1])];
    expect(canonicalForm(ok, 3)).toBe('cc');
    const two = [ev(0, [], [5]), ev(1, [5], [])];
    expect(canonicalForm(two, 2)).toBe('ab');
    // each event's clock says the other comes first
    const crossed = [Int32Array.of(1, 1), Int32Array.of(1, 1)];
    expect(() => canonicalForm(two, 2, crossed)).toThrow(/no event ready after 0 of 2/);
    expect(() => canonicalForm(ok, 2)).toThrow(/an event of thread 2 of 2/);
  });
});
