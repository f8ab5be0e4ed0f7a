/**
 * Every play challenge is winnable: its checker's minimal interleaving,
 * played through the play API one step at a time, makes the goal finding
 * appear, with the steps and preemptions the manifest states; and every
 * chapter from 2 on has at least one challenge.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initNodeParser } from '@teardown/core/node';
import { decodeToken, goalMet, playScore } from '@teardown/core';
import { bundledExercises, findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { exerciseChallenges, playChallenge } from '../src/exercise/challenge.js';
import { parseExercise } from '../src/exercise/manifest.js';
import { teardown } from './cli.js';

beforeAll(async () => {
  await initNodeParser();
});

const exercises = bundledExercises().map((id) => loadExercise(findExerciseDir(id)!));
const all = exercises.flatMap((ex) => exerciseChallenges(ex).map((ch) => ({ ex, ch })));

describe('play challenges', () => {
  it('cover every chapter from chapter 2 on', () => {
    const dir = join(new URL('../../../', import.meta.url).pathname, 'apps/workbook/src/content/docs/chapters');
    const chapters = readdirSync(dir)
      .filter((f) => /^\d\d-.*\.mdx$/.test(f) && Number(f.slice(0, 2)) >= 2)
      .map((f) => `chapters/${f.replace(/\.mdx$/, '')}`);
    expect(chapters.length).toBeGreaterThanOrEqual(8);
    for (const c of chapters)
      expect(
        all.some(({ ch }) => ch.chapter === c),
        c,
      ).toBe(true);
  });

  it.each(all.map(({ ex, ch }) => [`${ex.manifest.id}/${ch.id}`, ex, ch] as const))(
    '%s is won by the checker minimal interleaving, step by step',
    async (_id, ex, ch) => {
      const { session } = await playChallenge(ex, ch);
      const schedule = decodeToken(ch.minimal.token).schedules[0]!;
      let v = session.view();
      let won = goalMet(ch.goal, v.findings);
      for (const tid of schedule) {
        expect(won, 'won before the end of the minimal interleaving').toBeUndefined();
        v = tid === -1 ? v : session.step(tid);
        won = goalMet(ch.goal, v.findings);
      }
      expect(
        won,
        `goal ${JSON.stringify(ch.goal)} not met; found ${v.findings.map((f) => f.title).join(' | ')}`,
      ).toBeDefined();
      expect(won!.token).toBe(ch.minimal.token);
      const score = playScore(won!, ch.minimal);
      expect({ steps: score.steps, preemptions: score.preemptions }).toEqual({
        steps: ch.minimal.steps,
        preemptions: ch.minimal.preemptions,
      });
      expect(score.asGoodAsChecker).toBe(true);
      // `teardown replay` of the played token reports the very finding reached by hand
      const cli = teardown([
        'replay',
        '--exercise',
        ex.manifest.id,
        '--scenario',
        ch.scenario,
        `exercises/${ex.manifest.id}/${ch.program}`,
        '--schedule',
        v.token,
        '--json',
      ]);
      expect(cli.code, cli.stderr).toBe(1);
      const replayed = (JSON.parse(cli.stdout).findings as { key: string; token: string }[]).find(
        (f) => f.key === won!.key && f.token === won!.token,
      );
      expect(JSON.stringify(replayed)).toBe(JSON.stringify(won));
      // undo takes the winning step back: the goal is not met any more
      expect(goalMet(ch.goal, session.undo().findings)).toBeUndefined();
    },
  );

  it('are checked by the manifest parser', () => {
    const ex = exercises.find((e) => e.manifest.id === 'vdev-lifetime')!;
    const files = new Map(ex.files);
    const m = JSON.parse(files.get('exercise.json')!);
    m.challenges = [{ ...m.challenges[0], program: 'nope.c', scenario: 'nope', goal: { kind: 'bogus' } }];
    files.set('exercise.json', JSON.stringify(m));
    expect(() => parseExercise(files)).toThrow(/program nope.c is missing.*scenario nope.*goal.kind/);
  });
});
