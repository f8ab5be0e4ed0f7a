/**
 * Stateful DPOR's summaries (sched/summary.ts) and state cache (sched/state-cache.ts): sorted entries
 * merged linearly, packed arrays shared copy-on-write. Against a plain Map
 * of key to positions (the smaller per thread, then the larger) on random operations.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DigestTable } from '../../src/state/digest-table.js';
import { StateCache, boundedStateCache } from '../../src/sched/state-cache.js';
import { Summary, mergePacked, unionSummaries } from '../../src/sched/summary.js';

const N = 3;
type Model = Map<number, number[]>;

/** Add one access's positions (N: both halves) or an entry's (2N: smallest, then largest) to the model. */
function modelAdd(m: Model, k: number, pos: readonly number[]): void {
  const both = pos.length === N ? [...pos, ...pos] : pos.slice();
  const old = m.get(k);
  m.set(k, old ? old.map((x, q) => (q < N ? Math.min(x, both[q]!) : Math.max(x, both[q]!))) : both);
}

/** Add an entry as a summary's iterator gives it (both halves) to `t`. */
function addEntry(t: Summary, k: number, at: ArrayLike<number>): void {
  t.addRange(k, at, 0, at, N);
}

function plain(s: Summary): [number, number[]][] {
  return [...s].map(([k, at]) => [k, [...at]]);
}

function sorted(m: Model): [number, number[]][] {
  return [...m].sort((a, b) => a[0] - b[0]);
}

/**
 * Entries as the state cache gives them back for a state at depth `depth`: a position at or after the state as
 * that depth, one before it as none (a stored summary keeps only which side of the state each position is).
 */
function canon(entries: [number, number[]][], depth: number): [number, number[]][] {
  return entries.map(([k, pos]) => [k, pos.map((x) => (x >= depth ? depth : -1))]);
}

