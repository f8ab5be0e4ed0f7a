/**
 * Every exercise in exercises/ checks out (docs/grading.md, "An exercise"): the solution
 * passes every scenario, every known-bad version fails with each finding
 * kind it declares, the starter compiles and fails, and model-findings.json
 * is what the solution shows. The upstream 6.17 functions pass too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { initNodeParser } from '@teardown/core/node';
import { bundledExercises, findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { checkExercise } from '../src/exercise/selftest.js';
import { grade } from '../src/grade/grade.js';
import { ROOT } from './cli.js';

beforeAll(async () => {
  await initNodeParser();
});

describe.each(bundledExercises())('exercise %s', (id) => {
  const ex = loadExercise(findExerciseDir(id)!);

  it('passes its own checks: solution, starter, known-bad versions, model findings', async () => {
    const checks = await checkExercise(ex, { bare: true });
    const failed = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed).toEqual([]);
    expect(checks.length).toBe(3 + ex.manifest.knownBad.length);
  });

  it('has fidelity scenarios (selftests and walk-throughs) and hidden ones', () => {
    expect(ex.scenarios.filter((s) => s.fidelity).length).toBeGreaterThan(0);
    expect(ex.scenarios.some((s) => !s.visible)).toBe(true);
  });
});

/** The body of function `name` in C text, from its return type to its closing brace. */
function extractFunction(text: string, name: string): string {
  const at = new RegExp(`^(static\\s+)?\\w[^\\n;]*\\b${name}\\s*\\(`, 'm').exec(text);
  if (!at) throw new Error(`no ${name}`);
  let i = text.indexOf('{', at.index);
  let depth = 0;
  for (; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) break;
  }
  return text.slice(at.index, i + 1).replace(/^static\s+/, '');
}

describe('fidelity: the upstream Linux 6.17 functions, pasted as they are', () => {
  it('pass every scenario of vdev-lifetime (with the two upstream link assignments as the hook)', async () => {
    const upstream = readFileSync(`${ROOT}/packages/core/test/fixtures/upstream-6.17-functions.c`, 'utf8');
    const text = [
      'void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)\n{\n\tvdev->idev = idev;\n\tidev->vdev = vdev;\n}',
      ...['iommufd_vdevice_abort', 'iommufd_vdevice_destroy', 'iommufd_device_remove_vdev'].map((n) =>
        extractFunction(upstream, n),
      ),
    ].join('\n\n');
    const ex = loadExercise(findExerciseDir('vdev-lifetime')!);
    const r = await grade(ex, [{ name: 'upstream-6.17.c', text }], { bare: true, reproducible: true });
    expect(r.diagnostics).toEqual([]);
    expect(
      r.scenarios
        .filter((s) => s.status !== 'passed')
        .map((s) => `${s.id}: ${s.findings.map((f) => f.title).join('; ')}`),
    ).toEqual([]);
    expect(r.score).toBe(r.maxScore);
  });
});
