/**
 * state/heap-map.ts: a HeapMap behaves as a Map (lookups, size, iteration
 * order) through any sequence of sets, deletes and copies, and a copy never
 * sees the changes of its original or of other copies, nor they its own.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HeapMap } from '../../src/state/heap-map.js';
import type { Alloc } from '../../src/state/state.js';

const alloc = (id: number, v: number): Alloc => ({ id, kind: 'heap', name: `a${v}`, bytes: 8, fields: new Map() });

type Op = { k: 'set'; id: number; v: number } | { k: 'del'; id: number } | { k: 'clone' } | { k: 'switch'; i: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('set' as const), id: fc.nat(40), v: fc.nat(1000) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('del' as const), id: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'clone' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('switch' as const), i: fc.nat(100) }) },
);

/** The HeapMap's contents in its iteration order, each way it can be read. */
function contents(h: HeapMap): [number, string][] {
  const byIter = [...h].map(([id, a]): [number, string] => [id, a.name]);
  expect(h.values().map((a) => a.name)).toEqual(byIter.map((e) => e[1]));
  const byEach: [number, string][] = [];
  h.forEach((a, id) => {
    byEach.push([id, a.name]);
  });
  expect(byEach).toEqual(byIter);
  return byIter;
}

describe('HeapMap', () => {
  it('is a Map through sets, deletes and copies, each copy on its own', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        // pairs of a HeapMap and the Map it must equal; ops apply to the current pair
        const pairs: [HeapMap, Map<number, Alloc>][] = [
          [new HeapMap(new Map([[1, alloc(1, 0)]])), new Map([[1, alloc(1, 0)]])],
        ];
        let cur = 0;
        for (const op of ops) {
          const [h, m] = pairs[cur]!;
          if (op.k === 'set') {
            h.set(op.id, alloc(op.id, op.v));
            m.set(op.id, alloc(op.id, op.v));
          } else if (op.k === 'del') expect(h.delete(op.id)).toBe(m.delete(op.id));
          else if (op.k === 'clone') {
            pairs.push([h.clone(), new Map(m)]);
          } else cur = op.i % pairs.length;
          for (const [hh, mm] of pairs) {
            expect(hh.size).toBe(mm.size);
            expect(contents(hh)).toEqual([...mm].map(([id, a]) => [id, a.name]));
            for (let id = 0; id <= 40; id++) expect(hh.get(id)?.name).toBe(mm.get(id)?.name);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
