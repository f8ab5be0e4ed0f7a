/**
 * close-order grades what it claims: the reference solution passes on the
 * iommufd-6.17 model with every scenario exhaustive, plausible wrong
 * solutions (one small edit of the reference each) are failed by the
 * scenario built to catch them, with the finding kinds the mistake makes,
 * and correct rewrites pass. The model's own definitions of the three
 * functions are left out of the prelude (SourceFile.learnerWrites).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeParser } from '@teardown/core/node';
import { findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { grade } from '../src/grade/grade.js';

const ex = loadExercise(findExerciseDir('close-order')!);
const solution = ex.files.get(ex.manifest.solution)!;

beforeAll(async () => {
  await initNodeParser();
});

/** The reference with each `from` replaced by its `to` (each must occur exactly once). */
function edit(...edits: [string, string][]): string {
  let text = solution;
  for (const [from, to] of edits) {
    expect(text.split(from).length, from).toBe(2);
    text = text.replace(from, to);
  }
  return text;
}

const run = (text: string, only?: string[]) =>
  grade(ex, [{ name: 'submission.c', text }], { bare: true, reproducible: true, ...(only ? { only } : {}) });

/** Finding kinds charged to the submission, by scenario (scenarios without any left out). */
async function kinds(text: string, only?: string[]): Promise<Record<string, string[]>> {
  const r = await run(text, only);
  expect(r.diagnostics).toEqual([]);
  return Object.fromEntries(
    r.scenarios.filter((s) => s.findings.length).map((s) => [s.id, [...new Set(s.findings.map((f) => f.kind))].sort()]),
  );
}

const LEAF_CHECK = '\t\t\tif (!refcount_dec_if_one(&obj->users))\n\t\t\t\tcontinue;\n';
const CLOSE = '\tif (device->ops->close_device)\n\t\tdevice->ops->close_device(device);\n';
const UNBIND = '\tif (df->iommufd)\n\t\tvfio_df_iommufd_unbind(df);\n';

describe('close-order: the reference', () => {
  it('passes on iommufd-6.17 with full marks, every scenario exhaustive, 3 and 4 threads among them', async () => {
    const r = await run(solution);
    expect(ex.manifest.model).toBe('iommufd-6.17');
    expect(r.status).toBe('passed');
    expect(r.score).toBe(r.maxScore);
    expect(r.scenarios.every((s) => s.coverage?.kind === 'exhaustive')).toBe(true);
    expect(Math.max(...r.scenarios.map((s) => s.threads.length))).toBe(4);
    expect(r.scenarios.some((s) => s.threads.length === 3)).toBe(true);
  });

  it('a file without the three functions is told to define them (the model does not lend its own)', async () => {
    const r = await run('int unrelated(void) { return 0; }\n');
    expect(r.status).toBe('error');
    const msgs = r.diagnostics.map((d) => d.message).join('\n');
    for (const f of ['iommufd_fops_release', 'vfio_df_device_first_open', 'vfio_df_device_last_close'])
      expect(msgs).toContain(`the exercise needs '${f}'`);
  });
});

describe('close-order: wrong solutions are caught, right rewrites pass', () => {
  const wrong: [string, [string, string][], Record<string, string[]>][] = [
    [
      'the loop ends on xa_empty() only: a tombstone makes a pass see nothing and WARN',
      [['\t\tif (empty)\n\t\t\tbreak;\n', '']],
      { 'tombstones-only': ['warn'] },
    ],
    ['every object destroyed, leaf or not', [[LEAF_CHECK, '']], { 'chain-mock-unbind': ['use-after-free'] }],
    [
      'one pass only',
      [['\t\tif (WARN_ON(!destroyed))\n\t\t\tbreak;\n', '\t\tbreak;\n']],
      { 'chain-mock-unbind': ['leak'] },
    ],
    ['the driver never closes the device', [[CLOSE, '']], { 'process-exit': ['invariant'] }],
    ['the last close does not unbind', [[UNBIND, '']], { 'process-exit': ['leak'] }],
    ['the last close unbinds first', [[CLOSE + UNBIND, UNBIND + CLOSE]], { 'process-exit': ['invariant'] }],
    [
      'a failed first open keeps the bind',
      [['\tvfio_df_iommufd_unbind(df);\n\treturn err;', '\treturn err;']],
      { 'first-open-fails': ['leak'] },
    ],
    [
      'a failed first open reports success (the last close then unbinds an idev that is gone)',
      [
        [
          'err_unbind:\n\tvfio_df_iommufd_unbind(df);\n\treturn err;',
          'err_unbind:\n\tvfio_df_iommufd_unbind(df);\n\treturn 0;',
        ],
      ],
      { 'first-open-fails': ['null-deref'] },
    ],
  ];

  it.each(wrong)('%s', async (_name, edits, expected) => {
    expect(await kinds(edit(...edits), Object.keys(expected))).toEqual(expected);
  });

  it('a loop that never checks xa_empty() (while (true), ended by the walk) passes', async () => {
    const r = await run(edit(['\twhile (!xa_empty(&ictx->objects)) {', '\twhile (true) {']));
    expect(r.score).toBe(r.maxScore);
  });
});
