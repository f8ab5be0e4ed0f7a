import { afterEach, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Deps } from '../../src/kernel/api.js';
import { Machine } from '../../src/vm/machine.js';
import { useParser } from '../helpers.js';
import { hbProgramArb } from './genhb.js';
import { programArb, spinProgramArb, stackProgramArb } from './genprog.js';
import { type KeyWatch, watchKcsanKeys } from './kcsan-keys.js';
import { outcomes } from './outcomes.js';

useParser();

let watch: KeyWatch | undefined;
afterEach(() => watch?.stop());

// the rule stateful DPOR's key rests on (sched/projection.ts): a KCSAN access is on one of its step's keys
it('every KCSAN access of a scenario thread is on a key its step records in a summary, on random programs', {
  timeout: 300_000,
}, async () => {
  watch = watchKcsanKeys(Machine);
  await fc.assert(
    fc.asyncProperty(fc.oneof(programArb, hbProgramArb, stackProgramArb, spinProgramArb), async (src) => {
      await outcomes(src, 'dpor', 2_000);
      expect(watch!.bad).toEqual([]);
    }),
    { numRuns: 120 },
  );
  expect(watch.ok).toBeGreaterThan(1000);
  expect(watch.unasked).toBe(0);
});

for (const [what, mangle] of [
  ['off its step keys', (d: Deps): Deps => ({ ...d, writes: [] })],
  ['plain but not said to be', (d: Deps): Deps => ({ ...d, plain: [] })],
] as const)
  it(`the watch sees an access ${what}`, async () => {
    // a dependency function that leaves the written location out, or its plainness: the watch must say so
    const proto = Machine.prototype as unknown as { deps: Machine['deps'] };
    const deps = proto.deps;
    proto.deps = function (this: Machine, tid: number, killed?: boolean) {
      return mangle(deps.call(this, tid, killed));
    };
    try {
      watch = watchKcsanKeys(Machine);
      await outcomes('static int x;\nvoid thread_a(void) { x = 1; }\nvoid thread_b(void) { x = 2; }\n', 'dpor');
      expect(watch.bad.length).toBeGreaterThan(0);
    } finally {
      watch?.stop();
      watch = undefined;
      proto.deps = deps;
    }
  });
