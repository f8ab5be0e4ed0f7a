/** What the KCSAN tests share: a reporting context, sites, and a detector's digest. */
import type { Kcsan } from '../../src/detect/kcsan.js';
import { Hash64 } from '../../src/state/hash.js';
import type { Site } from '../../src/state/state.js';

/** A reporting context in which every file is the learner's. */
export const ctx = { isLearnerFile: () => true };

/** Task `tid`'s site at line `line` of p.c. */
export const site = (tid: number, line: number): Site => ({
  task: `t${tid}`,
  tid,
  step: 0,
  stack: [{ fn: `f${tid}`, file: 'p.c', line, column: 1 }],
});

/** KCSAN's part of a state digest, as its two lanes; `ended`: the scenario threads that have returned. */
export const digest = (k: Kcsan, ended: readonly number[] = []): number[] => {
  const h = new Hash64();
  k.hashInto(
    h,
    Array.from({ length: 64 }, (_, t) => ({ done: ended.includes(t) })),
  );
  return [h.h1, h.h2];
};
