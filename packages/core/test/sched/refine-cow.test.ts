/**
 * The race refiner's history copied on write (vm/refine.ts) against the
 * refiner that deep-copies it (./refine-reference.ts), given the same random
 * calls (resets, saves, restores of any earlier save, clocks that advance
 * and synchronise, hidden and visible accesses, kfrees, fatal findings, at
 * locations of small and large allocation ids and of none): after every
 * call, the same racy instructions found, the same history, and every saved
 * history as it was when saved.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RaceRefiner } from '../../src/vm/refine.js';
import { ReferenceRefiner } from './refine-reference.js';

const N = 3;
const LOCS = ['1:0', '1:8', '2:0', '0:0', '3000001:0', '3000001:16', 'g', '5:*x', 'task:1'];
const ALLOCS = [0, 1, 2, 3000001, 5, 7];
const INSTRS = [10, 11, 12, 65536 + 3, 65536 + 4, 65536 + 5];

type Op =
  | { k: 'reset' }
  | { k: 'save' }
  | { k: 'restore'; i: number; clocks: boolean }
  | { k: 'tick'; t: number }
  | { k: 'sync'; t: number; u: number }
  | { k: 'hidden'; t: number; instr: number; loc: number; write: boolean; fb: number }
  | { k: 'access'; t: number; loc: number; write: boolean; cur: number }
  | { k: 'visibleStep'; t: number }
  | { k: 'hiddenStep'; t: number; cur: number }
  | { k: 'free'; t: number; a: number }
  | { k: 'freedBefore'; t: number; a: number; cur: number }
  | { k: 'fatal'; cur: number };

const tid = fc.integer({ min: 0, max: N - 1 });
const cur = fc.integer({ min: -1, max: INSTRS.length - 1 });
const index = (xs: unknown[]) => fc.integer({ min: 0, max: xs.length - 1 });
const k = <K extends string>(name: K) => fc.constant(name);
const opArb = fc.oneof(
  { weight: 1, arbitrary: fc.record({ k: k('reset') }) },
  { weight: 4, arbitrary: fc.record({ k: k('save') }) },
  { weight: 4, arbitrary: fc.record({ k: k('restore'), i: fc.nat(), clocks: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ k: k('tick'), t: tid }) },
  { weight: 3, arbitrary: fc.record({ k: k('sync'), t: tid, u: tid }) },
  {
    weight: 10,
    arbitrary: fc.record({
      k: k('hidden'),
      t: tid,
      instr: index(INSTRS),
      loc: index(LOCS),
      write: fc.boolean(),
      fb: fc.integer({ min: -1, max: ALLOCS.length - 1 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ k: k('access'), t: tid, loc: index(LOCS), write: fc.boolean(), cur }) },
  { weight: 4, arbitrary: fc.record({ k: k('visibleStep'), t: tid }) },
  { weight: 2, arbitrary: fc.record({ k: k('hiddenStep'), t: tid, cur }) },
  { weight: 3, arbitrary: fc.record({ k: k('free'), t: tid, a: index(ALLOCS) }) },
  { weight: 2, arbitrary: fc.record({ k: k('freedBefore'), t: tid, a: index(ALLOCS), cur }) },
  { weight: 1, arbitrary: fc.record({ k: k('fatal'), cur }) },
) as fc.Arbitrary<Op>;

// the histories' private shapes, read for the comparison only
// biome-ignore lint/suspicious/noExplicitAny: a private field of either class
type Any = any;
const sorted = <T>(xs: [string, T][]) => xs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** The reference refiner's history as text, keyed by location and allocation. */
function referenceText(h: Any): string {
  return JSON.stringify({
    hidden: sorted([...h.hidden].map(([l, v]: Any) => [l, v.map((e: Any) => [e.tid, e.instr, e.write, e.epoch])])),
    shown: sorted([...h.shown].map(([l, v]: Any) => [l, [...v.any], [...v.write]])),
    byAlloc: sorted([...h.byAlloc].map(([a, s]: Any) => [String(a), [...s].sort()])),
    freed: sorted([...h.freed].map(([a, f]: Any) => [String(a), [f.tid, f.epoch]])),
    burst: sorted([...h.burst].filter(([, v]: Any) => v.length).map(([t, v]: Any) => [String(t), [...v]])),
  });
}

