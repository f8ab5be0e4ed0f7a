/**
 * Who is charged for a finding.
 *
 * Grade only what the learner wrote (docs/grading.md and docs/findings.md,
 * "Who is charged"): a finding whose faulting code lies wholly in the
 * model's kernel code is reported apart.
 * "Wholly" is decided by the detectors: a finding's origin is `model` when
 * the innermost frame of every site it records (the access, the free of a
 * KASAN report, the lock sites of a lockdep report, the skipped wake-ups of
 * a stall) is in the model's or the scenario's code.
 *
 * That alone would excuse too much: a submission can make the model's own
 * code fail (a vdev that pins its idev makes the unbind's kernel destroy
 * time out and WARN, all inside the model). So a model-origin finding is
 * reported apart, free, only when the reference solution shows the same
 * finding (same key: kind and code sites) in the same scenario: then it is
 * the model's behaviour, not the submission's doing. Any other finding is
 * charged. The reference keys live in the exercise's model-findings.json,
 * which a test keeps in step with the solution.
 */
import { type Finding, simplerCounterexample } from '@teardown/core';

/** True when `f` counts against the submission. */
export function charged(f: Finding, reference: ReadonlySet<string>): boolean {
  return f.origin === 'learner' || !reference.has(f.key);
}

/**
 * One finding per kind and title, with how many more share them; a report
 * that lists one leak per allocation site helps nobody. The one shown is the
 * simplest counterexample (fewest preemptions, then switches, then steps;
 * ties keep the explorer's order, which is by key), not merely the first key
 * in alphabetical order: see `simplestFirst` in @teardown/core for why (the
 * v2 vdev patch's unlock through a freed idev was blamed on the igroup).
 * Groups keep the order of their first finding.
 */
export function groupFindings(findings: readonly Finding[]): { finding: Finding; similar: number }[] {
  const groups = new Map<string, { finding: Finding; similar: number }>();
  for (const f of findings) {
    const k = `${f.kind}\u0000${f.title}`;
    const g = groups.get(k);
    if (!g) groups.set(k, { finding: f, similar: 0 });
    else {
      g.similar++;
      if (simplerCounterexample(f, g.finding)) g.finding = f;
    }
  }
  return [...groups.values()];
}
