/**
 * The model's file descriptor table (packages/core/model/fs.c, uapi.c): a
 * scenario's threads are threads of one process and share one table, so an
 * ioctl's fdget() takes a file reference of its own (__fget_light(), Linux
 * 6.17), and a thread that closes the file meanwhile does not free it under
 * the ioctl. Every interleaving is explored; none may report a finding.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeParser } from '@teardown/core/node';
import { compile, exploreScenario, formatRet, unitKey } from '@teardown/core';
import { findExerciseDir, loadExercise } from '../src/exercise/node.js';
import type { Scenario } from '../src/exercise/manifest.js';
import { gradingFiles, scenarioSpec } from '../src/grade/grade.js';

beforeAll(async () => {
  await initNodeParser();
});

/** Explore `text` as a scenario of vdev-lifetime with its solution; the findings and the values `global` ends with. */
async function explore(id: string, text: string, global: string) {
  const ex = loadExercise(findExerciseDir('vdev-lifetime')!);
  const s: Scenario = { id, file: `${id}.c`, title: id, points: 1, visible: true, text };
  const c = await compile(gradingFiles(ex, [{ name: 'solution.c', text: ex.files.get('solution.c')! }], [s]));
  expect(c.diagnostics).toEqual([]);
  const p = c.program!;
  const g = p.globalIndex.get(unitKey(id, global))!;
  const seen = new Set<string>();
  const res = exploreScenario(p, scenarioSpec(p, s)!, {
    strategy: 'dpor',
    onExecution: (_rec, mm) => {
      const v = mm.state.heap.get(mm.state.globals[g]!)!.fields.get(0);
      seen.add(formatRet(typeof v === 'number' ? v : 0));
    },
  });
  expect(res.stats.complete).toBe(true);
  return { findings: [...res.setupFindings, ...res.findings], outcomes: [...seen].sort() };
}

describe('fd table shared by the scenario threads', () => {
  it('closing the iommufd while another thread is in IOMMU_DESTROY on it: no use-after-free', async () => {
    const r = await explore(
      'close-during-ioctl',
      `#include "harness.h"
static int rc = 1;
void setup(void) { ifd = iommufd_open(); }
void thread_ioctl(void) { rc = ioctl_destroy(ifd, 1); }
void thread_close(void) { close_fd(ifd); }
`,
      'rc',
    );
    expect(r.findings.map((f) => f.title)).toEqual([]);
    // the ioctl found the fd open (the ID does not exist) or already closed
    expect(r.outcomes).toEqual(['-EBADF', '-ENOENT']);
  });

  it('closing the VFIO cdev while another thread uses the vdev through the iommufd: no finding', async () => {
    const r = await explore(
      'close-both-during-ioctl',
      `#include "harness.h"
static u32 vdev_id;
static int rc = 1;
void setup(void)
{
	setup_bound_device();
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}
void thread_use(void) { rc = ioctl_vdevice_use(ifd, vdev_id); }
void thread_close(void) { close_fd(cdev0); close_fd(ifd); }
void check(void) { vfio_pci_remove(vfio0); }
`,
      'rc',
    );
    expect(r.findings.filter((f) => f.kind !== 'stall').map((f) => f.title)).toEqual([]);
    expect(r.outcomes).toEqual(['-EBADF', '-ENOENT', '0']);
  });
});
