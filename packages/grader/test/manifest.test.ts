/**
 * The exercise manifest: every exercise.json validates against
 * exercises/exercise.schema.json (what editors check while one is written),
 * the schema agrees with parseExercise on finding kinds and hints, and
 * parseExercise checks the optional `hints` (docs/grading.md, "Hints").
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { FINDING_KINDS } from '@teardown/core';
import { MAX_HINT, parseExercise } from '../src/exercise/manifest.js';
import { bundledExercises, findExerciseDir, readTree } from '../src/exercise/node.js';
import { ROOT } from './cli.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'exercises/exercise.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);

/** The vdev-lifetime files with its manifest edited by `edit`. */
function withManifest(edit: (m: Record<string, unknown>) => void): Map<string, string> {
  const files = readTree(findExerciseDir('vdev-lifetime')!);
  const m = JSON.parse(files.get('exercise.json')!);
  edit(m);
  files.set('exercise.json', JSON.stringify(m));
  return files;
}

describe.each(bundledExercises())('exercise %s', (id) => {
  const manifest = JSON.parse(readFileSync(join(findExerciseDir(id)!, 'exercise.json'), 'utf8'));

  it('validates against exercises/exercise.schema.json', () => {
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
  });

  it('has 4 to 7 hints', () => {
    expect(manifest.hints.length).toBeGreaterThanOrEqual(4);
    expect(manifest.hints.length).toBeLessThanOrEqual(7);
  });
});

describe('exercise.schema.json', () => {
  it('lists the finding kinds the grader knows, and the longest hint it accepts', () => {
    expect(schema.definitions.findingKind.enum).toEqual([...FINDING_KINDS]);
    expect(schema.properties.hints.items.maxLength).toBe(MAX_HINT);
  });

  it('rejects what parseExercise rejects in hints', () => {
    const m = JSON.parse(readFileSync(join(ROOT, 'exercises/vdev-lifetime/exercise.json'), 'utf8'));
    for (const hints of ['think', [''], ['  '], [3], ['x'.repeat(MAX_HINT + 1)]]) {
      expect(validate({ ...m, hints }), JSON.stringify(hints)).toBe(false);
    }
  });
});

describe('hints in parseExercise', () => {
  it('are optional, and kept in order when present', () => {
    expect(parseExercise(withManifest((m) => delete m.hints)).manifest.hints).toBeUndefined();
    const ex = parseExercise(withManifest((m) => (m.hints = ['first', 'second'])));
    expect(ex.manifest.hints).toEqual(['first', 'second']);
  });

  it('must be a list of non-empty strings of at most MAX_HINT characters, each problem named', () => {
    expect(() => parseExercise(withManifest((m) => (m.hints = 'think about locks')))).toThrow(
      /hints must be a list of strings/,
    );
    const bad = withManifest((m) => (m.hints = ['fine', '', 7, 'x'.repeat(MAX_HINT + 1)]));
    expect(() => parseExercise(bad)).toThrow(
      new RegExp(
        `hints\\[1\\] must be a non-empty string; hints\\[2\\] must be a non-empty string; ` +
          `hints\\[3\\] is ${MAX_HINT + 1} characters long \\(at most ${MAX_HINT}\\)`,
      ),
    );
  });
});
