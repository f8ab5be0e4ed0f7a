import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Event, hbClocks } from '../../src/sched/events.js';
import { LastAccesses } from '../../src/sched/last-accesses.js';
import { PrefixClocks } from '../../src/sched/prefix-clocks.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { replay } from '../../src/sched/runner.js';
import { useParser } from '../helpers.js';
import { plainEvent } from './event.js';

useParser();

/**
 * The trailed records of ./last-accesses.ts and ./prefix-clocks.ts are kept
 * from one execution to the next and cut back to the prefix the next one
 * shares. Here: a run of executions, each sharing a random prefix with the
 * one before, must give, after every cut and extension, what a record built
 * from scratch over the whole execution gives.
 */

const locArb = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 200 }));
const eventArb = (n: number) =>
  fc
    .record({
      tid: fc.integer({ min: 0, max: n - 1 }),
      reads: fc.array(locArb, { maxLength: 3 }),
      writes: fc.array(locArb, { maxLength: 2 }),
      adds: fc.array(locArb, { maxLength: 2 }),
      acq: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 3 })),
      acqShared: fc.boolean(),
      global: fc.integer({ min: 0, max: 14 }).map((x) => x === 0),
    })
    .map((e): Event => ({ ...e, acqTry: false, noRace: false, release: false, resume: false }));

/** Executions of n threads: each a kept prefix length (a fraction of the one before) and new events. */
const runsArb = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    runs: fc.array(
      fc.record({ keep: fc.double({ min: 0, max: 1, noNaN: true }), more: fc.array(eventArb(n), { maxLength: 25 }) }),
      { minLength: 1, maxLength: 12 },
    ),
  }),
);

/** The sequences of the runs: each is the previous one's first keep·length events, then its new ones. */
function sequences(runs: { keep: number; more: Event[] }[]): { events: Event[]; keep: number }[] {
  let prev: Event[] = [];
  return runs.map(({ keep, more }) => {
    const k = Math.floor(keep * prev.length);
    const events = [...prev.slice(0, k), ...more];
    prev = events;
    return { events, keep: k };
  });
}

/** Everything a LastAccesses answers, for locations 0..maxLoc and n threads. */
function view(l: LastAccesses, n: number, maxLoc: number) {
  const locs = [];
  for (let x = 0; x <= maxLoc; x++) {
    const reads: number[] = [];
    const adds: number[] = [];
    const excl: number[] = [];
    const shared: number[] = [];
    l.readsSince(x, reads);
    l.addsSince(x, adds);
    l.acquisitions(x, false, excl);
    l.acquisitions(x, true, shared);
    locs.push({ w: l.lastWrite(x), reads, adds, excl, shared });
  }
  const perEvent = [];
  for (let j = 0; j < l.length; j++) perEvent.push([l.idx(j), l.prev(j)]);
  const lastOf = [];
  for (let t = 0; t < n; t++) lastOf.push(l.lastOf(t));
  return { length: l.length, global: l.global, locs, perEvent, lastOf };
}

describe('records kept across executions and cut back to a shared prefix', () => {
  it('LastAccesses: after truncate and record, the same as recorded from scratch', () => {
    fc.assert(
      fc.property(runsArb, ({ n, runs }) => {
        const kept = new LastAccesses(n);
        let before = 0;
        for (const { events, keep } of sequences(runs)) {
          kept.truncate(keep);
          // keep is at most the previous sequence's length, which was recorded whole
          expect(kept.length).toBe(keep);
          expect(keep).toBeLessThanOrEqual(before);
          before = events.length;
          for (let j = kept.length; j < events.length; j++) kept.record(j, events[j]!);
          const fresh = new LastAccesses(n);
          for (let j = 0; j < events.length; j++) fresh.record(j, events[j]!);
          expect(view(kept, n, 200)).toEqual(view(fresh, n, 200));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('LastAccesses: reads and additions since the last write, lock acquisitions, by their definitions', () => {
    fc.assert(
      fc.property(runsArb, ({ n, runs }) => {
        const events = sequences(runs).at(-1)!.events;
        const l = new LastAccesses(n);
        for (let j = 0; j < events.length; j++) l.record(j, events[j]!);
        for (let x = 0; x <= 4; x++) {
          let w = -1;
          for (let j = 0; j < events.length; j++) if (events[j]!.writes.includes(x)) w = j;
          const after = (pred: (e: Event) => boolean) => events.flatMap((e, j) => (j > w && pred(e) ? [j] : []));
          const reads: number[] = [];
          const adds: number[] = [];
          l.readsSince(x, reads);
          l.addsSince(x, adds);
          expect(l.lastWrite(x)).toBe(w);
          // an event that reads a location more than once is listed once per read
          expect(reads).toEqual(
            after((e) => e.reads.includes(x)).flatMap((j) => events[j]!.reads.filter((r) => r === x).map(() => j)),
          );
          expect(adds).toEqual(
            after((e) => e.adds.includes(x)).flatMap((j) => events[j]!.adds.filter((r) => r === x).map(() => j)),
          );
          let a = -1;
          for (let j = 0; j < events.length; j++) if (events[j]!.acq === x && !events[j]!.acqShared) a = j;
          const shared = events.flatMap((e, j) => (j > a && e.acq === x && e.acqShared ? [j] : []));
          const excl: number[] = [];
          l.acquisitions(x, false, excl);
          expect(excl).toEqual([...(a >= 0 ? [a] : []), ...shared]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('PrefixClocks: the clocks of every execution are the ones computed from scratch', () => {
    fc.assert(
      fc.property(runsArb, ({ n, runs }) => {
        const pc = new PrefixClocks(n);
        for (const { events, keep } of sequences(runs)) {
          const got = pc.of(events, keep).map((c) => [...c]);
          expect(got).toEqual(hbClocks(events, n).map((c) => [...c]));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('record refuses an event out of order', () => {
    const l = new LastAccesses(2);
    const e = plainEvent(0, [], [1]);
    l.record(0, e);
    expect(() => l.record(2, e)).toThrow(/record\(2\) after 1 events/);
  });

  // Found by an independent review: the explorer's kept clocks are views a later execution overwrites, so a
  // recorded execution (which its caller keeps) has clocks of its own.
  it('replayed executions keep clocks of their own', async () => {
    const src = `static int x;\nstatic int y;\nvoid thread_t0(void)\n{\n\tWRITE_ONCE(x, 1);\n\tWRITE_ONCE(y, 1);\n}\nvoid thread_t1(void)\n{\n\tWRITE_ONCE(y, 2);\n\tWRITE_ONCE(x, 2);\n}\n`;
    const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
    const { executions } = replay(c.program!, programScenario(c.program!)!, [
      [0, 0, 1, 1],
      [1, 1, 0, 0],
    ]);
    expect(executions).toHaveLength(2);
    for (const rec of executions)
      expect(rec.clocks.map((v) => [...v])).toEqual(hbClocks(rec.events, 2).map((v) => [...v]));
  });
});
