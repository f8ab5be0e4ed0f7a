/**
 * `teardown upstream [ids...]`: the findings of the model in upstream code
 * (the repository's upstream/ folder), each run now: its reproducer on the
 * model as upstream has it, and with its fix. `--json` prints, per finding,
 * `{id, kind, title, function, scenario, fixedBy, reproducesOn617,
 * fixedWithPatch}` and what each run found; `--schedule <token>` replays one
 * reproducer's interleaving step by step. Exit 1 when a reproducer stops
 * reproducing or a fix stops fixing.
 */
import type { Exercise } from '../exercise/manifest.js';
import { loadExercise, readTree } from '../exercise/node.js';
import {
  parseUpstream,
  reproducerId,
  runUpstreamFinding,
  upstreamExercise,
  type UpstreamManifest,
  type UpstreamResult,
  type UpstreamRun,
} from '../upstream/findings.js';
import { renderScenarioText } from '../render/text.js';
import { replayScenario, textOptions } from './grade.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../errors.js';

export interface UpstreamCliOptions {
  json?: boolean;
  /** Print each run's findings with their minimised interleavings. */
  traces?: boolean;
  /** With one id: replay this token of its reproducer. */
  schedule?: string;
  /** With --schedule: replay on the model with the fix. */
  fixed?: boolean;
}

/** The upstream folder's manifest and the exercise its reproducers run in. */
export function loadUpstream(
  dir: string,
  exerciseDir: (id: string) => string | undefined,
): { up: UpstreamManifest; pex: Exercise } {
  const files = readTree(dir);
  const up = parseUpstream(files);
  const exDir = exerciseDir(up.exercise);
  if (!exDir) throw new UsageError(`upstream/findings.json names exercise ${up.exercise}, which is not there`);
  return { up, pex: upstreamExercise(loadExercise(exDir), up, files) };
}

const runLine = (label: string, run: UpstreamRun) =>
  `  ${label.padEnd(34)}${run.findings.length ? run.findings.map((f) => `${f.title} [${f.kind}]`).join('\n'.padEnd(37)) : 'no finding'}\n${''.padEnd(36)}${run.coverage?.text ?? 'not run'}`;

function summary(r: UpstreamResult, f: UpstreamManifest['findings'][number]): string {
  const verdict = `${r.reproducesOn617 ? 'reproduces' : 'DOES NOT REPRODUCE'} on ${r.on617.model}; ${r.fixedWithPatch ? 'fixed' : 'NOT FIXED'} by +${r.fixedBy}`;
  return [
    `${r.id}: ${r.kind} in ${r.function}()`,
    `  ${r.title}`,
    `  reproducer: upstream/${f.scenario} (${f.scenarioTitle})`,
    runLine(r.on617.model, r.on617),
    runLine(`+${r.fixedBy}`, r.withPatch),
    `  patch: ${f.patch}`,
    `  ${verdict}`,
  ].join('\n');
}

const json = (r: UpstreamResult) => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  function: r.function,
  scenario: r.scenario,
  fixedBy: r.fixedBy,
  reproducesOn617: r.reproducesOn617,
  fixedWithPatch: r.fixedWithPatch,
  runs: [r.on617, r.withPatch].map((run) => ({
    model: run.model,
    complete: run.complete,
    coverage: run.coverage?.text ?? null,
    findings: run.findings.map((x) => ({ kind: x.kind, title: x.title, token: x.token })),
  })),
});

/** Run (or, with --schedule, replay) the upstream findings; see the file comment for the exit code. */
export async function upstreamCommand(
  up: UpstreamManifest,
  pex: Exercise,
  ids: string[],
  o: UpstreamCliOptions,
): Promise<number> {
  for (const id of ids)
    if (!up.findings.some((f) => f.id === id))
      throw new UsageError(`no upstream finding '${id}' (there are ${up.findings.map((f) => f.id).join(', ')})`);
  const chosen = up.findings.filter((f) => !ids.length || ids.includes(f.id));
  const solution = [{ name: pex.manifest.solution, text: pex.files.get(pex.manifest.solution)! }];
  if (o.schedule !== undefined) {
    if (chosen.length !== 1 || !ids.length) throw new UsageError('--schedule replays one reproducer: name its finding');
    const f = chosen[0]!;
    return replayScenario(pex, solution, reproducerId(f), o.schedule, {
      json: o.json === true,
      anytime: false,
      model: o.fixed ? `${up.model}+${f.fixedBy}` : up.model,
    });
  }
  if (o.fixed) throw new UsageError('--fixed goes with --schedule');
  const results: UpstreamResult[] = [];
  const out: string[] = [];
  if (!o.json)
    out.push(
      `Findings of the model in upstream code (${up.model}), each run now on the model and with its fix.`,
      `The reproducers use exercise ${up.exercise}'s harness and reference solution (upstream's code); every finding counts.`,
    );
  for (const f of chosen) {
    const r = await runUpstreamFinding(pex, up, f);
    results.push(r);
    if (o.json) continue;
    out.push('', summary(r, f));
    if (o.traces)
      for (const [run, fixed] of [
        [r.on617, false],
        [r.withPatch, true],
      ] as const) {
        const s = run.report.scenarios[0]!;
        const text = {
          ...textOptions(pex, solution, true, run.model),
          replay: (_: string, token: string) =>
            `teardown upstream ${f.id} --schedule ${token}${fixed ? ' --fixed' : ''}`,
        };
        out.push('', `  on ${run.model}:`, renderScenarioText(s, text).replace(/^/gm, '    '));
      }
  }
  process.stdout.write(
    o.json
      ? `${JSON.stringify({ version: 1, model: up.model, findings: results.map(json) }, null, 2)}\n`
      : `${out.join('\n')}\n`,
  );
  return results.every((r) => r.reproducesOn617 && r.fixedWithPatch) ? EXIT_OK : EXIT_FINDINGS;
}
