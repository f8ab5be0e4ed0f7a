/**
 * A generated class: `n` submissions for an exercise, a mix of the reference
 * solution, the learner-style known-bad versions (those that replace no model
 * function: a learner's file may not), mutants of the solution (one statement
 * deleted, or two adjacent statements swapped) and files that do not compile.
 * What the batch benchmark, the resumability test and the class-report
 * end-to-end test grade. Deterministic: the same exercise, `n` and seed give
 * the same files.
 */
import type { Exercise } from '../exercise/manifest.js';

/** One generated submission: a file name that says what it is, and its text. */
export interface GeneratedSubmission {
  name: string;
  text: string;
  kind: 'solution' | 'known-bad' | 'mutant' | 'broken';
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Indices of the solution's statement lines inside function bodies (indented, ending in `;`). */
function statementLines(lines: readonly string[]): number[] {
  return lines.flatMap((l, i) => (/^\t+[^\s*/].*;\s*$/.test(l) ? [i] : []));
}

/** A mutant of `text`: statement `i` deleted, or swapped with the next statement line. */
function mutate(text: string, random: () => number): { text: string; label: string } {
  const lines = text.split('\n');
  const stmts = statementLines(lines);
  const i = stmts[Math.floor(random() * stmts.length)]!;
  if (random() < 0.6) {
    const out = lines.filter((_, j) => j !== i);
    return { text: out.join('\n'), label: `del${i + 1}` };
  }
  const j = stmts.find((k) => k > i) ?? stmts[0]!;
  const out = [...lines];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return { text: out.join('\n'), label: `swap${i + 1}-${j + 1}` };
}

/**
 * Generate `n` submissions: about a fifth solutions, two fifths known-bad
 * versions (round robin), a third mutants, the rest not compiling.
 */
export function generateClass(ex: Exercise, n: number, seed = 1): GeneratedSubmission[] {
  const random = rng(seed);
  const solution = ex.files.get(ex.manifest.solution) ?? '';
  const bad = ex.manifest.knownBad.filter((k) => !k.replaces?.length);
  const out: GeneratedSubmission[] = [];
  for (let i = 0; i < n; i++) {
    const id = `s${String(i + 1).padStart(3, '0')}`;
    const r = random();
    if (r < 0.2 || (!bad.length && r < 0.6)) out.push({ name: `${id}-solution.c`, text: solution, kind: 'solution' });
    else if (r < 0.6) {
      const k = bad[i % bad.length]!;
      const base = k.file.replace(/^.*\//, '').replace(/\.c$/, '');
      out.push({ name: `${id}-kb-${base}.c`, text: ex.files.get(k.file) ?? '', kind: 'known-bad' });
    } else if (r < 0.95) {
      const m = mutate(solution, random);
      out.push({ name: `${id}-mutant-${m.label}.c`, text: m.text, kind: 'mutant' });
    } else {
      const cut = solution.slice(0, Math.floor(solution.length * (0.3 + random() * 0.6)));
      out.push({ name: `${id}-broken.c`, text: cut, kind: 'broken' });
    }
  }
  return out;
}
