/**
 * Findings of the model in upstream code (the repository's `upstream/`
 * folder, docs/upstream/README.md): each a reproducer scenario and the named
 * model patch that fixes it. Running one grades the exercise's reference
 * solution (the upstream code of the functions the exercise asks for) on the
 * reproducer twice, on the model as upstream has it and with the fix, with
 * nothing excused as "the model's own behaviour": every finding counts.
 *
 * Pure: no file system; the CLI (`teardown upstream`) and the workbook's
 * page run the same code.
 */
import { MODEL_PATCHES, parseModelVariant, type Coverage, type FindingKind } from '@teardown/core';
import type { Exercise, Scenario } from '../exercise/manifest.js';
import { grade, type GradeOptions, type GradeReport, type GradedFinding, type ScenarioResult } from '../grade/grade.js';

/** True when a finding of `kind` has `fn` as the innermost frame of one of its accesses. */
function shows(findings: readonly GradedFinding[], kind: FindingKind, fn: string): boolean {
  return findings.some((x) => x.kind === kind && x.accesses.some((a) => a.stack[0]?.fn === fn));
}

/** One finding as `upstream/findings.json` declares it. */
export interface UpstreamFindingManifest {
  /** Stable id (`wake-up-stall`). */
  id: string;
  /** The finding kind that shows the bug (`stall`, `lock-misuse`). */
  kind: FindingKind;
  title: string;
  /** The upstream function the finding is in: some access of the finding has it as its innermost frame. */
  function: string;
  /** The reproducer, relative to the upstream folder (`scenarios/<id>.c`). */
  scenario: string;
  scenarioTitle: string;
  /** The model patch that fixes it (core's MODEL_PATCHES). */
  fixedBy: string;
  /** Finding kinds the reproducer still shows with the fix (a WARN a buggy driver deserves). */
  remainsWithFix: FindingKind[];
  /** The patch in kernel format, relative to the repository (`docs/upstream/0001-....patch`). */
  patch: string;
}

/** `upstream/findings.json`. */
export interface UpstreamManifest {
  /** The model the findings are in (`iommufd-6.17`). */
  model: string;
  /** The exercise whose harness and reference solution the reproducers use. */
  exercise: string;
  findings: UpstreamFindingManifest[];
}

/** The upstream folder is inconsistent; `problems` lists every one. */
export class UpstreamError extends Error {
  constructor(readonly problems: string[]) {
    super(`upstream/findings.json: ${problems.join('; ')}`);
  }
}

/**
 * Parse and check `findings.json` against the folder's files (paths relative
 * to the upstream folder). Throws UpstreamError listing every problem.
 */
