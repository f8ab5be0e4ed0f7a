/**
 * Stateful DPOR's key with KCSAN's knowledge projected onto a state's
 * future (sched/projection.ts): which entries count, the relevance hash,
 * and the states it keeps; then, on whole programs, that a data race only
 * some paths to a state can reach is kept (programs where the key without
 * KCSAN's part, or without the sync objects' coverage in it, loses it).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LIVE_MARKED, type LiveEntries } from '../../src/detect/kcsan-digest.js';
import { ProjectedStates, project, relevance } from '../../src/sched/projection.js';
import { ADD, PLAIN, READ, Summary, TAKE, WRITE, summaryWidth } from '../../src/sched/summary.js';
import { untilMet, useParser } from '../helpers.js';
import { hbProgramArb } from './genhb.js';
import { outcomes } from './outcomes.js';

useParser();

const N = 3;
const key = (loc: number, p: number, kind: number) => loc * 128 + p * 8 + kind;

/** A summary of N threads with an access of each `[loc, thread, kind]` (positions: none known before). */
function summaryOf(accesses: readonly [number, number, number][]): Summary {
  const s = new Summary(N);
  for (const [loc, p, kind] of accesses) s.add(key(loc, p, kind), [-1, -1, -1]);
  return s;
}

/** Live entries `[loc, tid, hash]`. */
const live = (...entries: [number, number, number][]): LiveEntries => ({
  data: Int32Array.from(entries.flat()),
  count: entries.length,
});

const program = { h1: 17, h2: 42 };

/** The key of `program` with `l` for the future `s`. */
function keyFor(s: Summary, l: LiveEntries) {
  relevance(s.raw(), s.size, summaryWidth(N));
  return project(program, l);
}

