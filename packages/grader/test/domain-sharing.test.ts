/**
 * domain-sharing grades what it claims: the reference solution passes on
 * the vfio-type1-6.12 model with every scenario exhaustive, and plausible
 * wrong solutions (a small edit of the reference each) are each failed by
 * the scenario built to catch them, with the finding kinds the mistake
 * makes; correct rewrites pass.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeParser } from '@teardown/core/node';
import { findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { grade } from '../src/grade/grade.js';

const ex = loadExercise(findExerciseDir('domain-sharing')!);
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

const SHARE_FREE = '\t\t\t\tiommu_domain_free(domain->domain);\n\t\t\t\tkfree(domain);\n\t\t\t\tgoto done;';
const FREE_IF_EMPTY =
  '\t\tif (list_empty(&domain->group_list)) {\n\t\t\tif (list_is_singular(&iommu->domain_list))\n\t\t\t\tvfio_iommu_unmap_unpin_all(iommu);\n\t\t\tiommu_domain_free(domain->domain);\n\t\t\tlist_del(&domain->next);\n\t\t\tkfree(domain);\n\t\t}\n';

describe('domain-sharing: the reference', () => {
  it('passes on vfio-type1-6.12 with full marks, every scenario exhaustive, no model finding', async () => {
    const r = await run(solution);
    expect(ex.manifest.model).toBe('vfio-type1-6.12');
    expect(r.status).toBe('passed');
    expect(r.score).toBe(r.maxScore);
    expect(r.scenarios.every((s) => s.coverage?.kind === 'exhaustive')).toBe(true);
    expect(r.scenarios.flatMap((s) => s.modelFindings)).toEqual([]);
  });
});

describe('domain-sharing: wrong solutions are caught, right rewrites pass', () => {
  const wrong: [string, [string, string][], Record<string, string[]>][] = [
    [
      'the domain keeps its allocation device, and flush finds the instance through it (seed 003)',
      [
        ['\tmdom->iommu = iommu;\n', '\tmdom->iommu = iommu;\n\tmdom->dev = dev;\n'],
        [
          '\tstruct mock_iommu *iommu = to_mock_domain(domain)->iommu;\n',
          '\tstruct mock_iommu *iommu = mock_iommu_of(to_mock_domain(domain)->dev);\n',
        ],
      ],
      { 'shared-a-unplugged': ['use-after-free'] },
    ],
    [
      'free finds the instance through the allocation device',
      [
        ['\tmdom->iommu = iommu;\n', '\tmdom->iommu = iommu;\n\tmdom->dev = dev;\n'],
        ['\tstruct mock_iommu *iommu = mdom->iommu;\n', '\tstruct mock_iommu *iommu = mock_iommu_of(mdom->dev);\n'],
      ],
      { walkthrough: ['use-after-free'] },
    ],
    [
      'attach_dev does not refuse a domain of another instance',
      [['\tif (mdom->iommu != master->iommu)\n\t\treturn -EINVAL;\n', '']],
      { 'attach-fails': ['invariant'] },
    ],
    ['free leaves the domain counted', [['\tiommu->nr_domains--;\n', '']], { walkthrough: ['invariant'] }],
    ['free forgets the kfree', [['\tkfree(mdom);\n', '']], { walkthrough: ['leak'] }],
    [
      'detach frees the domain while another group is on it',
      [
        [
          FREE_IF_EMPTY,
          '\t\tif (list_is_singular(&iommu->domain_list))\n\t\t\tvfio_iommu_unmap_unpin_all(iommu);\n\t\tiommu_domain_free(domain->domain);\n\t\tlist_del(&domain->next);\n\t\tkfree(domain);\n',
        ],
      ],
      { walkthrough: ['invariant', 'use-after-free'] },
    ],
    [
      "the container's last domain goes without its mappings",
      [['\t\t\tif (list_is_singular(&iommu->domain_list))\n\t\t\t\tvfio_iommu_unmap_unpin_all(iommu);\n', '']],
      { 'last-group': ['invariant'] },
    ],
    [
      'attach never shares',
      [['\t\tif (d->domain->ops == domain->domain->ops) {', '\t\tif (false) {']],
      { walkthrough: ['invariant'] },
    ],
    [
      'sharing keeps the unused new domain',
      [[SHARE_FREE, '\t\t\t\tkfree(domain);\n\t\t\t\tgoto done;']],
      { walkthrough: ['invariant', 'leak'] },
    ],
    [
      'attach attaches the allocation device, not the group',
      [
        [
          '\tret = iommu_attach_group(domain->domain, group->iommu_group);\n\tif (ret)\n\t\tgoto out_domain;\n\n\tINIT',
          '\tret = iommu_attach_device(domain->domain, list_first_entry(&iommu_group->devices, struct group_device, list)->dev);\n\tif (ret)\n\t\tgoto out_domain;\n\n\tINIT',
        ],
      ],
      { 'last-group': ['contract'] },
    ],
    [
      'attach drops iommu->lock before it shares a domain',
      [
        [
          '\tlist_for_each_entry(d, &iommu->domain_list, next) {\n\t\tif (d->domain->ops',
          '\tmutex_unlock(&iommu->lock);\n\tlist_for_each_entry(d, &iommu->domain_list, next) {\n\t\tif (d->domain->ops',
        ],
        [
          '\tlist_add(&domain->next, &iommu->domain_list);\ndone:\n',
          '\tmutex_lock(&iommu->lock);\n\tlist_add(&domain->next, &iommu->domain_list);\ndone:\n',
        ],
        ['\t\t\t\tgoto done;\n', '\t\t\t\tmutex_lock(&iommu->lock);\n\t\t\t\tgoto done;\n'],
        ['\t\t\t\tgoto out_domain;\n\t\t}', '\t\t\t\tgoto out_relock;\n\t\t}'],
        ['out_detach:\n', 'out_relock:\n\tmutex_lock(&iommu->lock);\n\tgoto out_domain;\nout_detach:\n'],
      ],
      // the unlocked walk of domain_list also races the detach's list_del (KCSAN)
      { 'attach-races-detach': ['data-race', 'use-after-free'] },
    ],
    [
      'a failed replay frees the domain with the group still on it',
      [['\tif (ret)\n\t\tgoto out_detach;', '\tif (ret)\n\t\tgoto out_domain;']],
      { 'attach-fails': ['use-after-free'] },
    ],
    [
      'a failed attach keeps the group record',
      [['out_free_group:\n\tkfree(group);\n', 'out_free_group:\n']],
      { 'attach-fails': ['leak'] },
    ],
  ];

  it.each(wrong)('%s', async (_name, edits, expected) => {
    expect(await kinds(edit(...edits), Object.keys(expected))).toEqual(expected);
  });

  it('an alloc that returns NULL on failure (the core makes it -ENOMEM) passes', async () => {
    const r = await run(edit(['\tif (!mdom)\n\t\treturn ERR_PTR(-ENOMEM);\n', '\tif (!mdom)\n\t\treturn NULL;\n']));
    expect(r.score).toBe(r.maxScore);
  });

  it('a detach that walks the domains with list_for_each_entry_safe and returns early passes', async () => {
    const r = await run(
      edit(
        [
          '\tstruct vfio_domain *domain;\n\tstruct vfio_iommu_group *group;\n',
          '\tstruct vfio_domain *domain, *tmp;\n\tstruct vfio_iommu_group *group;\n',
        ],
        [
          '\tlist_for_each_entry(domain, &iommu->domain_list, next) {\n\t\tgroup = find',
          '\tlist_for_each_entry_safe(domain, tmp, &iommu->domain_list, next) {\n\t\tgroup = find',
        ],
      ),
    );
    expect(r.score).toBe(r.maxScore);
  });
});
