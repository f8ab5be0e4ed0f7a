/**
 * A grading worker thread (piscina): runs one part of a grading (grade.ts
 * gradePart), claiming scenarios from a counter it shares with the main
 * thread and the other workers, and returns it. The submission is compiled here, once per
 * worker for the same sources: the compiled program is kept by the SHA-256
 * of the files and the replaced model functions, and reused by this
 * worker's later parts (a Program is never changed by exploring it).
 */
import { createHash } from 'node:crypto';
import { compile, type CompileResult, type SourceFile } from '@teardown/core';
import { initNodeParser } from '@teardown/core/node';
import type { Exercise } from '../exercise/manifest.js';
import { gradePart, type GradePart, type PortableGradeOptions, type SubmissionFile } from '../grade/grade.js';

/** One part of a grading, as sent to a worker (structured clone: the exercise's maps survive it). */
export interface GradeTask {
  ex: Exercise;
  submission: SubmissionFile[];
  opts: PortableGradeOptions;
  /** The scenarios of the grading. */
  ids: string[];
  /**
   * The shared counter of the scenarios claimed so far (a SharedArrayBuffer, shared with the main thread and
   * the other workers): this part grades `ids[Atomics.add(next, 0, 1)]` until the index passes the end.
   */
  next: Int32Array;
}

/** Compiled programs kept per worker: the few submissions a grading or an exercise check compiles. */
const MAX_CACHED = 8;
const compiled = new Map<string, Promise<CompileResult>>();

/** The hash a compiled program is kept under: every file's name, role, unit and text, and the replaced functions. */
export function sourcesHash(files: readonly SourceFile[], replaces: ReadonlySet<string> | undefined): string {
  const h = createHash('sha256');
  for (const f of files) h.update(JSON.stringify([f.name, f.role, f.unit ?? null, f.text]));
  h.update(JSON.stringify(replaces ? [...replaces].sort() : null));
  return h.digest('hex');
}

function compileCached(files: SourceFile[], replaces: ReadonlySet<string> | undefined): Promise<CompileResult> {
  const key = sourcesHash(files, replaces);
  let c = compiled.get(key);
  if (!c) {
    c = compile(files, replaces ? { replaces } : {});
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, c);
  }
  return c;
}

/** Grade one part (piscina's entry point). */
export default async function runGradeTask(t: GradeTask): Promise<GradePart> {
  // every scenario already claimed (the main thread and the other workers were quicker): nothing to compile
  if (Atomics.load(t.next, 0) >= t.ids.length) return { results: [] };
  await initNodeParser();
  return gradePart(t.ex, t.submission, t.opts, t.ids, compileCached, () => Atomics.add(t.next, 0, 1));
}