describe('the projected key', () => {
  it('counts an entry only when another thread accesses its location in the future', () => {
    // the future: thread 1 reads location 5, thread 0 writes location 6, thread 2 takes lock 9
    const future = summaryOf([
      [5, 1, READ],
      [6, 0, WRITE],
      [9, 2, TAKE],
    ]);
    const none = keyFor(future, live());
    // thread 0's entry on 5: thread 1 reads it there, so it counts
    expect(keyFor(future, live([5, 0, 111]))).not.toEqual(none);
    // thread 1's own entry on 5, thread 0's on 6: only their own threads come back to them
    expect(keyFor(future, live([5, 1, 111], [6, 0, 222]))).toEqual(none);
    // an entry on a location the future does not touch
    expect(keyFor(future, live([7, 2, 333]))).toEqual(none);
    // thread 2's entry on 6: thread 0 writes it
    expect(keyFor(future, live([6, 2, 444]))).not.toEqual(keyFor(future, live([6, 2, 445])));
    // the order of the entries does not matter, the program digest does
    expect(keyFor(future, live([5, 0, 1], [6, 2, 2]))).toEqual(keyFor(future, live([6, 2, 2], [5, 0, 1])));
    relevance(future.raw(), future.size, summaryWidth(N));
    expect(project({ h1: 17, h2: 43 }, live())).not.toEqual(none);
  });

  it('counts a marked entry only when another thread accesses its location plainly', () => {
    // thread 1 reads location 5 with READ_ONCE; thread 2 writes location 6 plainly (a PLAIN entry beside it)
    const future = summaryOf([
      [5, 1, READ],
      [6, 2, WRITE],
      [6, 2, PLAIN],
    ]);
    const none = keyFor(future, live());
    // a WRITE_ONCE of thread 0 on 5 meets only marked accesses there: left out; a plain one counts
    expect(keyFor(future, live([5, 0 | LIVE_MARKED, 7]))).toEqual(none);
    expect(keyFor(future, live([5, 0, 7]))).not.toEqual(none);
    // on 6, a marked entry of thread 0 meets thread 2's plain write; thread 2's own marked entry does not
    expect(keyFor(future, live([6, 0 | LIVE_MARKED, 7]))).not.toEqual(none);
    expect(keyFor(future, live([6, 2 | LIVE_MARKED, 7]))).toEqual(none);
    // the same pairs, one plain access more: another relevance hash
    const plainToo = summaryOf([
      [5, 1, READ],
      [5, 1, PLAIN],
      [6, 2, WRITE],
      [6, 2, PLAIN],
    ]);
    expect(relevance(plainToo.raw(), plainToo.size, summaryWidth(N))).not.toBe(
      relevance(future.raw(), future.size, summaryWidth(N)),
    );
  });

  it('gives one relevance hash to summaries with one set of (location, thread) pairs, whatever their kinds', () => {
    const pairs = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: N - 1 })), {
      selector: ([l, p]) => l * 16 + p,
      maxLength: 12,
    });
    fc.assert(
      fc.property(
        pairs,
        fc.array(fc.constantFrom(READ, WRITE, ADD, TAKE), { minLength: 12, maxLength: 12 }),
        (ps, kinds) => {
          const a = summaryOf(ps.map(([l, p]) => [l, p, READ]));
          const b = summaryOf(
            ps.flatMap(
              ([l, p], i) =>
                [
                  [l, p, kinds[i]!],
                  [l, p, WRITE],
                ] as [number, number, number][],
            ),
          );
          expect(relevance(b.raw(), b.size, summaryWidth(N))).toBe(relevance(a.raw(), a.size, summaryWidth(N)));
          if (ps.length > 0) {
            const c = summaryOf(ps.slice(1).map(([l, p]) => [l, p, READ]));
            expect(relevance(c.raw(), c.size, summaryWidth(N))).not.toBe(relevance(a.raw(), a.size, summaryWidth(N)));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('ProjectedStates', () => {
  const future = summaryOf([
    [5, 1, READ],
    [6, 0, WRITE],
  ]);

  it('covers a visit whose counted entries agree, with a sleep set that covers the closed one', () => {
    const c = new ProjectedStates(N, Number.POSITIVE_INFINITY);
    c.close(program, live([5, 0, 1], [7, 2, 9]), 0b001, future, 4);
    expect(c.size).toBe(1);
    // an entry the future does not meet differs: covered
    expect(c.visit(program, live([5, 0, 1], [7, 2, 8]), 0b001, 4)).toBeDefined();
    expect(c.visit(program, live([5, 0, 1]), 0b011, 4)?.sleep).toBe(0b001);
    // the counted entry differs, or is missing; the sleep set covers less; another program state: explored
    expect(c.visit(program, live([5, 0, 2]), 0b001, 4)).toBeUndefined();
    expect(c.visit(program, live(), 0b001, 4)).toBeUndefined();
    expect(c.visit(program, live([5, 0, 1]), 0b010, 4)).toBeUndefined();
    expect(c.visit({ h1: 1, h2: 2 }, live([5, 0, 1]), 0b001, 4)).toBeUndefined();
  });

  it('merges a close with a key and a set it has, keeps one with another set apart, and gives back the summaries', () => {
    const c = new ProjectedStates(N, Number.POSITIVE_INFINITY);
    c.close(program, live([5, 0, 1]), 0, future, 4);
    // the same pairs with another kind: merged (its write of 5 by thread 1 joins the summary)
    c.close(
      program,
      live([5, 0, 1]),
      0,
      summaryOf([
        [5, 1, WRITE],
        [6, 0, READ],
      ]),
      4,
    );
    expect(c.size).toBe(1);
    const got = c.visit(program, live([5, 0, 1]), 0, 4)!;
    expect(Summary.of(got.summary, N).size).toBe(4);
    // a future of other locations: a state of its own, which a visit finds through its own set
    const other = summaryOf([[8, 2, READ]]);
    c.close(program, live([8, 0, 3]), 0, other, 4);
    expect(c.size).toBe(2);
    expect(Summary.of(c.visit(program, live([8, 0, 3], [5, 0, 9]), 0, 4)!.summary, N).size).toBe(1);
  });
});

describe('stateful DPOR keeps a race only some paths to a state reach', () => {
  // thread 0 writes d0, takes and releases m0, sets a flag; thread 1 takes and releases m0, then reads d0 if it
  // sees the flag (READ_ONCE orders nothing): the read races with the write only when thread 1 took m0 first,
  // and both orders reach one program state before the flag is set
  const threadCoverage = `static int d0; static int f0; static DEFINE_MUTEX(m0); static int res0, res1;
void thread_t0(void) { int l = 0; d0 = 1; mutex_lock(&m0); mutex_unlock(&m0); WRITE_ONCE(f0, 1); res0 = l; }
void thread_t1(void) { int l = 0; mutex_lock(&m0); mutex_unlock(&m0); if (READ_ONCE(f0)) l += d0; res1 = l; }
`;
  // the same through a second lock that thread 1 releases and thread 2 then takes: the states differ only in
  // whether m1's clock covers the write (thread 1 has ended)
  const syncCoverage = `static int d0; static int f0; static int g0; static DEFINE_MUTEX(m0); static DEFINE_MUTEX(m1);
static int res0, res1, res2;
void thread_t0(void) { int l = 0; d0 = 1; mutex_lock(&m0); mutex_unlock(&m0); WRITE_ONCE(f0, 1); res0 = l; }
void thread_t1(void) { int l = 0; mutex_lock(&m0); mutex_unlock(&m0); mutex_lock(&m1); mutex_unlock(&m1); WRITE_ONCE(g0, 1); res1 = l; }
void thread_t2(void) { int l = 0; if (READ_ONCE(g0)) { mutex_lock(&m1); mutex_unlock(&m1); if (READ_ONCE(f0)) l += d0; } res2 = l; }
`;
  // a marked write, which only a plain access can race with: the read after the flag is plain; and a plain write
  // read with READ_ONCE (the plain entry counts against a marked access)
  const markedWrite = threadCoverage.replace('d0 = 1;', 'WRITE_ONCE(d0, 1);');
  const markedRead = threadCoverage.replace('l += d0;', 'l += READ_ONCE(d0);');
  // xa_alloc's store of the id is plain (Deps.plain): against a WRITE_ONCE of the id before the handover
  const xaAllocId = `static int id0; static int f0; static DEFINE_MUTEX(m0); static DEFINE_XARRAY_ALLOC(xa);
static int e1; static int res0, res1;
void thread_t0(void) { int l = 0; WRITE_ONCE(id0, 5); mutex_lock(&m0); mutex_unlock(&m0); WRITE_ONCE(f0, 1); res0 = l; }
void thread_t1(void) { int l = 0; mutex_lock(&m0); mutex_unlock(&m0); if (READ_ONCE(f0)) xa_alloc(&xa, &id0, &e1, xa_limit_31b, GFP_KERNEL); res1 = l; }
`;
  // two paths reach one state with thread 0's write of d0 made at one site or the other: a key without the entry's
  // site takes them for one and loses the finding key of the path explored second (an independent review's program)
  const sites = `static int d0, f0, g0; static int res2;
void thread_t0(void)
{
	if (READ_ONCE(f0))
		d0 = 1;
	else
		d0 = 1;
	WRITE_ONCE(g0, 1);
}
void thread_t1(void) { WRITE_ONCE(f0, 1); }
void thread_t2(void) { if (READ_ONCE(g0)) res2 = d0; }
`;
  for (const [name, src] of [
    ["a thread's coverage", threadCoverage],
    ["a lock's coverage", syncCoverage],
    ['a marked write and a plain read', markedWrite],
    ['a plain write and a marked read', markedRead],
    ["xa_alloc's plain store of the id", xaAllocId],
    ["the entry's site", sites],
  ] as const)
    it(`through ${name}, at every depth step, stopping at visited states`, async () => {
      const dfs = await outcomes(src, 'dfs', 50_000);
      expect(dfs.complete).toBe(true);
      expect([...dfs.kinds]).toEqual(['data-race']);
      for (const every of [1, 2, 3]) {
        const o = await outcomes(src, 'dpor', 200_000, true, false, undefined, every);
        expect([...o.keys].sort()).toEqual([...dfs.keys].sort());
        expect([...o.finals].sort()).toEqual([...dfs.finals].sort());
        expect(o.coverage.text).toMatch(/ [1-9]\d* stopped at a visited state/);
      }
    });

  for (const strategy of ['dpor', 'source-dpor'] as const)
    it(`${strategy} with the state cache reaches what DFS does on programs handing data over by flags`, {
      timeout: 600_000,
    }, async () => {
      let pruned = 0;
      let races = 0;
      await untilMet(
        () => pruned > 0 && races > 0,
        (seed) =>
          fc.assert(
            fc.asyncProperty(hbProgramArb, fc.constantFrom(1, 2, 3), async (src, every) => {
              const dfs = await outcomes(src, 'dfs', 4_000);
              fc.pre(dfs.complete);
              const o = await outcomes(src, strategy, 200_000, true, false, undefined, every);
              expect(o.coverage.kind).toBe('exhaustive');
              expect([...o.finals].sort()).toEqual([...dfs.finals].sort());
              expect([...o.kinds].sort()).toEqual([...dfs.kinds].sort());
              expect([...o.keys].sort()).toEqual([...dfs.keys].sort());
              pruned += Number(/(\d+) stopped at a visited state/.exec(o.coverage.text)?.[1] ?? 0);
              if (dfs.kinds.has('data-race')) races++;
            }),
            { numRuns: 150, maxSkipsPerRun: 10, seed },
          ),
      );
    });
});
