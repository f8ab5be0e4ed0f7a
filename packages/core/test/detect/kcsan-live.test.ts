import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kcsan } from '../../src/detect/kcsan.js';
import { LIVE_MARKED, liveEntriesBuffer } from '../../src/detect/kcsan-digest.js';
import { ctx, digest, site } from './kcsan-helpers.js';

/**
 * KCSAN's live entries (Kcsan.liveEntries), from which stateful DPOR keeps
 * only those a state's future meets (sched/projection.ts): an entry counts
 * when the future accesses its location from another thread. Two histories
 * whose counted entries agree (location, task, and the hash of kind,
 * marking, site and the clocks that cover it) must find the same races in
 * that future, whatever else they differ in: the soundness of the key, at
 * the detector's level. An independent check of the hash's parts: dropping
 * the threads' mask or the sync objects' sum from it fails here.
 */

type Op =
  | { k: 'access'; tid: number; loc: number; write: boolean; marked: boolean }
  | { k: 'add'; tid: number; loc: number }
  | { k: 'release' | 'acquire' | 'rmw'; tid: number; sync: number };

/** Three scenario threads (the check task, tid 3, is not one), two locations, two sync objects. */
const opArb = (tids: readonly number[]): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({
      k: fc.constant('access' as const),
      tid: fc.constantFrom(...tids),
      loc: fc.integer({ min: 0, max: 1 }),
      write: fc.boolean(),
      marked: fc.boolean(),
    }),
    fc.record({ k: fc.constant('add' as const), tid: fc.constantFrom(...tids), loc: fc.integer({ min: 0, max: 1 }) }),
    fc.record({
      k: fc.constantFrom('release' as const, 'acquire' as const, 'rmw' as const),
      tid: fc.constantFrom(...tids),
      sync: fc.integer({ min: 0, max: 1 }),
    }),
  );

/** An operation's site names what it does (its line), so that one operation has one site in any history. */
function lineOf(op: Op): number {
  if (op.k === 'access') return 10 + op.tid * 8 + op.loc * 4 + (op.write ? 2 : 0) + (op.marked ? 1 : 0);
  if (op.k === 'add') return 40 + op.tid * 2 + op.loc;
  return 0;
}

/** Apply `op`; the keys of the races it reports. */
function apply(k: Kcsan, op: Op): string[] {
  const line = lineOf(op);
  if (op.k === 'access')
    return (k.access(op.tid, `x${op.loc}`, op.write, op.marked, site(op.tid, line), 'x', line, ctx) ?? []).map(
      (f) => f.key,
    );
  if (op.k === 'add')
    return (k.add(op.tid, `x${op.loc}`, site(op.tid, line), 'atomic_inc(&x)', line, ctx) ?? []).map((f) => f.key);
  k[op.k](op.tid, `lock${op.sync}`);
  return [];
}

/**
 * The live entries a future of operations `rest` meets (another thread accesses their location, plainly for a
 * marked entry), sorted.
 */
function counted(k: Kcsan, rest: readonly Op[], ended: readonly number[]): string[] {
  const out = liveEntriesBuffer();
  k.liveEntries(
    Array.from({ length: 4 }, (_, t) => ({ done: ended.includes(t) })),
    out,
  );
  const entries: string[] = [];
  for (let i = 0; i < out.count; i++) {
    const loc = k.locKey(out.data[3 * i]!);
    const tid = out.data[3 * i + 1]! & 0xffff;
    const marked = (out.data[3 * i + 1]! & LIVE_MARKED) !== 0;
    const meets = (op: Op) =>
      (op.k === 'access' || op.k === 'add') &&
      `x${op.loc}` === loc &&
      op.tid !== tid &&
      (!marked || (op.k === 'access' && !op.marked));
    if (rest.some(meets)) entries.push(`${loc}/${out.data[3 * i + 1]}/${out.data[3 * i + 2]}`);
  }
  return entries.sort();
}

