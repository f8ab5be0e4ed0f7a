/**
 * vfio-device-lifecycle grades what it claims: the reference solution on
 * the 6.1 model, a 6.2 driver on the 6.2 variant, and plausible wrong
 * solutions (one edit of the reference each) each failed by the scenario
 * built to catch it, with the finding kind the mistake makes; correct
 * rewrites pass.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeParser } from '@teardown/core/node';
import { MODEL_BASES } from '@teardown/core';
import { findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { ExerciseError, parseExercise } from '../src/exercise/manifest.js';
import { teardown } from './cli.js';
import { grade } from '../src/grade/grade.js';

const ex = loadExercise(findExerciseDir('vfio-device-lifecycle')!);
const solution = ex.files.get(ex.manifest.solution)!;
const V62 = 'vfio-6.1+remove-vfio-free-device';
const ID = 'vfio-device-lifecycle';

beforeAll(async () => {
  await initNodeParser();
});

/** The reference with `from` replaced by `to` (which must occur). */
function edit(from: string, to: string): string {
  expect(solution).toContain(from);
  return solution.replace(from, to);
}

const run = (text: string, opts: { only?: string[]; model?: string } = {}) =>
  grade(ex, [{ name: 'submission.c', text }], { bare: true, reproducible: true, ...opts });

/** Finding kinds charged to the submission, by scenario (scenarios without any left out). */
async function kinds(text: string, only?: string[]): Promise<Record<string, string[]>> {
  const r = await run(text, only ? { only } : {});
  expect(r.diagnostics).toEqual([]);
  return Object.fromEntries(
    r.scenarios.filter((s) => s.findings.length).map((s) => [s.id, [...new Set(s.findings.map((f) => f.kind))].sort()]),
  );
}

const RELEASE_FREE = '\tvfio_free_device(vdev);\n';

describe('vfio-device-lifecycle: the two owners of the free', () => {
  it('the reference passes on 6.1 with full marks, every scenario exhaustive, no model finding', async () => {
    const r = await run(solution);
    expect(r.status).toBe('passed');
    expect(r.score).toBe(r.maxScore);
    expect(r.scenarios.every((s) => s.coverage?.kind === 'exhaustive')).toBe(true);
    expect(r.scenarios.flatMap((s) => s.modelFindings)).toEqual([]);
  });

  it('a 6.2 driver (release frees nothing of the device) passes on 6.2, and leaks the device on 6.1', async () => {
    const v62 = edit(RELEASE_FREE, '');
    const on62 = await run(v62, { model: V62 });
    expect(on62.model).toBe(V62);
    expect(on62.score).toBe(on62.maxScore);
    expect(await kinds(v62, ['counts-walkthrough'])).toEqual({ 'counts-walkthrough': ['leak'] });
  });

  it('the 6.1 reference does not build on 6.2: vfio_free_device() is gone', async () => {
    const r = await run(solution, { model: V62, only: ['counts-walkthrough'] });
    expect(r.status).toBe('error');
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/vfio_free_device/);
  });
});

describe('vfio-device-lifecycle: wrong solutions are caught, right rewrites pass', () => {
  const wrong: [string, string, string, Record<string, string[]>][] = [
    [
      'release frees the device first (v3)',
      '\tatomic_add(mdev_state->nr_ports, &mdev_avail_ports);\n\tkfree(mdev_state->vconfig);\n\tvfio_free_device(vdev);\n',
      '\tvfio_free_device(vdev);\n\tatomic_add(mdev_state->nr_ports, &mdev_avail_ports);\n\tkfree(mdev_state->vconfig);\n',
      { 'counts-walkthrough': ['use-after-free'] },
    ],
    [
      'release keeps the ports',
      '\tatomic_add(mdev_state->nr_ports, &mdev_avail_ports);\n',
      '',
      { 'counts-walkthrough': ['invariant'] },
    ],
    ['release keeps vconfig', '\tkfree(mdev_state->vconfig);\n', '', { 'counts-walkthrough': ['leak'] }],
    [
      'remove never puts the device',
      '\tvfio_put_device(&mdev_state->vdev);\n',
      '',
      { 'counts-walkthrough': ['invariant', 'leak'] },
    ],
    [
      'remove puts before it unregisters',
      '\tvfio_unregister_group_dev(&mdev_state->vdev);\n\tvfio_put_device(&mdev_state->vdev);\n',
      '\tvfio_put_device(&mdev_state->vdev);\n\tvfio_unregister_group_dev(&mdev_state->vdev);\n',
      { 'counts-walkthrough': ['use-after-free'] },
    ],
    [
      'unregister never asks the driver (no request)',
      '\t\tif (device->ops->request)\n\t\t\tdevice->ops->request(device, i++);\n',
      '',
      { 'remove-while-open': ['livelock', 'stall'] },
    ],
    ['unregister forgets device_del()', '\tvfio_device_del(device);\n', '', { 'counts-walkthrough': ['invariant'] }],
    [
      'unregister takes the device off the group only after the wait',
      '\tvfio_device_group_unregister(device);\n\t/* balances',
      '\t/* balances',
      { 'reopening-user': ['stall'] },
    ],
    [
      'unregister never puts the registration',
      '\tvfio_device_put_registration(device);\n\trc =',
      '\trc =',
      { 'counts-walkthrough': ['livelock', 'stall'] },
    ],
  ];

  it.each(wrong)('%s', async (_name, from, to, expected) => {
    const text = edit(from, to).replace(
      '\tvfio_device_remove_group(device);\n}',
      from.startsWith('\tvfio_device_group_unregister')
        ? '\tvfio_device_group_unregister(device);\n\tvfio_device_remove_group(device);\n}'
        : '\tvfio_device_remove_group(device);\n}',
    );
    const only = Object.keys(expected);
    expect(await kinds(text, only)).toEqual(expected);
  });

  it('release that reads nr_ports into a local before it frees passes', async () => {
    const text = edit(
      '\tatomic_add(mdev_state->nr_ports, &mdev_avail_ports);\n\tkfree(mdev_state->vconfig);\n\tvfio_free_device(vdev);\n',
      '\tint nr_ports = mdev_state->nr_ports;\n\n\tkfree(mdev_state->vconfig);\n\tvfio_free_device(vdev);\n\tatomic_add(nr_ports, &mdev_avail_ports);\n',
    );
    const r = await run(text);
    expect(r.score).toBe(r.maxScore);
  });
});

describe('vfio-device-lifecycle: the model base in the manifest and on the command line', () => {
  const withModel = (model: string) => {
    const files = new Map(ex.files);
    files.set('exercise.json', JSON.stringify({ ...ex.manifest, model }));
    return files;
  };

  it('a manifest names a base, never an unknown one or a variant with patches', () => {
    expect(parseExercise(withModel('vfio-6.1')).manifest.model).toBe('vfio-6.1');
    for (const bad of ['vfio-6.2', V62])
      expect(() => parseExercise(withModel(bad))).toThrow(
        new ExerciseError(ID, [
          `unknown model ${JSON.stringify(bad)}: write "model": ${MODEL_BASES.map((b) => JSON.stringify(b.id)).join(' or ')} (a model base, without patches)`,
        ]),
      );
  });

  it("grade --model takes a variant of the exercise's base only (exit 2 otherwise)", () => {
    const r = teardown(['grade', ID, `exercises/${ID}/solution.c`, '--model', 'iommufd-6.17+wake-up-all']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`exercise ${ID} runs on vfio-6.1, not iommufd-6.17`);
  });
});
