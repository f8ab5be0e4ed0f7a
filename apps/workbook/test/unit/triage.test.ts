/**
 * Triage of a grade report (src/exercise/triage.ts): the starter's Run, graded
 * for real, gives one card per root cause across its scenarios, in the
 * order a learner should read them; stacks fold around the learner's frames;
 * a card shows the objects its finding names.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grade, type GradeReport, type GradedFinding } from '@teardown/grader';
import { findExerciseDir, loadExercise } from '@teardown/grader/node';
import { initNodeParser } from '@teardown/core/node';
import { involvedObjects, learnerFrame, stackRuns, triage } from '../../src/exercise/triage';

const SUB = 'submission.c';
const dir = findExerciseDir('vdev-lifetime')!;
const ex = loadExercise(dir);
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

let starterRun: GradeReport;
let putBeforeUnlock: GradeReport;
beforeAll(async () => {
  await initNodeParser();
  starterRun = await grade(ex, [{ name: SUB, text: read('starter.c') }], { mode: 'quick', reproducible: true });
  putBeforeUnlock = await grade(ex, [{ name: SUB, text: read('known-bad/put-before-unlock.c') }], {
    reproducible: true,
    only: ['destroy-races-unbind'],
  });
}, 120_000);

describe("the starter's Run", () => {
  it('has one card per root cause: every leak in one card, each check kind in one, a WARN shared by scenarios in one', () => {
    const findings = starterRun.scenarios.reduce((n, s) => n + s.findings.length, 0);
    const cards = triage(starterRun);
    expect(findings).toBeGreaterThan(20);
    expect(cards.length).toBeLessThanOrEqual(6);
    expect(new Set(cards.map((c) => c.key)).size).toBe(cards.length);
    const kinds = cards.map((c) => c.kind);
    for (const k of ['leak', 'contract', 'warn', 'stall']) expect(kinds.filter((x) => x === k)).toHaveLength(1);
    const leak = cards.find((c) => c.kind === 'leak')!;
    expect(leak.title).toMatch(/^kmemleak: \d+ objects never freed \(struct iommufd_device, /);
    expect(leak.scenarios.length).toBe(starterRun.scenarios.length);
    const warn = cards.find((c) => c.kind === 'warn')!;
    expect(warn.scenarios.length).toBeGreaterThanOrEqual(5);
    // every charged finding is on some card
    expect(cards.reduce((n, c) => n + c.instances.length, 0)).toBe(findings);
  });

  it("puts the model failing first, the scenarios' checks next and the leaks last, each with advice", () => {
    const cards = triage(starterRun);
    expect(cards[cards.length - 1]!.kind).toBe('leak');
    const ranks = cards.map((c) => c.rank);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    for (const c of cards) expect(c.advice).toMatch(/\.$/);
  });

  it('never shows a fault in the harness: a missing idev->vdev is an invariant, not a NULL dereference', () => {
    expect(triage(starterRun).some((c) => c.kind === 'null-deref')).toBe(false);
    const walk = starterRun.scenarios.find((s) => s.id === 'walkthrough-refcounts')!;
    expect(walk.findings.some((f) => f.kind === 'invariant' && /idev->vdev points at the vdev/.test(f.title))).toBe(
      true,
    );
  });
});

describe('a use-after-free in the learner’s destroy', () => {
  it("leads with the learner's frame and names it in the advice", () => {
    const [first] = triage(putBeforeUnlock);
    expect(first!.kind).toBe('use-after-free');
    expect(first!.rank).toBe(0);
    expect(first!.mine?.file).toBe(SUB);
    expect(first!.advice).toContain(`your ${first!.mine!.fn}, line ${first!.mine!.line}`);
  });

  it('folds the stack into runs of learner and model frames', () => {
    const f = triage(putBeforeUnlock)[0]!.instances[0]!.finding;
    const runs = stackRuns(f.accesses[0]!.stack, SUB);
    expect(runs.some((r) => r.mine)).toBe(true);
    expect(runs.flatMap((r) => r.frames)).toEqual(f.accesses[0]!.stack);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.mine).not.toBe(runs[i - 1]!.mine);
    expect(learnerFrame(f, SUB)).toEqual(runs.find((r) => r.mine)!.frames[0]);
  });
});

describe('involvedObjects', () => {
  const obj = (name: string, type: string) => ({ name, type, state: 'live' as const, fields: {} });
  const base = {
    kind: 'leak',
    title: 't',
    details: [],
    accesses: [],
    fatal: false,
    key: 'k',
    origin: 'model',
    similar: 0,
  };
  it('keeps the objects the finding names, the rest apart', () => {
    const f = {
      ...base,
      details: ['unreferenced object iommufd_device#s10 (size 80):'],
      objects: [
        obj('iommufd_device#s10', 'iommufd_device'),
        obj('iommufd_device#s1', 'iommufd_device'),
        obj('file#s1', 'file'),
      ],
    } as unknown as GradedFinding;
    const { involved, rest } = involvedObjects(f);
    expect(involved.map((o) => o.name)).toEqual(['iommufd_device#s10']);
    expect(rest.map((o) => o.name)).toEqual(['iommufd_device#s1', 'file#s1']);
  });
  it('falls back to the iommufd device, vdevice and vIOMMU', () => {
    const f = {
      ...base,
      objects: [obj('file#s1', 'file'), obj('iommufd_viommu#s13', 'iommufd_viommu')],
    } as unknown as GradedFinding;
    expect(involvedObjects(f).involved.map((o) => o.name)).toEqual(['iommufd_viommu#s13']);
  });
});
