/**
 * Stateful DPOR's summaries (sched/state-cache.ts Summary): sorted entries
 * merged linearly, packed arrays shared copy-on-write. Against a plain Map
 * of key to positions (the smaller per thread) on random operations.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Summary, mergePacked, unionSummaries } from '../../src/sched/state-cache.js';

const N = 3;
type Model = Map<number, number[]>;

function modelAdd(m: Model, k: number, pos: readonly number[]): void {
  const old = m.get(k);
  m.set(k, old ? old.map((x, q) => Math.min(x, pos[q]!)) : pos.slice());
}

function plain(s: Summary): [number, number[]][] {
  return [...s].map(([k, at]) => [k, [...at]]);
}

function sorted(m: Model): [number, number[]][] {
  return [...m].sort((a, b) => a[0] - b[0]);
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
  }),
  fc.record({ op: fc.constant('pack' as const) }),
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
            mergePacked(s, t.pack(), o.depth);
            for (const [k, pos] of tm)
              modelAdd(
                m,
                k,
                pos.map((x) => (x >= o.depth ? x : -1)),
              );
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
    expect([...p]).toEqual([5, 1, 2, 3]);
    expect(plain(t)).toEqual([[5, [0, 2, 3]]]);
    // adding what it already covers leaves the shared array alone and shared
    const u = Summary.of(p, N);
    u.add(5, [4, 4, 4]);
    expect(u.pack()).toBe(p);
  });
});
