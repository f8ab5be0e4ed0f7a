/**
 * The progress journal of `teardown batch`: a JSON-lines file beside the
 * results file (`<out>.progress`) that gets one line per graded submission as
 * soon as it is graded, so that an interrupted batch (Ctrl-C, a killed
 * machine) can be restarted with the same command and grade only the rest.
 *
 * Line 1 is a header naming the exercise and the options that change a
 * result (seed, reproducible); each further line is a BatchResult, which
 * carries the hash of the submission's files. A submission is taken from the journal when
 * its name and hash match, so an edited submission is graded again. A torn
 * last line (the process died while writing it) is ignored; a journal whose
 * header does not match the command is not used (the batch starts afresh).
 * A result without a hash (its files could not be read) is always graded again.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { BatchResult } from './task.js';

/** What must match for a journal's results to be reused. */
export interface JournalHeader {
  journal: 1;
  exercise: string;
  seed: number | null;
  reproducible: boolean;
}

/** SHA-256 (hex) over a submission's file names and texts, in order: what identifies a graded submission. */
export function submissionHash(files: readonly { name: string; text: string }[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.name}\0${f.text.length}\0${f.text}\0`);
  return h.digest('hex');
}

/** The journal's path for a results file. */
export function journalPath(out: string): string {
  return `${out}.progress`;
}

/**
 * Open the journal of `out`: read the entries of an earlier run with the
 * same header (by submission name), or start a new journal. Returns the
 * entries found and an `append` that writes one more line at once.
 */
export function openJournal(
  out: string,
  header: JournalHeader,
): { previous: Map<string, BatchResult>; append: (r: BatchResult) => void; remove: () => void; path: string } {
  const path = journalPath(out);
  const previous = new Map<string, BatchResult>();
  let reuse = false;
  if (existsSync(path)) {
    const lines = readFileSync(path, 'utf8').split('\n');
    try {
      reuse = JSON.stringify(JSON.parse(lines[0] ?? '')) === JSON.stringify(header);
    } catch {
      reuse = false;
    }
    if (reuse) {
      for (const line of lines.slice(1)) {
        if (!line.trim()) continue;
        try {
          const r = JSON.parse(line) as BatchResult;
          if (r?.name && r.hash) previous.set(r.name, r);
        } catch {
          // a torn last line: that submission is graded again
        }
      }
    }
  }
  // rewritten whole, so that a torn last line cannot join the next one
  writeFileSync(path, [header, ...[...previous.values()]].map((x) => `${JSON.stringify(x)}\n`).join(''));
  return {
    previous,
    path,
    append: (r) => appendFileSync(path, `${JSON.stringify(r)}\n`),
    remove: () => rmSync(path, { force: true }),
  };
}
