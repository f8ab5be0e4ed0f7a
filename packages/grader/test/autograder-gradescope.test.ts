/**
 * `teardown autograder gradescope`: the zip is built, unpacked into a
 * temporary root as Gradescope unpacks it (/autograder/source), and its own
 * run_autograder grades the solution, a known-bad version, a file that does
 * not compile, a wrongly named file and an upload of several files, each
 * results.json validated against Gradescope's results schema with the scores
 * the exercise implies. Node is already here, so setup.sh runs without
 * installing anything: it only smoke-tests the bundle.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ROOT, teardown } from './cli.js';

const EX = join(ROOT, 'exercises/vdev-lifetime');
const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
const MAX = manifest.scenarios.reduce((a: number, s: { points: number }) => a + s.points, 0);
const schema = JSON.parse(readFileSync(new URL('./schemas/gradescope-results.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

interface GsTest {
  score: number;
  max_score: number;
  name: string;
  status: string;
  visibility: string;
  tags: string[];
  output: string;
}
interface GsResults {
  score: number;
  output: string;
  tests: GsTest[];
}

let root: string;

/** Put `files` in a fresh submission folder, run run_autograder, and return the validated results. */
function runAutograder(files: Record<string, string>): GsResults {
  const sub = join(root, 'submission');
  rmSync(sub, { recursive: true, force: true });
  rmSync(join(root, 'results'), { recursive: true, force: true });
  mkdirSync(sub);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(sub, name), text);
  const r = spawnSync(join(root, 'source/run_autograder'), [], {
    cwd: root,
    env: { ...process.env, AUTOGRADER_ROOT: root },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  const results = JSON.parse(readFileSync(join(root, 'results/results.json'), 'utf8')) as GsResults;
  expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
  return results;
}

const read = (p: string) => readFileSync(join(EX, p), 'utf8');

describe('teardown autograder gradescope', () => {
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-gradescope-'));
    const zip = join(dir, 'autograder.zip');
    const b = teardown(['autograder', 'gradescope', 'vdev-lifetime', '--out', zip]);
    expect(b.code, b.stderr).toBe(0);
    root = join(dir, 'autograder');
    mkdirSync(root);
    // Gradescope unpacks the zip into /autograder/source; unzip keeps the Unix modes the zip records
    const u = spawnSync('unzip', ['-q', zip, '-d', join(root, 'source')], { encoding: 'utf8' });
    expect(u.status, u.stderr).toBe(0);
  });

  it('has the layout Gradescope expects, executable scripts, and no solution or known-bad version', () => {
    for (const f of ['setup.sh', 'run_autograder'])
      expect(statSync(join(root, 'source', f)).mode & 0o111, `${f} is executable`).toBe(0o111);
    // one V8 background thread: a grading container has one or two cores (autograder/bundle.ts)
    expect(readFileSync(join(root, 'source/run_autograder'), 'utf8')).toContain(
      'node --v8-pool-size=1 "$SRC/teardown/teardown.mjs" autograder run',
    );
    const shipped = (p: string) => readFileSync(join(root, 'source/teardown/exercise', p), 'utf8');
    expect(shipped('solution.c')).not.toContain('iommufd_vdevice_destroy');
    expect(() => shipped('known-bad/v2.c')).toThrow();
    expect(JSON.parse(shipped('exercise.json')).knownBad).toEqual([]);
    const s = spawnSync('bash', [join(root, 'source/setup.sh')], {
      env: { ...process.env, AUTOGRADER_ROOT: root },
      encoding: 'utf8',
    });
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/is ready/);
  });

  it('gives the solution every point, one passed test per scenario, hidden ones after publication', () => {
    const r = runAutograder({ 'vdev-lifetime.c': read('solution.c') });
    expect(r.score).toBe(MAX);
    expect(r.tests.map((t) => t.name)).toEqual(manifest.scenarios.map((s: { title: string }) => s.title));
    expect(r.tests.every((t) => t.status === 'passed' && t.score === t.max_score)).toBe(true);
    expect(r.tests.map((t) => t.visibility)).toEqual(
      manifest.scenarios.map((s: { visible: boolean }) => (s.visible ? 'visible' : 'after_published')),
    );
  });

  it('charges a known-bad version the failing scenarios, with the finding kind it declares', () => {
    const r = runAutograder({ 'vdev-lifetime.c': read('known-bad/put-before-unlock.c') });
    const failed = r.tests.filter((t) => t.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((t) => t.score === 0)).toBe(true);
    expect(r.score).toBe(r.tests.reduce((a, t) => a + t.score, 0));
    expect(r.score).toBeLessThan(MAX);
    expect(failed.some((t) => t.tags.includes('use-after-free'))).toBe(true);
    expect(failed.find((t) => t.tags.includes('use-after-free'))!.output).toMatch(/BUG: KASAN: slab-use-after-free/);
  });

  it('gives a file that does not compile 0 with the compiler diagnostics', () => {
    const r = runAutograder({ 'vdev-lifetime.c': 'void iommufd_vdevice_link(struct iommufd_vdevice *vdev {\n' });
    expect(r.score).toBe(0);
    expect(r.output).toMatch(/does not compile/);
    expect(r.output).toMatch(/vdev-lifetime\.c:1:/);
    expect(r.tests.every((t) => t.score === 0)).toBe(true);
  });

  it('grades a wrongly named file with a note, and refuses several files with none named as asked', () => {
    const renamed = runAutograder({ 'my_solution.c': read('solution.c') });
    expect(renamed.score).toBe(MAX);
    expect(renamed.output).toMatch(/Expected a file named vdev-lifetime\.c; graded my_solution\.c/);
    const several = runAutograder({ 'a.c': read('solution.c'), 'b.c': read('starter.c'), 'notes.txt': 'hi' });
    expect(several.score).toBe(0);
    expect(several.output).toMatch(/Several C files \(a\.c, b\.c\) and none named vdev-lifetime\.c/);
    expect(several.tests).toHaveLength(manifest.scenarios.length);
    const none = runAutograder({ 'README.md': '# hi' });
    expect(none.output).toMatch(/No C file in the submission: submit vdev-lifetime\.c \(found README\.md\)/);
  });
});

describe('the results file is written even when the grader cannot run', () => {
  it('reports the failure in a results.json Gradescope accepts', () => {
    // a bundle missing its wasm: the grader exits with an error, run_autograder still writes results
    const broken = join(root, '..', 'broken');
    rmSync(broken, { recursive: true, force: true });
    spawnSync('cp', ['-r', root, broken]);
    rmSync(join(broken, 'source/teardown/tree-sitter-c.wasm'));
    mkdirSync(join(broken, 'submission'), { recursive: true });
    copyFileSync(join(EX, 'solution.c'), join(broken, 'submission/vdev-lifetime.c'));
    const r = spawnSync(join(broken, 'source/run_autograder'), [], {
      env: { ...process.env, AUTOGRADER_ROOT: broken },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const results = JSON.parse(readFileSync(join(broken, 'results/results.json'), 'utf8'));
    expect(validate(results)).toBe(true);
    expect(results).toMatchObject({ score: 0, output: expect.stringMatching(/autograder itself failed/) });
  });
});
