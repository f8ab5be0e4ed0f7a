/**
 * The goal of a play challenge and the score of a win: a finding kind (and
 * optionally words of its title or a function it names) that the learner
 * must make happen by hand; then how many steps and preemptions the played
 * interleaving used against the checker's minimal one (report/minimise.ts:
 * fewest preemptions, then switches, then steps).
 */
import type { Finding, FindingKind } from '../detect/finding.js';

/** What a challenge asks for. */
export interface PlayGoal {
  kind: FindingKind;
  /** A substring of the finding's title (`slab-use-after-free`, `blocked for more than`). */
  title?: string;
  /** A function that must appear in the finding: in its title or in a frame of one of its accesses. */
  function?: string;
}

/** Does finding `f` meet `goal`? */
export function findingMeets(goal: PlayGoal, f: Finding): boolean {
  if (f.kind !== goal.kind) return false;
  if (goal.title !== undefined && !f.title.includes(goal.title)) return false;
  if (goal.function !== undefined) {
    const fn = goal.function;
    const inTitle = new RegExp(`\\b${fn.replace(/[^\w]/g, '')}\\b`).test(f.title);
    const inStacks = [...f.accesses, ...(f.alloc ? [f.alloc] : []), ...(f.free ? [f.free] : [])].some((a) =>
      a.stack.some((s) => s.fn === fn),
    );
    if (!inTitle && !inStacks) return false;
  }
  return true;
}

/** The first of `findings` that meets `goal`, if any: the challenge is won. */
export function goalMet(goal: PlayGoal, findings: readonly Finding[]): Finding | undefined {
  return findings.find((f) => findingMeets(goal, f));
}

/** A won challenge's score against the checker's minimal interleaving. */
export interface PlayScore {
  steps: number;
  preemptions: number;
  switches: number;
  minimal: { token: string; steps: number; preemptions: number; switches?: number };
  /** The played interleaving is no longer than the minimal one and has no more preemptions. */
  asGoodAsChecker: boolean;
}

/**
 * Score a win: the winning finding's own counts (its schedule is the prefix
 * that reached it, as the explorer attaches) against the checker's minimal
 * counterexample's.
 */
export function playScore(
  won: Finding,
  minimal: { token: string; steps: number; preemptions: number; switches?: number },
): PlayScore {
  const steps = won.schedule?.length ?? 0;
  const preemptions = won.preemptions ?? 0;
  return {
    steps,
    preemptions,
    switches: won.switches ?? 0,
    minimal,
    asGoodAsChecker: preemptions <= minimal.preemptions && steps <= minimal.steps,
  };
}
