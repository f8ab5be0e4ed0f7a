/**
 * `teardown autograder prairielearn <exercise> --out DIR`: a PrairieLearn
 * question and the course files its external grader needs (PrairieLearn
 * docs, "External grading"):
 *
 *   DIR/questions/<id>/info.json      externalGradingOptions: image node:20, entrypoint run.sh, timeout
 *   DIR/questions/<id>/question.html  the statement, a file editor with the starter, the results element
 *   DIR/serverFilesCourse/teardown/   the bundled grader, the exercise, run.sh
 *
 * Copy both folders into the course repository. PrairieLearn mounts
 * serverFilesCourse/teardown at /grade/serverFilesCourse/teardown and the
 * student's file at /grade/student; run.sh writes /grade/results/results.json
 * (GRADE_ROOT replaces /grade, to try it locally).
 */
import { createHash } from 'node:crypto';
import type { Exercise } from '../exercise/manifest.js';
import { buildBundle, expectedFileName, shippedExercise, studentStatement, type BundleVersion } from './bundle.js';
import { CLI_NODE_OPTIONS } from '../node-options.js';
import { addBundle, newTree, type FileTree } from './files.js';
import { DEFAULT_TEST_TIME_LIMIT_S, limitedBudget } from './run.js';

/** PrairieLearn's longest external grading timeout, in seconds. */
export const PRAIRIELEARN_MAX_TIMEOUT_S = 600;

/** A UUID (version 4 layout) derived from the exercise id, so a rebuilt question keeps its identity. */
function stableUuid(id: string): string {
  const h = createHash('sha256').update(`teardown-question:${id}`).digest('hex');
  const v = `4${h.slice(13, 16)}`;
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16) + h.slice(17, 20);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${v}-${variant}-${h.slice(20, 32)}`;
}

/** The entry point: grade the student's file; a failure of the grader itself is reported as not gradable. */
export function prairieLearnRun(ex: Exercise, testTimeLimitS: number): string {
  return `#!/usr/bin/env bash
# PrairieLearn's external grader entry point for ${ex.manifest.id}: grades the
# student's file in /grade/student into /grade/results/results.json.
# GRADE_ROOT replaces /grade, to try it on your machine.
set -uo pipefail
ROOT="\${GRADE_ROOT:-/grade}"
HERE="$ROOT/serverFilesCourse/teardown"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
node ${CLI_NODE_OPTIONS} "$HERE/teardown.mjs" autograder run "$HERE/exercise" --submission "$ROOT/student" \\
  --file ${expectedFileName(ex)} --format prairielearn --out "$RESULTS" --test-time-limit ${testTimeLimitS}
status=$?
if [ "$status" -ne 0 ] || [ ! -s "$RESULTS" ]; then
  printf '{"gradable":false,"message":"The autograder itself failed (exit %s).","format_errors":["The autograder itself failed."],"tests":[]}\\n' "$status" >"$RESULTS"
fi
exit 0
`;
}

const escHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** question.html: the statement (as preformatted Markdown), the editor with the starter, the results. */
function questionHtml(ex: Exercise): string {
  const statement = studentStatement(ex);
  return `<pl-question-panel>
  <markdown>
${escHtml(statement.trimEnd())}
  </markdown>
</pl-question-panel>

<pl-file-editor file-name="${expectedFileName(ex)}" ace-mode="ace/mode/c_cpp">
${escHtml((ex.files.get(ex.manifest.starter) ?? '').trimEnd())}
</pl-file-editor>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
`;
}

/** Build the question and the course files. */
export async function prairieLearnTemplate(
  ex: Exercise,
  testTimeLimitS = DEFAULT_TEST_TIME_LIMIT_S,
): Promise<{ tree: FileTree; version: BundleVersion }> {
  const { files, version } = await buildBundle();
  const perScenarioS = limitedBudget(ex, testTimeLimitS * 1000).ms / 1000;
  const timeout = Math.min(PRAIRIELEARN_MAX_TIMEOUT_S, Math.ceil(ex.scenarios.length * perScenarioS * 1.2 + 30));
  const info = {
    uuid: stableUuid(ex.manifest.id),
    title: ex.manifest.title,
    topic: 'Object lifetimes and teardown races',
    tags: ['teardown', ex.manifest.id],
    type: 'v3',
    singleVariant: true,
    gradingMethod: 'External',
    externalGradingOptions: {
      enabled: true,
      image: 'node:20',
      serverFilesCourse: ['teardown/'],
      entrypoint: '/grade/serverFilesCourse/teardown/run.sh',
      timeout,
    },
  };
  const t = newTree();
  const q = `questions/${ex.manifest.id}/`;
  t.files.set(`${q}info.json`, `${JSON.stringify(info, null, 2)}\n`);
  t.files.set(`${q}question.html`, questionHtml(ex));
  t.files.set('serverFilesCourse/teardown/run.sh', prairieLearnRun(ex, testTimeLimitS));
  t.exec.add('serverFilesCourse/teardown/run.sh');
  addBundle(t, 'serverFilesCourse/teardown/', files, shippedExercise(ex));
  return { tree: t, version };
}
