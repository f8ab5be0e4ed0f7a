/**
 * Loading exercises from the file system (Node only): an exercise is named
 * by a folder path or by its id, looked up in `exercises/` of the working
 * directory or one of its parents, then of this repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExercise, type Exercise } from './manifest.js';

/** Every text file under `dir`, by path relative to it (with `/`). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(c|h|md|json)$/.test(name)) out.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** This repository's exercises folder (from packages/grader/dist/exercise). */
const REPO_EXERCISES = fileURLToPath(new URL('../../../../exercises/', import.meta.url));

/** The folder of exercise `nameOrPath`, or undefined. */
export function findExerciseDir(nameOrPath: string, cwd = process.cwd()): string | undefined {
  const direct = resolve(cwd, nameOrPath);
  if (existsSync(join(direct, 'exercise.json'))) return direct;
  if (!/^[a-z0-9-]+$/.test(nameOrPath)) return undefined;
  for (let d = resolve(cwd); ; d = dirname(d)) {
    const p = join(d, 'exercises', nameOrPath);
    if (existsSync(join(p, 'exercise.json'))) return p;
    if (dirname(d) === d) break;
  }
  const p = join(REPO_EXERCISES, nameOrPath);
  return existsSync(join(p, 'exercise.json')) ? p : undefined;
}

/** Load and check an exercise folder. Errors: ExerciseError (see manifest.ts). */
export function loadExercise(dir: string): Exercise {
  return parseExercise(readTree(dir));
}

/** The ids of the exercises in this repository. */
export function bundledExercises(): string[] {
  if (!existsSync(REPO_EXERCISES)) return [];
  return readdirSync(REPO_EXERCISES)
    .filter((n) => existsSync(join(REPO_EXERCISES, n, 'exercise.json')))
    .sort();
}

/** This repository's upstream-findings folder (from packages/grader/dist/exercise). */
const REPO_UPSTREAM = fileURLToPath(new URL('../../../../upstream/', import.meta.url));

/**
 * The folder holding `findings.json` of the upstream findings: `upstream/`
 * of the working directory or one of its parents, then of this repository;
 * undefined when there is none.
 */
export function findUpstreamDir(cwd = process.cwd()): string | undefined {
  for (let d = resolve(cwd); ; d = dirname(d)) {
    const p = join(d, 'upstream');
    if (existsSync(join(p, 'findings.json'))) return p;
    if (dirname(d) === d) break;
  }
  return existsSync(join(REPO_UPSTREAM, 'findings.json')) ? REPO_UPSTREAM : undefined;
}