describe('KCSAN live entries, as stateful DPOR counts them', () => {
  for (const ended of [[], [0]] as const)
    it(`equal counted entries mean the same races in that future${ended.length ? ', thread 0 ended' : ''}`, () => {
      // two histories that differ in the order of two neighbouring operations; where the entries the future
      // meets agree, every operation of the future finds the same races in both (each detector with its own
      // reported set, emptied first, as one exploration's would be)
      const running = [0, 1, 2].filter((t) => !ended.includes(t as 0));
      let beyondDigest = 0;
      let compared = 0;
      fc.assert(
        fc.property(
          fc.array(opArb([0, 1, 2]), { maxLength: 8 }),
          opArb([0, 1, 2]),
          opArb([0, 1, 2]),
          fc.array(opArb([0, 1, 2]), { maxLength: 6 }),
          fc.array(opArb(running), { minLength: 1, maxLength: 12 }),
          (before, x, y, after, rest) => {
            const ra = new Set<string>();
            const rb = new Set<string>();
            const a = new Kcsan(4, ra);
            const b = new Kcsan(4, rb);
            for (const op of [...before, x, y, ...after]) apply(a, op);
            for (const op of [...before, y, x, ...after]) apply(b, op);
            if (JSON.stringify(counted(a, rest, ended)) !== JSON.stringify(counted(b, rest, ended))) return;
            compared++;
            if (JSON.stringify(digest(a, ended)) !== JSON.stringify(digest(b, ended))) beyondDigest++;
            ra.clear();
            rb.clear();
            for (const op of rest) expect(apply(b, op).sort()).toEqual(apply(a, op).sort());
          },
        ),
        { numRuns: 3000 },
      );
      // not vacuous: histories KCSAN's whole digest tells apart but whose counted entries agree are met
      expect(compared).toBeGreaterThan(1000);
      expect(beyondDigest).toBeGreaterThan(50);
    });

  it('marks an entry marked when it is: a READ_ONCE, a WRITE_ONCE, an atomic addition', () => {
    const k = new Kcsan(4, new Set());
    k.access(0, 'x', true, true, site(0, 1), 'x', 1, ctx);
    k.access(1, 'y', false, false, site(1, 2), 'y', 1, ctx);
    k.add(2, 'z', site(2, 3), 'atomic_inc(&z)', 1, ctx);
    const out = liveEntriesBuffer();
    k.liveEntries([{ done: false }, { done: false }, { done: false }, { done: false }], out);
    const tids = new Map<string, number>();
    for (let i = 0; i < out.count; i++) tids.set(k.locKey(out.data[3 * i]!), out.data[3 * i + 1]!);
    expect(Object.fromEntries(tids)).toEqual({ x: LIVE_MARKED, y: 1, z: 2 | LIVE_MARKED });
  });

  it("keeps a location's id for the whole exploration: a fresh detector names it alike", () => {
    // the explorer renames KCSAN's location ids to the scheduler's once each (sched/explorer.ts liveEntries)
    const a = new Kcsan(4, new Set());
    a.access(0, 'x', true, false, site(0, 1), 'x', 1, ctx);
    const b = a.fresh();
    b.access(1, 'y', true, false, site(1, 2), 'y', 1, ctx);
    b.access(1, 'x', true, false, site(1, 3), 'x', 1, ctx);
    const ids = (k: Kcsan) => {
      const out = liveEntriesBuffer();
      k.liveEntries([{ done: false }, { done: false }, { done: false }, { done: false }], out);
      return new Map(Array.from({ length: out.count }, (_, i) => [k.locKey(out.data[3 * i]!), out.data[3 * i]!]));
    };
    expect(ids(b).get('x')).toBe(ids(a).get('x'));
    expect(ids(b).get('y')).not.toBe(ids(a).get('x'));
  });

  it('gives an entry the hash of its own epoch, however many epochs a state has (its memo has 64 slots)', () => {
    // thread 0 writes x<i> and releases L<i>, 128 times: 128 entries at 128 epochs, each covered by other locks;
    // the state that writes only from round 64 on gives those entries the same hashes (writes change no clock)
    const hashes = (from: number) => {
      const k = new Kcsan(4, new Set());
      for (let i = 0; i < 128; i++) {
        if (i >= from) k.access(0, `x${i}`, true, false, site(0, 100 + i), 'x', 1, ctx);
        k.release(0, `L${i}`);
      }
      const out = liveEntriesBuffer();
      k.liveEntries([{ done: false }, { done: false }, { done: false }, { done: false }], out);
      return new Map(Array.from({ length: out.count }, (_, i) => [k.locKey(out.data[3 * i]!), out.data[3 * i + 2]!]));
    };
    const all = hashes(0);
    const late = hashes(64);
    expect(all.size).toBe(128);
    expect(late.size).toBe(64);
    expect(new Set(all.values()).size).toBe(128);
    for (const [loc, h] of late) expect(all.get(loc)).toBe(h);
  });

  it('an entry is counted with the clocks that cover it: a thread, or a lock it released', () => {
    const entries = (k: Kcsan) => {
      const out = liveEntriesBuffer();
      k.liveEntries([{ done: false }, { done: false }, { done: false }, { done: false }], out);
      return [...out.data.subarray(0, 3 * out.count)];
    };
    // thread 0 writes x: one live entry, of thread 0 on x
    const a = new Kcsan(4, new Set());
    a.access(0, 'x', true, false, site(0, 10), 'x', 1, ctx);
    const [loc, tid, h0] = entries(a);
    expect([a.locKey(loc!), tid]).toEqual(['x', 0]);
    // released on a lock: the same entry, another hash; taken by thread 1 too: another one again
    a.release(0, 'L');
    const h1 = entries(a)[2];
    a.acquire(1, 'L');
    const h2 = entries(a)[2];
    expect(new Set([h0, h1, h2]).size).toBe(3);
    // taken by thread 2 as well: every other thread covers it, so it is dead
    a.acquire(2, 'L');
    expect(entries(a)).toEqual([]);
  });
});
