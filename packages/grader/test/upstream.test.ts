/**
 * The findings of the model in upstream code: each reproducer shows its
 * finding on the 6.17 model and not with its fix (computed here by running
 * them, as `teardown upstream` does), every model patch keeps the exercise's
 * reference solution passing, and the CLI's JSON has the documented fields.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { MODEL_BASE, MODEL_PATCHES } from '@teardown/core';
import { initNodeParser } from '@teardown/core/node';
import { loadExercise, readTree } from '../src/exercise/node.js';
import { grade } from '../src/grade/grade.js';
import { parseUpstream, runUpstreamFinding, upstreamExercise, UpstreamError } from '../src/upstream/findings.js';
import { ROOT, teardown } from './cli.js';

const UP = `${ROOT}/upstream`;
const files = readTree(UP);
const up = parseUpstream(files);
const ex = loadExercise(`${ROOT}/exercises/${up.exercise}`);
const solution = [{ name: ex.manifest.solution, text: ex.files.get(ex.manifest.solution)! }];

beforeAll(() => initNodeParser());

describe('upstream findings', () => {
  it('declares the two 6.17 findings, each fixed by a model patch', () => {
    expect(up.model).toBe(MODEL_BASE);
    expect(up.findings.map((f) => [f.id, f.kind, f.fixedBy])).toEqual([
      ['wake-up-stall', 'stall', 'wake-up-all'],
      ['vdevice-size-lock-leak', 'lock-misuse', 'vdevice-size-unlock'],
    ]);
  });

  it('each reproduces on 6.17, exhaustively, and is gone with its patch', async () => {
    const pex = upstreamExercise(ex, up, files);
    for (const f of up.findings) {
      const r = await runUpstreamFinding(pex, up, f, { reproducible: true });
      expect(r.on617.complete, f.id).toBe(true);
      expect(r.reproducesOn617, f.id).toBe(true);
      expect(r.withPatch.complete, f.id).toBe(true);
      expect(r.fixedWithPatch, f.id).toBe(true);
      expect(r.on617.findings.find((x) => x.kind === f.kind)?.token, f.id).toMatch(/^a/);
    }
  });

  it('can fail: a fix that fixes the other bug leaves the finding, and a reproducer for the wrong kind does not reproduce', async () => {
    const pex = upstreamExercise(ex, up, files);
    const [stall, leak] = up.findings;
    const wrongFix = await runUpstreamFinding(pex, up, { ...stall!, fixedBy: leak!.fixedBy }, { reproducible: true });
    expect(wrongFix.reproducesOn617).toBe(true);
    expect(wrongFix.fixedWithPatch).toBe(false);
    expect(wrongFix.withPatch.findings.map((x) => x.kind)).toContain('stall');
    const wrongKind = await runUpstreamFinding(pex, up, { ...leak!, kind: 'use-after-free' }, { reproducible: true });
    expect(wrongKind.reproducesOn617).toBe(false);
    const wrongFunction = await runUpstreamFinding(
      pex,
      up,
      { ...stall!, function: 'iommufd_vdevice_destroy' },
      { reproducible: true },
    );
    expect(wrongFunction.reproducesOn617).toBe(false);
  });

  it('a reproducer graded without the exercise reference findings: the wake-up stall is the only finding', async () => {
    const pex = upstreamExercise(ex, up, files);
    const r = await runUpstreamFinding(pex, up, up.findings[0]!, { reproducible: true });
    expect(r.on617.findings.map((x) => x.title)).toEqual([
      'stall: unbind waited the full 60000 ms in iommufd_object_dec_wait',
    ]);
    // the skipped wake-up is named, in iommufd_put_object
    expect(r.on617.findings[0]!.accesses.map((a) => a.stack[0]?.fn)).toContain('iommufd_put_object');
  });

  it('refuses a manifest naming a patch that does not exist, or a missing reproducer', () => {
    const bad = new Map(files);
    const m = JSON.parse(files.get('findings.json')!);
    m.findings[0].fixedBy = 'no-such-patch';
    m.findings[1].scenario = 'scenarios/gone.c';
    bad.set('findings.json', JSON.stringify(m));
    expect(() => parseUpstream(bad)).toThrow(UpstreamError);
    expect(() => parseUpstream(bad)).toThrow(/no-such-patch is not a model patch.*scenarios\/gone\.c is missing/);
  });

  it('every model patch compiles and keeps the reference solution passing every scenario', async () => {
    for (const v of [
      ...MODEL_PATCHES.map((p) => `${MODEL_BASE}+${p.name}`),
      `${MODEL_BASE}+${MODEL_PATCHES.map((p) => p.name).join('+')}`,
    ]) {
      const r = await grade(ex, solution, { model: v, reproducible: true, bare: true });
      expect(r.status, v).toBe('passed');
      expect(r.score, v).toBe(r.maxScore);
      expect(r.model).toBe(v);
    }
  });

  it('the wake-up fix removes the stall the reference solution shows as a model finding', async () => {
    const only = ['use-races-unbind'];
    const base = await grade(ex, solution, { only, reproducible: true, bare: true });
    const fixed = await grade(ex, solution, {
      only,
      reproducible: true,
      bare: true,
      model: `${MODEL_BASE}+wake-up-all`,
    });
    expect(base.scenarios[0]!.modelFindings.map((f) => f.kind)).toEqual(['stall']);
    expect(fixed.scenarios[0]!.modelFindings).toEqual([]);
    expect(base.model).toBeUndefined();
  });
});

describe('teardown upstream', () => {
  it('--json reports each finding reproducing on 6.17 and fixed by its patch; exit 0', () => {
    const r = teardown(['upstream', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { findings: Record<string, unknown>[] };
    expect(j.findings.map((f) => [f.id, f.kind, f.reproducesOn617, f.fixedWithPatch])).toEqual([
      ['wake-up-stall', 'stall', true, true],
      ['vdevice-size-lock-leak', 'lock-misuse', true, true],
    ]);
    for (const f of j.findings)
      for (const k of ['id', 'kind', 'title', 'function', 'scenario', 'fixedBy', 'reproducesOn617', 'fixedWithPatch'])
        expect(f).toHaveProperty(k);
  });

  it('replays a reproducer step by step, on 6.17 and with --fixed; refuses an unknown finding', () => {
    const first = JSON.parse(teardown(['upstream', 'wake-up-stall', '--json']).stdout).findings[0];
    const token = first.runs[0].findings[0].token as string;
    const r = teardown(['upstream', 'wake-up-stall', '--schedule', token]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('stall: unbind waited the full 60000 ms in iommufd_object_dec_wait');
    const f = teardown(['upstream', 'wake-up-stall', '--schedule', token, '--fixed']);
    expect(f.stdout).not.toContain('stall:');
    const bad = teardown(['upstream', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("no upstream finding 'nope'");
  });

  it('grade --model: a bad variant is a usage error naming the patches', () => {
    const r = teardown([
      'grade',
      'vdev-lifetime',
      'exercises/vdev-lifetime/solution.c',
      '--model',
      'iommufd-6.17+bogus',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown model patch 'bogus'");
  });
});
