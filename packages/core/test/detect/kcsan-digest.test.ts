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
