/** `teardown grade <exercise> <file.c ...>`: grade a submission against an exercise's scenarios. */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { StrategyName } from '@teardown/core';
import { grade, scenarioSpec, gradingFiles, type GradeReport, type SubmissionFile } from '../grade/grade.js';
import type { Exercise } from '../exercise/manifest.js';
import { renderText, type TextOptions } from '../render/text.js';
import { renderGradescope } from '../render/gradescope.js';
import { renderClassroom } from '../render/classroom.js';
import { renderJunit } from '../render/junit.js';
import { parseBudget } from '../options.js';
import { UsageError } from '../cli.js';

export interface GradeCliOptions {
  json?: boolean;
  gradescope?: boolean;
  githubClassroom?: boolean;
  junit?: boolean;
  out?: string;
  quick?: boolean;
  only?: string;
  strategy?: string;
  seed?: string;
  budget?: string;
  reproducible?: boolean;
  traces?: boolean;
  progress?: boolean;
}

/** Source texts and thread names for the text renderers. */
export function textOptions(ex: Exercise, submission: readonly SubmissionFile[], traces = true): TextOptions {
  const sources = new Map<string, string>();
  for (const f of gradingFiles(ex, submission, ex.scenarios)) sources.set(f.name, f.text);
  const threads = new Map<string, string[]>();
  for (const s of ex.scenarios) {
    const names = [...s.text.matchAll(/^\s*void\s+thread_(\w+)\s*\(/gm)].map((m) => m[1]!);
    threads.set(s.id, names.sort());
  }
  return { sources, threads, traces };
}

/** Render a report in the format the options ask for. */
export function renderReport(r: GradeReport, o: GradeCliOptions, text: TextOptions): string {
  if (o.json) return JSON.stringify(r, null, 2) + '\n';
  if (o.gradescope) return JSON.stringify(renderGradescope(r, text), null, 2) + '\n';
  if (o.githubClassroom) return renderClassroom(r, text) + '\n';
  if (o.junit) return renderJunit(r, text);
  return renderText(r, text) + '\n';
}

export async function gradeCommand(ex: Exercise, submission: SubmissionFile[], o: GradeCliOptions): Promise<number> {
  const formats = [o.json, o.gradescope, o.githubClassroom, o.junit].filter(Boolean).length;
  if (formats > 1) throw new UsageError('choose one of --json, --gradescope, --github-classroom, --junit');
  const only = o.only?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of only ?? []) {
    if (!ex.scenarios.some((s) => s.id === id)) throw new UsageError(`exercise ${ex.manifest.id} has no scenario '${id}' (it has ${ex.scenarios.map((s) => s.id).join(', ')})`);
  }
  const seed = o.seed === undefined ? undefined : Number(o.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) throw new UsageError(`bad --seed '${o.seed}'`);
  const showProgress = o.progress !== false && process.stderr.isTTY === true;
  const r = await grade(ex, submission, {
    mode: o.quick ? 'quick' : 'full', only, seed, strategy: o.strategy as StrategyName | undefined,
    budget: parseBudget(o.budget), reproducible: o.reproducible,
    onProgress: showProgress ? (p) => process.stderr.write(`\r\x1b[2K${p.index + 1}/${p.total} ${p.scenario}: ${p.executions} executions`) : undefined,
  });
  if (showProgress) process.stderr.write('\r\x1b[2K');
  const out = renderReport(r, o, textOptions(ex, submission, o.traces !== false));
  if (o.out) writeFileSync(o.out, out);
  else process.stdout.write(out);
  if (r.status === 'error') return 2;
  return r.status === 'passed' ? 0 : 1;
}

/** Name submission files as graders see them (base names; duplicates keep their path). */
export function submissionNames(paths: string[]): string[] {
  const base = paths.map((p) => basename(p));
  return base.map((b, i) => (base.indexOf(b) !== i || base.lastIndexOf(b) !== i ? paths[i]! : b));
}

export { scenarioSpec };