const entryArb = fc.tuple(
  fc.integer({ min: 0, max: 40 }),
  fc.array(fc.integer({ min: -1, max: 30 }), { minLength: N, maxLength: N }),
);
const opArb = fc.oneof(
  fc.record({ op: fc.constant('add' as const), k: entryArb }),
  fc.record({ op: fc.constant('union' as const), with: fc.array(entryArb, { maxLength: 12 }) }),
  fc.record({
    op: fc.constant('packed' as const),
    with: fc.array(entryArb, { maxLength: 12 }),
    depth: fc.integer({ min: 0, max: 30 }),
    // the path's last steps before the state, which a largest position before it reads as (mergePacked)
    fill: fc.option(fc.array(fc.integer({ min: -1, max: 30 }), { minLength: N, maxLength: N }), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('pack' as const) }),
  // a merge of entries the summary covers already (its own, every other one, positions raised or kept): the
  // merge that adds nothing, which keeps the entries as they are
  fc.record({
    op: fc.constant('covered' as const),
    stride: fc.integer({ min: 1, max: 3 }),
    raise: fc.integer({ min: 0, max: 2 }),
    depth: fc.integer({ min: 0, max: 3 }),
  }),
  // a merge of its own entries at a depth past some of their positions: those read as none, so the merge lowers them
  // to -1 though every key is there with positions no smaller (not covered)
  fc.record({
    op: fc.constant('lowered' as const),
    stride: fc.integer({ min: 1, max: 3 }),
    depth: fc.integer({ min: 0, max: 31 }),
  }),
);

describe('Summary', () => {
  it('equals a map of keys to the smallest positions, in key order, whatever was packed and shared', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let s = new Summary(N);
        const m: Model = new Map();
        /** Packed arrays handed out, with what they held then: a later change must not reach them. */
        const handed: [Int32Array, number[]][] = [];
        for (const o of ops) {
          if (o.op === 'add') {
            s.add(o.k[0], o.k[1]);
            modelAdd(m, o.k[0], o.k[1]);
          } else if (o.op === 'union') {
            const t = new Summary(N);
            for (const [k, pos] of o.with) {
              t.add(k, pos);
              modelAdd(m, k, pos);
            }
            s = unionSummaries(s, t);
          } else if (o.op === 'packed') {
            const t = new Summary(N);
            const tm: Model = new Map();
            for (const [k, pos] of o.with) {
              t.add(k, pos);
              modelAdd(tm, k, pos);
            }
            mergePacked(s, t.pack(), o.depth, o.fill);
            for (const [k, pos] of tm)
              modelAdd(
                m,
                k,
                pos.map((x, q) => {
                  const y = x >= o.depth ? x : -1;
                  return q >= N && o.fill && o.fill[q - N]! > y ? o.fill[q - N]! : y;
                }),
              );
          } else if (o.op === 'covered') {
            const t = new Summary(N);
            let i = 0;
            // smallest positions raised, largest lowered: what the summary covers
            for (const [k, at] of s)
              if (i++ % o.stride === 0)
                t.addRange(
                  k,
                  [...at.subarray(0, N)].map((x) => (x < 0 ? x : x + o.raise)),
                  0,
                  [...at.subarray(N)].map((x) => (x < 0 ? x : Math.max(-1, x - o.raise))),
                  0,
                );
            // smallest positions before the depth read as none: a covered merge needs them at the depth or after
            const low = [...t].some(([, at]) => at.subarray(0, N).some((x) => x >= 0 && x < o.depth));
            // a merge that adds nothing keeps the array (StateCache.close keeps the stored summary on that)
            const before = s.raw();
            mergePacked(s, t.pack(), low ? 0 : o.depth);
            expect(s.raw()).toBe(before);
          } else if (o.op === 'lowered') {
            const t = new Summary(N);
            let i = 0;
            for (const [k, at] of s) if (i++ % o.stride === 0) addEntry(t, k, at);
            for (const [k, at] of t)
              modelAdd(
                m,
                k,
                [...at].map((x) => (x >= o.depth ? x : -1)),
              );
            mergePacked(s, t.pack(), o.depth);
          } else {
            const p = s.pack();
            handed.push([p, [...p]]);
          }
          expect(s.size).toBe(m.size);
        }
        expect(plain(s)).toEqual(sorted(m));
        for (const [p, was] of handed) expect([...p]).toEqual(was);
      }),
      { numRuns: 400 },
    );
  });

  it('shares a packed summary it was made from until it changes', () => {
    const s = new Summary(N);
    s.add(5, [1, 2, 3]);
    const p = s.pack();
    const t = Summary.of(p, N);
    t.add(5, [0, 2, 3]);
    expect([...p]).toEqual([5, 1, 2, 3, 1, 2, 3]);
    expect(plain(t)).toEqual([[5, [0, 2, 3, 1, 2, 3]]]);
    // adding what it already covers leaves the shared array alone and shared
    const u = Summary.of(p, N);
    u.add(5, [1, 2, 3]);
    u.addRange(5, [4, 4, 4], 0, [0, 1, 2], 0);
    expect(u.pack()).toBe(p);
    // a larger largest position is something new
    const v = Summary.of(p, N);
    v.add(5, [1, 2, 4]);
    expect(plain(v)).toEqual([[5, [1, 2, 3, 1, 2, 4]]]);
    expect([...p]).toEqual([5, 1, 2, 3, 1, 2, 3]);
    // an array given with no entries in it is not written either
    const given = new Int32Array(8);
    new Summary(N, given, 0).add(5, [1, 2, 3]);
    expect([...given]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

/**
 * Closes of states `0..maxD` with sleep sets and summaries of up to
 * `entries` entries, positions from -1 to 30 or `extra`.
 */
function closesArb(maxD: number, extra: fc.Arbitrary<number>, entries: number, minLength: number, maxLength: number) {
  return fc.array(
    fc.record({
      d: fc.integer({ min: 0, max: maxD }),
      sleep: fc.integer({ min: 0, max: 7 }),
      entries: fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 40 }),
          fc.array(fc.oneof(fc.integer({ min: -1, max: 30 }), extra), { minLength: N, maxLength: N }),
        ),
        { maxLength: entries },
      ),
    }),
    { minLength, maxLength },
  );
}

