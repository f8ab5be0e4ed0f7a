/**
 * Which file of an uploaded submission to grade. Platforms hand the grader a
 * folder (Gradescope's /autograder/submission, PrairieLearn's /grade/student)
 * with whatever the student uploaded: the expected `<exercise>.c`, a file
 * named otherwise, several files, a folder from a repository. The rule, with
 * the message the student sees:
 *
 * - a file with the expected name (anywhere under the folder): graded; other
 *   .c files are named as ignored;
 * - otherwise exactly one .c file: graded, with a note that it should be
 *   named as expected;
 * - several .c files and none with the expected name, or none at all: not
 *   graded, and the message lists what was found.
 *
 * Files are read through input.ts (regular files inside the folder, 1 MiB,
 * UTF-8), so a binary or oversized upload is refused with the reason.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readSubmission } from '../input.js';

/** What to grade: the files, notes for the student, or why nothing can be graded. */
export interface PickedSubmission {
  files: { name: string; text: string }[];
  /** Shown above the results (a renamed or ignored file). */
  notes: string[];
  /** Set when nothing is graded: the message for the student. */
  refused?: string;
}

/** Deepest folder level searched (a repository checkout has a few). */
const MAX_DEPTH = 4;
/** Most entries looked at (an upload of node_modules should not take minutes). */
const MAX_ENTRIES = 2000;

/** Every regular file under `dir` (relative paths with `/`), hidden entries and node_modules skipped. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (out.length >= MAX_ENTRIES) return;
      if (n.startsWith('.') || n === 'node_modules') continue;
      const p = join(d, n);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory() && depth < MAX_DEPTH) walk(p, depth + 1);
      else if (st?.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir, 0);
  return out;
}

/** Choose and read the file to grade from the submission folder `dir`; `expected` is the file name asked for. */
export function pickSubmission(dir: string, expected: string): PickedSubmission {
  const all = listFiles(dir);
  const cFiles = all.filter((p) => p.endsWith('.c'));
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const shown = (list: string[]) => (list.length > 8 ? `${list.slice(0, 8).join(', ')}, ...` : list.join(', '));
  const notes: string[] = [];
  let chosen: string | undefined = cFiles.find((p) => p === expected) ?? cFiles.find((p) => base(p) === expected);
  if (chosen) {
    const others = cFiles.filter((p) => p !== chosen);
    if (others.length) notes.push(`Graded ${chosen}; ignored the other C files: ${shown(others)}.`);
  } else if (cFiles.length === 1) {
    chosen = cFiles[0]!;
    notes.push(`Expected a file named ${expected}; graded ${chosen} instead. Name it ${expected} next time.`);
  } else if (cFiles.length === 0) {
    return {
      files: [],
      notes,
      refused: all.length
        ? `No C file in the submission: submit ${expected} (found ${shown(all)}).`
        : `The submission is empty: submit ${expected}.`,
    };
  } else {
    return {
      files: [],
      notes,
      refused: `Several C files (${shown(cFiles)}) and none named ${expected}: submit your code as ${expected}.`,
    };
  }
  try {
    const files = readSubmission(dir, join(dir, chosen));
    return { files: files.map((f) => ({ name: base(chosen), text: f.text })), notes };
  } catch (e) {
    return { files: [], notes, refused: `${chosen} cannot be graded: ${(e as Error).message}.` };
  }
}
