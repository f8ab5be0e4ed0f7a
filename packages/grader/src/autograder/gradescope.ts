/**
 * `teardown autograder gradescope <exercise> --out autograder.zip`: the
 * autograder in Gradescope's layout (gradescope-autograders.readthedocs.io,
 * "Autograder specifications"): `setup.sh` and `run_autograder` at the root
 * of the zip, which Gradescope unpacks into /autograder/source; the bundled
 * grader in `teardown/`, the exercise in `teardown/exercise/`.
 *
 * setup.sh runs once when Gradescope builds the image: it installs Node from
 * the distribution if the image has none and grades the starter once as a
 * smoke test. run_autograder runs per submission: it grades
 * /autograder/submission into /autograder/results/results.json (one test
 * per scenario, hidden scenarios shown after publication), honouring
 * AUTOGRADER_ROOT in place of /autograder so that it can be tried locally.
 */
import type { Exercise } from '../exercise/manifest.js';
import { buildBundle, expectedFileName, shippedExercise, type BundleVersion } from './bundle.js';
import { CLI_NODE_OPTIONS } from '../node-options.js';
import { addBundle, newTree, zipTree } from './files.js';
import { DEFAULT_TEST_TIME_LIMIT_S, limitedBudget } from './run.js';

/** Gradescope's default overall timeout per submission, in seconds (its troubleshooting page). */
export const GRADESCOPE_TIMEOUT_S = 600;

/** setup.sh: Node from the distribution when missing, then a smoke test of the bundle. */
export function gradescopeSetup(ex: Exercise): string {
  return `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# The grader is bundled in source/teardown/ (teardown.mjs, the parser's wasm,
# the exercise): it needs Node and nothing from npm or the network.
set -euo pipefail
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
if ! command -v node >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs
fi
echo "node $(node --version)"
# smoke test: grading the starter must work (exit 1: it fails scenarios, as a starter does)
set +e
node "$ROOT/source/teardown/teardown.mjs" grade "$ROOT/source/teardown/exercise" \\
  "$ROOT/source/teardown/exercise/${ex.manifest.starter}" --quick --json >/dev/null
status=$?
set -e
if [ "$status" -gt 1 ]; then
  echo "the bundled grader does not run on node $(node --version) (exit $status): use a base image with Node 20 or later" >&2
  exit 1
fi
echo "teardown autograder for ${ex.manifest.id} is ready"
`;
}

/** run_autograder: grade the submission; if the grader itself fails, still leave a results.json that says so. */
export function gradescopeRun(ex: Exercise, testTimeLimitS: number): string {
  return `#!/usr/bin/env bash
# Gradescope runs this for each submission (cwd /autograder): it grades the
# files in submission/ and writes results/results.json. AUTOGRADER_ROOT
# replaces /autograder, to try it on your machine.
set -uo pipefail
ROOT="\${AUTOGRADER_ROOT:-/autograder}"
SRC="$ROOT/source"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
node ${CLI_NODE_OPTIONS} "$SRC/teardown/teardown.mjs" autograder run "$SRC/teardown/exercise" \\
  --submission "$ROOT/submission" --file ${expectedFileName(ex)} \\
  --format gradescope --out "$RESULTS" --test-time-limit ${testTimeLimitS}
status=$?
if [ "$status" -ne 0 ] || [ ! -s "$RESULTS" ]; then
  printf '{"score":0,"output":"The autograder itself failed (exit %s); your instructor has the log.","visibility":"visible","stdout_visibility":"hidden"}\\n' "$status" >"$RESULTS"
fi
exit 0
`;
}

/**
 * Build the zip. Returns its bytes, the bundle's version, and warnings (the
 * worst-case grading time against Gradescope's overall timeout).
 */
export async function gradescopeZip(
  ex: Exercise,
  testTimeLimitS = DEFAULT_TEST_TIME_LIMIT_S,
): Promise<{ zip: Uint8Array; version: BundleVersion; warnings: string[] }> {
  const { files, version } = await buildBundle();
  const t = newTree();
  t.files.set('setup.sh', gradescopeSetup(ex));
  t.files.set('run_autograder', gradescopeRun(ex, testTimeLimitS));
  t.exec.add('setup.sh');
  t.exec.add('run_autograder');
  addBundle(t, 'teardown/', files, shippedExercise(ex));
  const worst = (ex.scenarios.length * limitedBudget(ex, testTimeLimitS * 1000).ms) / 1000;
  const warnings =
    worst > GRADESCOPE_TIMEOUT_S * 0.8
      ? [
          `${ex.scenarios.length} scenarios at up to ${worst / ex.scenarios.length} s each may take ${worst} s: raise the assignment's timeout above Gradescope's default ${GRADESCOPE_TIMEOUT_S} s, or lower --test-time-limit`,
        ]
      : [];
  return { zip: await zipTree(t), version, warnings };
}