export function parseUpstream(files: ReadonlyMap<string, string>): UpstreamManifest {
  const raw = files.get('findings.json');
  if (raw === undefined) throw new UpstreamError(['no findings.json']);
  let m: UpstreamManifest;
  try {
    m = JSON.parse(raw) as UpstreamManifest;
  } catch (e) {
    throw new UpstreamError([`not JSON: ${(e as Error).message}`]);
  }
  const problems: string[] = [];
  try {
    parseModelVariant(String(m.model));
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (typeof m.exercise !== 'string')
    problems.push('exercise must name the exercise whose harness the reproducers use');
  if (!Array.isArray(m.findings) || !m.findings.length) problems.push('findings must list at least one finding');
  const ids = new Set<string>();
  for (const [i, f] of (m.findings ?? []).entries()) {
    const at = `findings[${i}]`;
    if (typeof f.id !== 'string' || !/^[a-z0-9-]+$/.test(f.id)) problems.push(`${at}.id must be lower-case words`);
    else if (ids.has(f.id)) problems.push(`${at}.id ${f.id} is used twice`);
    ids.add(f.id);
    for (const k of ['kind', 'title', 'function', 'scenarioTitle', 'patch'] as const)
      if (typeof f[k] !== 'string' || !f[k]) problems.push(`${at}.${k} is missing`);
    if (!files.has(f.scenario)) problems.push(`${at}.scenario ${f.scenario} is missing`);
    if (!MODEL_PATCHES.some((p) => p.name === f.fixedBy))
      problems.push(`${at}.fixedBy ${f.fixedBy} is not a model patch (${MODEL_PATCHES.map((p) => p.name).join(', ')})`);
    if (!Array.isArray(f.remainsWithFix)) problems.push(`${at}.remainsWithFix must list finding kinds (may be empty)`);
  }
  if (problems.length) throw new UpstreamError(problems);
  return m;
}

/** The scenario id of a reproducer (its file name without `.c`), as exercises name scenarios. */
export function reproducerId(f: UpstreamFindingManifest): string {
  return f.scenario.replace(/^.*\//, '').replace(/\.c$/, '');
}

/**
 * The exercise the reproducers run as: `ex`'s harness, solution and limits,
 * the reproducers as its scenarios, and no model findings excused.
 */
export function upstreamExercise(ex: Exercise, up: UpstreamManifest, files: ReadonlyMap<string, string>): Exercise {
  const scenarios: Scenario[] = up.findings.map((f) => ({
    id: reproducerId(f),
    file: f.scenario,
    title: f.scenarioTitle,
    points: 1,
    visible: true,
    text: files.get(f.scenario)!,
  }));
  return { ...ex, scenarios, modelFindings: new Map() };
}

/** One run of a reproducer on one model variant. */
export interface UpstreamRun {
  model: string;
  /** The strategy finished (the verdict covers every interleaving). */
  complete: boolean;
  coverage: Coverage | null;
  /** The findings the reproducer shows, minimised, with their replay tokens. */
  findings: GradedFinding[];
  /** The whole grading report of the run (for the text renderer and the trace viewer). */
  report: GradeReport;
}

/** What `teardown upstream --json` prints per finding: computed by running, never stored. */
export interface UpstreamResult {
  id: string;
  kind: FindingKind;
  title: string;
  function: string;
  /** The reproducer's scenario id. */
  scenario: string;
  /** The model patch that fixes it. */
  fixedBy: string;
  /** The declared finding shows on the model as upstream has it. */
  reproducesOn617: boolean;
  /** With the patch, exhaustively: no finding of the declared kind, and no finding outside remainsWithFix. */
  fixedWithPatch: boolean;
  on617: UpstreamRun;
  withPatch: UpstreamRun;
}

const runOf = (model: string, report: GradeReport, r: ScenarioResult): UpstreamRun => ({
  model,
  complete: r.complete,
  coverage: r.coverage,
  findings: r.findings,
  report,
});

/**
 * Run one finding's reproducer on the model and on the model with its fix.
 * `opts` passes through to grade() (budget, reproducible, progress); the
 * exercise must be the one `up.exercise` names, already made with
 * upstreamExercise().
 */
export async function runUpstreamFinding(
  pex: Exercise,
  up: UpstreamManifest,
  f: UpstreamFindingManifest,
  opts: Pick<GradeOptions, 'budget' | 'reproducible' | 'onProgress' | 'shouldStop' | 'bare'> = {},
): Promise<UpstreamResult> {
  const solution = [{ name: pex.manifest.solution, text: pex.files.get(pex.manifest.solution)! }];
  const id = reproducerId(f);
  const once = async (model: string) => {
    const r = await grade(pex, solution, { ...opts, only: [id], model });
    if (r.status === 'error' || !r.scenarios[0])
      throw new Error(
        `upstream finding ${f.id}: the reproducer did not run on ${model}: ${r.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('; ')}`,
      );
    return runOf(model, r, r.scenarios[0]);
  };
  const fixed = `${up.model}+${f.fixedBy}`;
  const on617 = await once(up.model);
  const withPatch = await once(fixed);
  return {
    id: f.id,
    kind: f.kind,
    title: f.title,
    function: f.function,
    scenario: id,
    fixedBy: f.fixedBy,
    reproducesOn617: shows(on617.findings, f.kind, f.function),
    fixedWithPatch:
      withPatch.complete &&
      !shows(withPatch.findings, f.kind, f.function) &&
      withPatch.findings.every((x) => f.remainsWithFix.includes(x.kind)),
    on617,
    withPatch,
  };
}
