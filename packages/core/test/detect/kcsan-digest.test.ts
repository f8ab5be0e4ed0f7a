import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kcsan } from '../../src/detect/kcsan.js';
import { ctx, digest, site } from './kcsan-helpers.js';

/**
 * KCSAN's part of the state digest (Kcsan.hashInto) walks only the
 * locations that may still hold a live entry: each digest drops those it
 * finds without one, and an access adds its location back. So a detector
 * digested after every operation (its list pruned again and again) must
 * give the digest of one that went through the same operations undigested
 * (its list every location touched), and so must a clone taken on the way.
 */

type Op =
  | { k: 'access'; tid: number; loc: number; write: boolean; marked: boolean }
  | { k: 'add'; tid: number; loc: number }
  | { k: 'release' | 'acquire' | 'rmw'; tid: number; sync: number };

/** Three scenario threads and the setup/check task (tid 3), four locations, two sync objects. */
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('access' as const),
    tid: fc.integer({ min: 0, max: 3 }),
    loc: fc.integer({ min: 0, max: 3 }),
    write: fc.boolean(),
    marked: fc.boolean(),
  }),
  fc.record({
    k: fc.constant('add' as const),
    tid: fc.integer({ min: 0, max: 2 }),
    loc: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({
    k: fc.constantFrom('release' as const, 'acquire' as const, 'rmw' as const),
    tid: fc.integer({ min: 0, max: 3 }),
    sync: fc.integer({ min: 0, max: 1 }),
  }),
);

function apply(k: Kcsan, op: Op, i: number): void {
  if (op.k === 'access') k.access(op.tid, `x${op.loc}`, op.write, op.marked, site(op.tid, i), 'x', i, ctx);
  else if (op.k === 'add') k.add(op.tid, `x${op.loc}`, site(op.tid, i), 'atomic_inc(&x)', i, ctx);
  else k[op.k](op.tid, `lock${op.sync}`);
}

describe('KCSAN digest', () => {
  it('the same whether digests pruned the locations walked along the way, in a clone too', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.nat(60), (ops, cut) => {
        const often = new Kcsan(4, new Set());
        const never = new Kcsan(4, new Set());
        let clone: Kcsan | null = null;
        ops.forEach((op, i) => {
          apply(often, op, i);
          apply(never, op, i);
          if (clone) apply(clone, op, i);
          digest(often);
          if (i === cut) clone = often.clone();
        });
        expect(digest(often)).toEqual(digest(never));
        if (clone) expect(digest(clone)).toEqual(digest(never));
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * A thread that has returned accesses nothing any more, and `check` joins
 * every clock before it runs: its clock decides no race, so the digest
 * leaves it out, and the entries only it had not covered are dead. But its
 * own entries, and their epochs against the others' and the sync objects'
 * clocks, still decide races of the threads that run on: two histories the
 * digest merges must find the same races from then on (an independent
 * review's mutations, the ended thread's entries taken as dead or its
 * epochs dropped from the thresholds, each fail a test here).
 */
describe('KCSAN digest: an ended thread', () => {
  const workerOp = (tids: number[]) => opArb.filter((op) => tids.includes(op.tid));
  /** The scenario threads' operations on two locations and two sync objects (merged states come often). */
  const smallOp: fc.Arbitrary<Op> = workerOp([0, 1, 2]).map((op) =>
    op.k === 'access' || op.k === 'add' ? { ...op, loc: op.loc % 2 } : op,
  );
  it('leaves its clock out: acquisitions just before it ended change the digest neither then nor later', () => {
    // its clock changes and nothing else (no operation of the others reads it): the digests stay equal as the
    // others go on
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(workerOp([0, 1, 2]), { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 3 }),
        fc.array(opArb, { maxLength: 30 }),
        (ended, prefix, acquired, rest) => {
          const a = new Kcsan(4, new Set());
          const b = new Kcsan(4, new Set());
          prefix.forEach((op, i) => {
            apply(a, op, i);
            apply(b, op, i);
          });
          for (const s of acquired) b.acquire(ended, `lock${s}`);
          expect(digest(b, [ended])).toEqual(digest(a, [ended]));
          rest
            .filter((op) => op.tid !== ended && op.tid !== 3)
            .forEach((op, j) => {
              apply(a, op, prefix.length + j);
              apply(b, op, prefix.length + j);
              expect(digest(b, [ended])).toEqual(digest(a, [ended]));
            });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('equal digests with a thread ended mean the same races for the others, whatever came before', () => {
    // two histories that differ by the order of two neighbouring operations, the first one of thread 0's, which
    // then ends: where the digest says they are one state, every later operation of the running threads must
    // find the same races in both (each with its own reported set, emptied first, as one exploration's would be)
    let merged = 0;
    const small = (tids: number[]) => smallOp.filter((op) => tids.includes(op.tid));
    fc.assert(
      fc.property(
        fc.array(small([0, 1, 2]), { maxLength: 8 }),
        small([0]),
        small([0, 1, 2]),
        fc.array(small([0, 1, 2]), { maxLength: 6 }),
        fc.array(small([1, 2]), { maxLength: 24 }),
        (before, x, y, after, rest) => {
          const ra = new Set<string>();
          const rb = new Set<string>();
          const a = new Kcsan(4, ra);
          const b = new Kcsan(4, rb);
          [...before, x, y, ...after].forEach((op, j) => {
            apply(a, op, j);
          });
          [...before, y, x, ...after].forEach((op, j) => {
            apply(b, op, j);
          });
          if (JSON.stringify(digest(a, [0])) !== JSON.stringify(digest(b, [0]))) return;
          if (JSON.stringify(a.snapshot()) !== JSON.stringify(b.snapshot())) merged++;
          ra.clear();
          rb.clear();
          rest.forEach((op, j) => {
            const line = 100 + j;
            const keys = (k: Kcsan) => {
              if (op.k === 'access')
                return (
                  k.access(op.tid, `x${op.loc}`, op.write, op.marked, site(op.tid, line), 'x', line, ctx) ?? []
                ).map((f) => f.key);
              if (op.k === 'add')
                return (k.add(op.tid, `x${op.loc}`, site(op.tid, line), 'atomic_inc(&x)', line, ctx) ?? []).map(
                  (f) => f.key,
                );
              k[op.k](op.tid, `lock${op.sync}`);
              return [];
            };
            expect(keys(b).sort()).toEqual(keys(a).sort());
          });
        },
      ),
      { numRuns: 3000 },
    );
    // not vacuous: histories the digest merges although their detector states differ are met
    expect(merged).toBeGreaterThan(20);
  });

  it('its own entries and their epochs stay: a write it left unordered, before or after its release', () => {
    // thread 0 writes x and ends; thread 1 never synchronises: the write can still race with thread 1
    const a = new Kcsan(4, new Set());
    const b = new Kcsan(4, new Set());
    a.access(0, 'x', true, false, site(0, 10), 'x', 1, ctx);
    expect(digest(a, [0])).not.toEqual(digest(b, [0]));
    // the same write before or after thread 0's release of a lock thread 1 then takes: ordered, or a race
    const c = new Kcsan(4, new Set());
    const d = new Kcsan(4, new Set());
    c.access(0, 'x', true, false, site(0, 10), 'x', 1, ctx);
    c.release(0, 'L');
    d.release(0, 'L');
    d.access(0, 'x', true, false, site(0, 10), 'x', 1, ctx);
    expect(digest(c, [0])).not.toEqual(digest(d, [0]));
    c.acquire(1, 'L');
    d.acquire(1, 'L');
    expect(c.access(1, 'x', false, false, site(1, 20), 'x', 2, ctx)).toBeUndefined();
    expect((d.access(1, 'x', false, false, site(1, 20), 'x', 2, ctx) ?? []).map((f) => f.key)).toEqual([
      'data-race:p.c:10:1|p.c:20:1',
    ]);
  });

  it('an entry only the ended thread had not covered is dead: the digest forgets it', () => {
    // thread 0 writes x; thread 1 acquires what thread 0 released; thread 2 never synchronises
    const a = new Kcsan(4, new Set());
    const b = new Kcsan(4, new Set());
    for (const k of [a, b]) k.acquire(1, 'lock0');
    a.access(0, 'x', true, false, site(0, 10), 'x', 1, ctx);
    a.release(0, 'lock0');
    a.acquire(1, 'lock0');
    b.release(0, 'lock0');
    b.acquire(1, 'lock0');
    // while thread 2 runs, the write can race with it: the states differ
    expect(digest(a)).not.toEqual(digest(b));
    // once thread 2 has ended, thread 1 covers the write and thread 0 is its writer: nobody can race with it
    expect(digest(a, [2])).toEqual(digest(b, [2]));
  });
});
