/**
 * The rule core's stateful DPOR key rests on (sched/projection.ts): every
 * KCSAN access of a scenario thread is on one of the dependency keys its
 * step records in a summary, checked on every exercise's solution and
 * known-bad versions (their gradings, with the model's code).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '@teardown/core';
import { initNodeParser } from '@teardown/core/node';
import { bundledExercises, findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { type GradeOptions, type SubmissionFile, grade } from '../src/grade/grade.js';
import { type KeyWatch, watchKcsanKeys } from '../../core/test/sched/kcsan-keys.js';

let watch: KeyWatch;
beforeAll(async () => {
  await initNodeParser();
  watch = watchKcsanKeys(Machine as unknown as Parameters<typeof watchKcsanKeys>[0]);
});
afterAll(() => watch.stop());

describe('KCSAN accesses on their steps keys', () => {
  for (const id of bundledExercises()) {
    it(`${id}: every version`, { timeout: 600_000 }, async () => {
      const ex = loadExercise(findExerciseDir(id)!);
      const before = watch.ok;
      for (const v of [
        { file: ex.manifest.solution },
        ...ex.manifest.knownBad.map((kb) => ({ file: kb.file, replaces: kb.replaces })),
      ]) {
        const submission: SubmissionFile[] = [{ name: v.file, text: ex.files.get(v.file)! }];
        const opts: GradeOptions = {
          reproducible: true,
          bare: true,
          budget: { executions: 150 },
          ...(v.replaces ? { replaces: v.replaces } : {}),
        };
        await grade(ex, submission, opts);
        expect(watch.bad, v.file).toEqual([]);
      }
      expect(watch.ok).toBeGreaterThan(before);
      expect(watch.unasked).toBe(0);
    });
  }
});
