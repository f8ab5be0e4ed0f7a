/**
 * GradeOptions.modelTraces: the text report and the autograders' formats
 * name the model's own findings by kind, title and replay token, so their
 * commands grade without replaying those findings for step traces. What
 * they print must not change, the charged findings keep their traces, and
 * the JSON report (the default) keeps the model findings' traces.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { autograderRun } from '../src/autograder/run.js';
import { initNodeParser } from '@teardown/core/node';
import { findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { grade, type GradeReport } from '../src/grade/grade.js';
import { renderText } from '../src/render/text.js';
import { renderGradescope } from '../src/render/gradescope.js';
import { textOptions } from '../src/commands/grade.js';

const ex = loadExercise(findExerciseDir('vdev-lifetime')!);

beforeAll(async () => {
  await initNodeParser();
});

// a known-bad version with charged findings besides the model's own stall, on the scenarios where both show
const file = 'known-bad/put-before-unlock.c';
const submission = [{ name: 'put-before-unlock.c', text: ex.files.get(file)! }];
const only = ['destroy-races-unbind', 'use-races-unbind'];

const modelFindings = (r: GradeReport) => r.scenarios.flatMap((s) => s.modelFindings);
const charged = (r: GradeReport) => r.scenarios.flatMap((s) => s.findings);

describe('grading without the model findings’ traces', () => {
  it('prints the same text and Gradescope results, and keeps the charged findings’ traces', async () => {
    const full = await grade(ex, submission, { reproducible: true, only });
    const lean = await grade(ex, submission, { reproducible: true, only, modelTraces: false });
    // the case this is about: model findings beside charged ones
    expect(modelFindings(full).length).toBeGreaterThan(0);
    expect(charged(full).length).toBeGreaterThan(0);
    for (const f of modelFindings(full)) expect(f.trace?.length).toBeGreaterThan(0);
    for (const f of modelFindings(lean)) expect(f.trace).toBeUndefined();
    expect(modelFindings(lean).map((f) => [f.kind, f.title, f.token])).toEqual(
      modelFindings(full).map((f) => [f.kind, f.title, f.token]),
    );
    expect(charged(lean)).toEqual(charged(full));
    const text = textOptions(ex, submission);
    expect(renderText(lean, text)).toBe(renderText(full, text));
    expect(JSON.stringify(renderGradescope(lean, text))).toBe(JSON.stringify(renderGradescope(full, text)));
  });

  it('keeps them where the whole report is written: autograder run --format json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-model-traces-'));
    try {
      writeFileSync(join(dir, 'vdev-lifetime.c'), ex.files.get(ex.manifest.solution)!);
      const out = join(dir, 'results.json');
      expect(await autograderRun(ex, { submission: dir, format: 'json', out })).toBe(0);
      const r = JSON.parse(readFileSync(out, 'utf8')) as GradeReport;
      expect(modelFindings(r).length).toBeGreaterThan(0);
      for (const f of modelFindings(r)) expect(f.trace?.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
