/**
 * `teardown classroom` and `teardown autograder prairielearn`: the Classroom
 * template's workflow parses as YAML with the shape GitHub Classroom's
 * grading reporter needs, and its own grading step, run as Actions would run
 * it, gives the starter the same payload as `teardown grade --github-classroom`;
 * the PrairieLearn question's run.sh grades the solution and a file that does
 * not compile into results.json files valid against PrairieLearn's format.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { ROOT, teardown } from './cli.js';

const EX = join(ROOT, 'exercises/vdev-lifetime');
const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
const read = (p: string) => readFileSync(join(EX, p), 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

const decode = (b64: string) => JSON.parse(Buffer.from(b64.trim(), 'base64').toString('utf8'));
/** A payload without its wall-clock durations. */
const timeless = (p: { tests: { duration: number }[] }) => ({
  ...p,
  tests: p.tests.map((t) => ({ ...t, duration: 0 })),
});

describe('teardown classroom', () => {
  let dir: string;
  let steps: Step[];
  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'teardown-classroom-')), 'template');
    const r = teardown(['classroom', 'vdev-lifetime', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    const wf = parse(readFileSync(join(dir, '.github/workflows/classroom.yml'), 'utf8'));
    expect(wf.on).toEqual(expect.arrayContaining(['push']));
    expect(wf.permissions).toEqual({ checks: 'write', actions: 'read', contents: 'read' });
    steps = Object.values(wf.jobs as Record<string, { steps: Step[] }>)[0]!.steps;
  });

  it('holds the starter, the statement and the pinned grader, and no solution', () => {
    expect(readFileSync(join(dir, 'vdev-lifetime.c'), 'utf8')).toBe(read('starter.c'));
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(read('README.md').split('\n')[0]!);
    expect(readme).toContain('Start from `vdev-lifetime.c`');
    expect(readme).not.toContain('known-bad/');
    expect(readFileSync(join(dir, '.teardown/exercise/solution.c'), 'utf8')).not.toContain('iommufd_vdevice_destroy');
    const version = JSON.parse(readFileSync(join(dir, '.teardown/VERSION.json'), 'utf8'));
    const pin = steps.find((s) => s.run?.includes('sha256sum'))!;
    expect(pin.run).toContain(version.sha256);
    expect(spawnSync('bash', ['-c', pin.run!], { cwd: dir }).status).toBe(0);
    const bundle = join(dir, '.teardown/teardown.mjs');
    const original = readFileSync(bundle);
    writeFileSync(bundle, `${original}\n`);
    expect(spawnSync('bash', ['-c', pin.run!], { cwd: dir }).status, 'a changed grader fails the pin').not.toBe(0);
    writeFileSync(bundle, original);
  });

  it("wires the grading step to Classroom's grading reporter", () => {
    const grading = steps.find((s) => s.id === 'teardown')!;
    const reporter = steps.find((s) => s.uses?.startsWith('classroom-resources/autograding-grading-reporter@'))!;
    expect(reporter.with).toEqual({ runners: 'teardown' });
    // GitHub's expression syntax, not a JavaScript template
    expect(reporter.env).toEqual({ TEARDOWN_RESULTS: `\${{ steps.teardown.outputs.result }}` });
    expect(steps.indexOf(grading)).toBeLessThan(steps.indexOf(reporter));
    // one V8 background thread: a runner has two cores (autograder/bundle.ts CLI_NODE_OPTIONS)
    expect(grading.run).toContain('node --v8-pool-size=1 .teardown/teardown.mjs autograder run');
    const traces = steps.find((s) => s.name === 'Show the findings with their traces')!;
    expect(traces.run).toContain('node --v8-pool-size=1 .teardown/teardown.mjs grade');
    expect(steps.some((s) => s.uses?.startsWith('actions/setup-node@') && s.with?.['node-version'] === '20')).toBe(
      true,
    );
  });

  it("runs the grader on the starter and sets the reporter's payload: one test per scenario", () => {
    const grading = steps.find((s) => s.id === 'teardown')!;
    const out = join(dir, '..', 'github_output');
    const temp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
    const r = spawnSync('bash', ['-e', '-c', grading.run!], {
      cwd: dir,
      env: { ...process.env, GITHUB_OUTPUT: out, RUNNER_TEMP: temp },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const line = readFileSync(out, 'utf8').trim();
    expect(line).toMatch(/^result=[A-Za-z0-9+/=]+$/);
    const payload = decode(line.slice('result='.length));
    expect(payload.tests.map((t: { name: string }) => t.name)).toEqual(
      manifest.scenarios.map((s: { title: string }) => s.title),
    );
    expect(payload.status).toBe('fail');
    // the expected payload: what the grader gives the starter from the command line
    const expected = teardown(['grade', 'vdev-lifetime', join(dir, 'vdev-lifetime.c'), '--github-classroom']);
    expect(timeless(payload)).toEqual(timeless(decode(expected.stdout)));
  });
});