describe('StateCache', () => {
  it('gives back what it stored (which positions are at or after the state), through the digest table growing, merging a state closed twice', () => {
    fc.assert(
      fc.property(
        closesArb(300, fc.constantFrom(253, 254, 255, 256, 300, 65534, 65535, 65536, 70000, -5), 10, 0, 700),
        (closes) => {
          const cache = new StateCache(N, 4, 64);
          // a state's depth (one per digest): positions before it come back as none
          const depth = (d: number) => (d * 7) % 45;
          const seen = (d: number, pos: readonly number[]) => pos.map((x) => (x < depth(d) ? -1 : depth(d)));
          const want = new Map<number, { sleep: number; m: Model }>();
          // digests whose low bits collide, so that probing and growth are exercised
          const digest = (d: number) => ({ h1: (d & 7) * 4096, h2: d * 2654435761 });
          for (const c of closes) {
            const s = new Summary(N);
            const m: Model = new Map();
            for (const [k, pos] of c.entries) {
              s.add(k, pos);
              modelAdd(m, k, seen(c.d, pos));
            }
            cache.close(digest(c.d), c.sleep, s, depth(c.d));
            const old = want.get(c.d);
            if (!old) want.set(c.d, { sleep: c.sleep, m });
            else {
              if ((c.sleep & ~old.sleep) === 0) old.sleep = c.sleep;
              for (const [k, pos] of m) modelAdd(old.m, k, pos);
            }
          }
          expect(cache.size).toBe(want.size);
          for (const [d, w] of want) {
            expect(cache.covering(digest(d), w.sleep ^ 1, depth(d))?.summary ?? null).toEqual(
              (w.sleep & ~(w.sleep ^ 1)) === 0 ? expect.anything() : null,
            );
            const got = cache.covering(digest(d), 7, depth(d))!;
            expect(got.sleep).toBe(w.sleep);
            expect(plain(Summary.of(got.summary, N))).toEqual(sorted(w.m));
          }
          expect(cache.covering(digest(1000), 7, 0)).toBeUndefined();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives visits and closes summaries of any size through the buffer it decodes them into', () => {
    // 7 ints an entry of 3 threads: 1,000 entries are 7,000 ints, far past the buffer's first size and twice it
    const big = (entries: number, base: number) => {
      const s = new Summary(N);
      for (let k = 0; k < entries; k++) s.add(base + 2 * k, [k % 300, -1, 7]);
      return s;
    };
    const sizes = [3, 1000, 10, 5000, 2];
    const cache = new StateCache(N);
    for (const [j, e] of sizes.entries()) cache.close({ h1: j, h2: j }, 0, big(e, j), 0);
    for (const j of [1, 0, 3, 4, 1, 2, 3]) {
      const got = cache.visit({ h1: j, h2: j }, 0, 0)!;
      expect(plain(Summary.of(got.summary, N))).toEqual(canon(plain(big(sizes[j]!, j)), 0));
    }
    // a close with something new merges the whole stored summary; one with nothing new keeps it
    const more = new Summary(N);
    more.add(1, [1, 2, 3]);
    cache.close({ h1: 3, h2: 3 }, 0, more, 0);
    cache.close({ h1: 1, h2: 1 }, 0, big(1000, 1), 0);
    const want = big(5000, 3);
    want.add(1, [1, 2, 3]);
    expect(plain(Summary.of(cache.covering({ h1: 3, h2: 3 }, 7, 0)!.summary, N))).toEqual(canon(plain(want), 0));
    expect(plain(Summary.of(cache.covering({ h1: 1, h2: 1 }, 7, 0)!.summary, N))).toEqual(
      canon(plain(big(1000, 1)), 0),
    );
  });
});

describe('StateCache with a memory bound', () => {
  it('forgets the summaries closed first, never gives back a wrong one, and counts what it dropped', () => {
    fc.assert(
      fc.property(
        closesArb(120, fc.integer({ min: -1, max: 30 }), 8, 1, 400),
        fc.integer({ min: 16, max: 400 }),
        (closes, budget) => {
          const cache = new StateCache(N, 4, 16, budget);
          const digest = (d: number) => ({ h1: (d & 7) * 4096, h2: d * 2654435761 });
          // per state, its closes in order: what it covers must be the union of some last ones of them
          const history = new Map<number, { sleep: number; m: Model }[]>();
          for (const c of closes) {
            const s = new Summary(N);
            const m: Model = new Map();
            for (const [k, pos] of c.entries) {
              s.add(k, pos);
              modelAdd(m, k, pos);
            }
            cache.close(digest(c.d), c.sleep, s, 0);
            const h = history.get(c.d) ?? [];
            h.push({ sleep: c.sleep, m });
            history.set(c.d, h);
          }
          expect(cache.size).toBe(history.size);
          let forgotten = 0;
          for (const [d, h] of history) {
            const got = cache.covering(digest(d), 7, 0);
            if (!got) {
              forgotten++;
              continue;
            }
            // the closes since some point, merged as close() merges them
            const suffixes = h.map((_, from) => {
              const m: Model = new Map();
              let sleep = h[from]!.sleep;
              for (const x of h.slice(from)) {
                if ((x.sleep & ~sleep) === 0) sleep = x.sleep;
                for (const [k, pos] of x.m) modelAdd(m, k, pos);
              }
              return { sleep, entries: canon(sorted(m), 0) };
            });
            expect(suffixes).toContainEqual({ sleep: got.sleep, entries: plain(Summary.of(got.summary, N)) });
          }
          // the state closed last is always covered (its arena is the newest)
          expect(cache.covering(digest(closes.at(-1)!.d), 7, 0)).toBeDefined();
          // a state closed twice after its summary was dropped is counted once per drop, so at least the forgotten
          expect(cache.dropped).toBeGreaterThanOrEqual(forgotten);
          if (cache.dropped === 0) expect(forgotten).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  /** A one-entry summary for state `d` (key d; positions d + 5, none, 2). */
  const one = (d: number) => {
    const s = new Summary(N);
    s.add(d, [d + 5, -1, 2]);
    return s;
  };

  it('keeps a state that keeps covering visits: near the bound a hit moves it to the newest arena', () => {
    const cache = new StateCache(N, 4, 16, 64);
    for (let d = 0; d < 200; d++) {
      cache.close({ h1: d, h2: d }, 0, one(d), 3);
      // state 0 is met again after every close, from a path at its depth
      if (d > 0) expect(Summary.of(cache.visit({ h1: 0, h2: 0 }, 0, 3)!.summary, N).size).toBe(1);
    }
    const got = cache.covering({ h1: 0, h2: 0 }, 7, 3)!;
    // what it gives back is what was closed (5, after the state at 3, as its depth; 2, before it, as none)
    expect(plain(Summary.of(got.summary, N))).toEqual([[0, [3, -1, -1, 3, -1, -1]]]);
    // state 1, closed next and never met again, is gone
    expect(cache.covering({ h1: 1, h2: 1 }, 7, 3)).toBeUndefined();
    // a visit of a new state counts it, with nothing to cover it until it closes
    expect(cache.visit({ h1: 500, h2: 500 }, 0, 9)).toBeUndefined();
    expect(cache.size).toBe(201);
    expect(cache.visit({ h1: 500, h2: 500 }, 0, 9)).toBeUndefined();
  });

  for (const how of ['visit', 'close'] as const)
    it(`near the bound a state met again (a ${how} with nothing new) moves to the newest arena, and drops count exactly`, () => {
      const cache = new StateCache(N, 4, 16, 64);
      for (let d = 0; d < 200; d++) {
        cache.close({ h1: d, h2: d }, 0, one(d), 3);
        // state 0 met again after every close: a visit that matches, or a close of its own summary again
        if (d > 0) {
          if (how === 'visit') expect(cache.visit({ h1: 0, h2: 0 }, 0, 3)).toBeDefined();
          else cache.close({ h1: 0, h2: 0 }, 0, one(0), 3);
        }
      }
      expect(plain(Summary.of(cache.covering({ h1: 0, h2: 0 }, 7, 3)!.summary, N))).toEqual([
        [0, [3, -1, -1, 3, -1, -1]],
      ]);
      let forgotten = 0;
      for (let d = 1; d < 200; d++) if (!cache.covering({ h1: d, h2: d }, 7, 3)) forgotten++;
      expect(forgotten).toBeGreaterThan(100);
      // every other state was closed once: each summary dropped is one of theirs, none a place state 0 moved from
      expect(cache.dropped).toBe(forgotten);
    });

  it('holds the newest summaries within its bound, and drops nothing unbounded', () => {
    const one = (d: number) => {
      const s = new Summary(N);
      s.add(d, [d, -1, 2]);
      return s;
    };
    const cache = new StateCache(N, 4, 16, 64);
    for (let d = 0; d < 200; d++) cache.close({ h1: d, h2: d }, 0, one(d), 0);
    // 2 ints an entry (its key and its positions' bits), 8 summaries an arena of 16 ints, 4 arenas within 64
    expect(200 - cache.dropped).toBeLessThanOrEqual(32);
    expect(200 - cache.dropped).toBeGreaterThan(0);
    expect(cache.covering({ h1: 0, h2: 0 }, 7, 0)).toBeUndefined();
    expect(Summary.of(cache.covering({ h1: 199, h2: 199 }, 7, 0)!.summary, N).size).toBe(1);
    const unbounded = new StateCache(N, 4, 16);
    for (let d = 0; d < 200; d++) unbounded.close({ h1: d, h2: d }, 0, one(d), 0);
    expect(unbounded.dropped).toBe(0);
    expect(unbounded.covering({ h1: 0, h2: 0 }, 7, 0)).toBeDefined();
    // bounds as the options give them
    expect(() => boundedStateCache(N, 100)).toThrow(/at least 256/);
    expect(() => boundedStateCache(N, Number.NaN)).toThrow(/at least 256/);
    const none = boundedStateCache(N, Number.POSITIVE_INFINITY);
    const huge = boundedStateCache(N, 2 ** 40);
    for (let d = 0; d < 2000; d++) {
      none.close({ h1: d, h2: d }, 0, one(d), 0);
      huge.close({ h1: d, h2: d }, 0, one(d), 0);
    }
    expect(none.dropped + huge.dropped).toBe(0);
    // 4,000 ints fit the first arena of either (a terabyte's arenas are 16 MB, not the least size)
    expect(none.arenas).toBeLessThanOrEqual(2);
    expect(huge.arenas).toBeLessThanOrEqual(2);
  });
});

describe('StateCache storing equal summaries once', () => {
  const same = (depth: number) => {
    // positions after the state's depth: the same stored form at any depth
    const s = new Summary(N);
    s.add(3, [depth + 5, -1, depth]);
    s.add(9, [depth, depth + 1, depth + 300]);
    return s;
  };

  it('points states with equal summaries at one copy, so that a bound drops none of them', () => {
    // arenas of 16 ints within 64: one summary of 2 entries (2 ints each) is 4 ints, so 200 distinct ones would drop
    // all but the last 16 or so
    const cache = new StateCache(N, 4, 16, 64);
    for (let d = 0; d < 200; d++) cache.close({ h1: d, h2: d }, 0, same(d % 37), d % 37);
    expect(cache.dropped).toBe(0);
    expect(cache.arenas).toBe(1);
    for (let d = 0; d < 200; d++) {
      const got = cache.covering({ h1: d, h2: d }, 7, d % 37)!;
      expect(plain(Summary.of(got.summary, N))).toEqual(canon(plain(same(d % 37)), d % 37));
    }
  });

  // from an independent review's mutations of StateCache.store, each of which these catch
  const back = (p: Int32Array) => plain(Summary.of(p, N));
  it('gives a state pointed at a shared summary that summary, wherever in its arena it lies', () => {
    const cache = new StateCache(N, 4, 64);
    for (let d = 100; d < 140; d++) {
      const a = new Summary(N);
      a.add(d, [5, -1, 2]);
      cache.close({ h1: d, h2: d }, 0, a, 0);
    }
    const b = new Summary(N);
    b.add(2, [7, 3, -1]);
    cache.close({ h1: 2, h2: 2 }, 0, b, 0);
    // the same positions after a state at depth 10
    const b2 = new Summary(N);
    b2.add(2, [17, 13, -1]);
    cache.close({ h1: 3, h2: 3 }, 0, b2, 10);
    expect(back(cache.covering({ h1: 3, h2: 3 }, 7, 10)!.summary)).toEqual([[2, [10, 10, -1, 10, 10, -1]]]);
  });

  it('tells apart different summaries whose hashes collide', () => {
    // 200,000 distinct one-entry summaries: a 30-bit hash collides among them about 20 times
    const cache = new StateCache(N);
    const M = 200_000;
    for (let d = 0; d < M; d++) {
      const s = new Summary(N);
      s.add(d, [d % 200, -1, (d * 7) % 200]);
      cache.close({ h1: d, h2: d * 31 }, 0, s, 0);
    }
    let wrong = 0;
    for (let d = 0; d < M; d++) {
      const got = back(cache.covering({ h1: d, h2: d * 31 }, 7, 0)!.summary);
      const [[k, pos]] = got as [[number, number[]]];
      if (k !== d || pos[0] !== 0 || pos[1] !== -1 || pos[2] !== 0) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('stores anew a summary equal to one in an arena dropped when the newest was made', () => {
    // 12 entries (24 ints) are more than an arena of 16: each gets one of its own, and a bound of 40 keeps only the
    // newest
    const big = (base: number) => {
      const s = new Summary(N);
      for (let k = 0; k < 12; k++) s.add(base + k, [300 + k, -1, 2]);
      return s;
    };
    const cache = new StateCache(N, 4, 16, 40);
    cache.close({ h1: 1, h2: 1 }, 0, big(0), 0);
    cache.close({ h1: 2, h2: 2 }, 0, big(100), 0);
    expect(cache.covering({ h1: 1, h2: 1 }, 7, 0)).toBeUndefined();
    cache.close({ h1: 3, h2: 3 }, 0, big(0), 0);
    expect(back(cache.covering({ h1: 3, h2: 3 }, 7, 0)!.summary)).toEqual(canon(plain(big(0)), 0));
    expect(cache.dropped).toBe(2);
  });

  it('never points a summary whose ints are all zero at room not yet written', () => {
    const cache = new StateCache(N, 4, 64);
    // at depth 5, every position is before the state: the entry encodes as [0, 0]
    const zero = () => {
      const s = new Summary(N);
      s.add(0, [1, -1, 2]);
      return s;
    };
    const put = (d: number) => {
      const a = new Summary(N);
      a.add(d, [5, -1, 2]);
      cache.close({ h1: d, h2: d }, 0, a, 0);
    };
    // arenas of 2, 2, 4, 8, 16, 32, 64 ints: the 63rd summary at offset 60 of the seventh
    for (let d = 100; d < 162; d++) put(d);
    cache.close({ h1: 1, h2: 1 }, 0, zero(), 5);
    put(300);
    put(301);
    // a new arena with two summaries in it, its offset 60 not written yet
    cache.close({ h1: 2, h2: 2 }, 0, zero(), 5);
    for (let d = 400; d < 440; d++) put(d);
    expect(back(cache.covering({ h1: 2, h2: 2 }, 7, 5)!.summary)).toEqual([[0, [-1, -1, -1, -1, -1, -1]]]);
  });

  it('never points a state at an equal summary in a dropped arena', () => {
    const cache = new StateCache(N, 4, 16, 64);
    const one = (d: number) => {
      const s = new Summary(N);
      s.add(d, [d + 5, -1, 2]);
      return s;
    };
    cache.close({ h1: 0, h2: 0 }, 0, same(0), 0);
    // 199 distinct summaries push the first arena out
    for (let d = 1; d < 200; d++) cache.close({ h1: d, h2: d }, 0, one(d), 0);
    expect(cache.covering({ h1: 0, h2: 0 }, 7, 0)).toBeUndefined();
    // the same summary again, for another state: stored anew, and the first state stays without one
    cache.close({ h1: 500, h2: 500 }, 0, same(4), 4);
    expect(plain(Summary.of(cache.covering({ h1: 500, h2: 500 }, 7, 4)!.summary, N))).toEqual(canon(plain(same(4)), 4));
    expect(cache.covering({ h1: 0, h2: 0 }, 7, 0)).toBeUndefined();
    // every distinct summary still comes back as itself
    for (let d = 190; d < 200; d++)
      expect(plain(Summary.of(cache.covering({ h1: d, h2: d }, 7, 0)!.summary, N))).toEqual(canon(plain(one(d)), 0));
  });
});

describe('DigestTable', () => {
  it('numbers digests densely in the order added, through growth and colliding low bits', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), fc.integer()), { maxLength: 2000 }), (pairs) => {
        const t = new DigestTable(2);
        const want = new Map<string, number>();
        for (const [a, b] of pairs) {
          // a quarter of the digests share their low bits
          const d = { h1: a & 3 ? a : a & ~0xffff, h2: b };
          const k = `${d.h1 | 0}:${d.h2 | 0}`;
          if (!want.has(k)) want.set(k, want.size);
          expect(t.add(d)).toBe(want.get(k));
        }
        expect(t.size).toBe(want.size);
        for (const [k, i] of want) {
          const [h1, h2] = k.split(':').map(Number);
          expect(t.get({ h1: h1!, h2: h2! })).toBe(i);
        }
        expect(t.get({ h1: 12345, h2: 0x7654321 })).toBe(want.get('12345:124076833') ?? -1);
      }),
      { numRuns: 100 },
    );
  });
});