/** A copy-on-write history as text, its tables' indices turned back into locations and allocations. */
function cowText(r: Any, h: Any): string {
  const locOf = new Map<number, string>([...r.ids].map(([l, i]: Any) => [i, l]));
  const allocOf = new Map<number, number>([...r.allocs].map(([a, i]: Any) => [i, a]));
  allocOf.set(0, -1);
  const rows = (table: Any, f: (v: Any, i: number) => [string, unknown] | undefined) => {
    const out: [string, unknown][] = [];
    table.at.forEach((v: Any, i: number) => {
      const row = v === undefined ? undefined : f(v, i);
      if (row) out.push(row);
    });
    return sorted(out);
  };
  return JSON.stringify({
    hidden: rows(h.hidden, (v, i) => [locOf.get(i)!, v.list.map((e: Any) => [e.tid, e.instr, e.write, e.epoch])]),
    shown: rows(h.shown, (v, i) => [locOf.get(i)!, [...v.any], [...v.write]]),
    byAlloc: rows(h.byAlloc, (v, i) => [String(allocOf.get(i)), v.locs.map((id: number) => locOf.get(id)!).sort()]),
    freed: rows(h.freed, (v, i) => [String(allocOf.get(i)), [v.tid, v.epoch]]),
    burst: rows(h.burst, (v, i) => (v.keys.length ? [String(i), [...v.keys]] : undefined)),
  });
}

function run(ops: Op[], visible: Set<number>): void {
  const ref = new ReferenceRefiner(visible, N);
  const cow = new RaceRefiner(visible, N);
  const fresh = () =>
    Array.from({ length: N }, (_, i) => {
      const v = new Int32Array(N);
      v[i] = 1;
      return v;
    });
  let clocks = fresh();
  const saves: { ref: unknown; cow: unknown; text: string; clocks: Int32Array[] }[] = [];
  const setCurrent = (i: number) => {
    ref.current = cow.current = i < 0 ? -1 : INSTRS[i]!;
  };
  const both = (f: (r: ReferenceRefiner | RaceRefiner) => void) => {
    f(ref);
    f(cow);
  };
  for (const [step, op] of ops.entries()) {
    switch (op.k) {
      case 'reset':
        both((r) => r.reset());
        clocks = fresh();
        break;
      case 'save': {
        const c = cow.save();
        saves.push({ ref: ref.save(), cow: c, text: cowText(cow, c), clocks: clocks.map((v) => v.slice()) });
        break;
      }
      case 'restore': {
        if (!saves.length) break;
        const s = saves[op.i % saves.length]!;
        ref.restore(s.ref);
        cow.restore(s.cow);
        // a checkpoint brings its clocks back (then the same epochs are met again), or the test keeps today's
        if (op.clocks) clocks = s.clocks.map((v) => v.slice());
        setCurrent(-1);
        break;
      }
      case 'tick':
        clocks[op.t]![op.t]!++;
        break;
      case 'sync':
        for (let i = 0; i < N; i++) clocks[op.t]![i] = Math.max(clocks[op.t]![i]!, clocks[op.u]![i]!);
        clocks[op.t]![op.t]!++;
        break;
      case 'hidden':
        // what Machine.hiddenAccess does: the burst, the access, and a freed object met
        setCurrent(op.instr);
        both((r) => r.hiddenStep(op.t));
        both((r) => r.access(op.t, clocks[op.t]!, LOCS[op.loc]!, op.write));
        if (op.fb >= 0) both((r) => r.freedBefore(op.t, clocks[op.t]!, ALLOCS[op.fb]!));
        setCurrent(-1);
        break;
      case 'access':
        setCurrent(op.cur);
        both((r) => r.access(op.t, clocks[op.t]!, LOCS[op.loc]!, op.write));
        setCurrent(-1);
        break;
      case 'visibleStep':
        both((r) => r.visibleStep(op.t));
        break;
      case 'hiddenStep':
        setCurrent(op.cur);
        both((r) => r.hiddenStep(op.t));
        setCurrent(-1);
        break;
      case 'free':
        both((r) => r.free(op.t, clocks[op.t]!, ALLOCS[op.a]!));
        break;
      case 'freedBefore':
        setCurrent(op.cur);
        both((r) => r.freedBefore(op.t, clocks[op.t]!, ALLOCS[op.a]!));
        setCurrent(-1);
        break;
      case 'fatal':
        setCurrent(op.cur);
        both((r) => r.fatal());
        setCurrent(-1);
        break;
    }
    const where = `after call ${step} ${JSON.stringify(op)}`;
    // what this call found (emptied after each call, so that a set found earlier cannot hide a difference)
    expect([...cow.found].sort(), where).toEqual([...ref.found].sort());
    ref.found.clear();
    cow.found.clear();
    expect(cowText(cow, (cow as Any).h), where).toBe(referenceText((ref as Any).h));
    for (const s of saves) expect(cowText(cow, s.cow), `a saved history changed ${where}`).toBe(s.text);
  }
}

describe('the race refiner, its history copied on write', () => {
  it('finds what the deep-copying refiner finds and keeps the same history, call by call; saves never change', {
    timeout: 600_000,
  }, () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), fc.subarray(INSTRS), (ops, visible) =>
        run(ops, new Set(visible)),
      ),
      { numRuns: 1_000 },
    );
  });

  it("refuses another refiner's history", () => {
    const a = new RaceRefiner(new Set(), N);
    const b = new RaceRefiner(new Set(), N);
    expect(() => b.restore(a.save())).toThrow(/another refiner/);
    expect(() => b.restore(undefined)).toThrow(/another refiner/);
  });
});