describe('teardown autograder prairielearn', () => {
  let dir: string;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(new URL('./schemas/prairielearn-results.schema.json', import.meta.url), 'utf8')),
  );
  const grade = (name: string, text: string) => {
    const student = join(dir, 'student');
    rmSync(student, { recursive: true, force: true });
    mkdirSync(student);
    writeFileSync(join(student, name), text);
    const r = spawnSync(join(dir, 'serverFilesCourse/teardown/run.sh'), [], {
      env: { ...process.env, GRADE_ROOT: dir },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'results/results.json'), 'utf8'));
    expect(validate(results), JSON.stringify(validate.errors)).toBe(true);
    return results;
  };
  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'teardown-pl-')), 'course');
    const r = teardown(['autograder', 'prairielearn', 'vdev-lifetime', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('writes a question whose external grader runs the bundled grader', () => {
    expect(readFileSync(join(dir, 'serverFilesCourse/teardown/run.sh'), 'utf8')).toContain(
      'node --v8-pool-size=1 "$HERE/teardown.mjs" autograder run',
    );
    const info = JSON.parse(readFileSync(join(dir, 'questions/vdev-lifetime/info.json'), 'utf8'));
    expect(info).toMatchObject({
      gradingMethod: 'External',
      externalGradingOptions: {
        enabled: true,
        serverFilesCourse: ['teardown/'],
        entrypoint: '/grade/serverFilesCourse/teardown/run.sh',
      },
    });
    expect(info.externalGradingOptions.timeout).toBeLessThanOrEqual(600);
    expect(readFileSync(join(dir, 'questions/vdev-lifetime/question.html'), 'utf8')).toMatch(
      /<pl-file-editor file-name="vdev-lifetime\.c"/,
    );
  });

  it('scores the solution 1 with a test per scenario, and a file that does not compile as not gradable', () => {
    const ok = grade('vdev-lifetime.c', read('solution.c'));
    expect(ok).toMatchObject({ gradable: true, score: 1 });
    expect(ok.tests).toHaveLength(manifest.scenarios.length);
    expect(ok.tests.every((t: { points: number; max_points: number }) => t.points === t.max_points)).toBe(true);
    const bad = grade('vdev-lifetime.c', 'int broken(\n');
    expect(bad.gradable).toBe(false);
    expect(bad.format_errors.join('\n')).toMatch(/vdev-lifetime\.c:/);
  });

  it('grade --prairielearn scores a known-bad version between 0 and 1', () => {
    const r = teardown(['grade', 'vdev-lifetime', join(EX, 'known-bad/missing-lock.c'), '--prairielearn']);
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout);
    expect(validate(results)).toBe(true);
    expect(results.score).toBeGreaterThan(0);
    expect(results.score).toBeLessThan(1);
    const points = results.tests.reduce((a: number, t: { points: number }) => a + t.points, 0);
    const max = results.tests.reduce((a: number, t: { max_points: number }) => a + t.max_points, 0);
    expect(results.score).toBeCloseTo(points / max, 10);
  });
});
