/**
 * Play challenges (exercise.json `challenges`): a scenario, the program to
 * play it on (the solution, or a known-bad version such as the v2 patch or
 * the RFC, compiled as `teardown grade` compiles it), and a goal finding the
 * learner must make happen by choosing the interleaving by hand (core's
 * play/). Each carries the checker's minimal counterexample for its goal,
 * shown after a win and offered for replay; `test/challenge.test.ts` plays
 * that token through the play API and wins every challenge.
 */
import {
  compile,
  DEFAULT_LIMITS,
  type Limits,
  PlaySession,
  type ScenarioSpec,
  decodeToken,
  withPlan,
} from '@teardown/core';
import type { ChallengeManifest, Exercise, Scenario } from './manifest.js';
import { gradingFiles, scenarioSpec, type SubmissionFile } from '../grade/grade.js';

/** The challenges of an exercise (none when the manifest has no `challenges`). */
export function exerciseChallenges(ex: Exercise): ChallengeManifest[] {
  return (ex.manifest.challenges ?? []).slice();
}

/** What a play session on an exercise scenario needs: the compiled program and the scenario's spec. */
export interface PlaySetup {
  session: PlaySession;
  spec: ScenarioSpec;
  /** The source texts by file name (model, learner file, harness), for showing code. */
  sources: Record<string, string>;
  /** The learner's file names ("run to my code" stops in them). */
  learnerFiles: string[];
}

/**
 * A play session on scenario `scenarioId` of `ex` with `submission` (the
 * learner's files, or a program of the exercise). `replaces`: model functions
 * the submission defines in place of the model's (a known-bad version's). A
 * token with a fault plan (`Fa1.`) plays under that plan. Throws with the
 * compiler's first diagnostic when the program does not compile, or when the
 * scenario has no threads.
 */
export async function playScenario(
  ex: Exercise,
  submission: readonly SubmissionFile[],
  scenarioId: string,
  opts: { replaces?: readonly string[]; token?: string; model?: string } = {},
): Promise<PlaySetup> {
  const s: Scenario | undefined = ex.scenarios.find((x) => x.id === scenarioId);
  if (!s) throw new Error(`exercise ${ex.manifest.id} has no scenario ${scenarioId}`);
  const files = gradingFiles(ex, submission, [s], opts.model);
  const c = await compile(files, opts.replaces?.length ? { replaces: new Set(opts.replaces) } : {});
  if (!c.program) {
    const d = c.diagnostics.find((x) => x.severity === 'error') ?? c.diagnostics[0];
    throw new Error(d ? `${d.file}:${d.line}:${d.column}: ${d.message}` : 'the program does not compile');
  }
  const base = scenarioSpec(c.program, s);
  if (!base) throw new Error(`scenario ${s.file} has no thread_<name> functions`);
  const faults = opts.token ? decodeToken(opts.token).faults : [];
  const spec = faults.length ? withPlan(base, faults) : base;
  const limits: Limits = { ...DEFAULT_LIMITS, ...ex.manifest.limits };
  const learnerFiles = submission.map((f) => f.name);
  const session = new PlaySession(c.program, spec, { limits, learnerFiles });
  const sources: Record<string, string> = {};
  for (const f of files) sources[f.name] = f.text;
  return { session, spec, sources, learnerFiles };
}

/** A play session on a challenge: its program and scenario, under its minimal token's fault plan. */
export async function playChallenge(ex: Exercise, ch: ChallengeManifest): Promise<PlaySetup> {
  const text = ex.files.get(ch.program);
  if (text === undefined) throw new Error(`challenge ${ch.id}: ${ch.program} is missing`);
  const kb = ex.manifest.knownBad.find((k) => k.file === ch.program);
  // named by its base name, as `teardown grade`/`teardown replay` name a file given on the command line: the
  // findings' frames and keys are then the CLI's
  return playScenario(ex, [{ name: ch.program.replace(/^.*\//, ''), text }], ch.scenario, {
    token: ch.minimal.token,
    ...(kb?.replaces?.length ? { replaces: kb.replaces } : {}),
  });
}
