/**
 * Which uploaded file the autograders grade (autograder/submission.ts): the
 * expected name wherever it is (a repository checkout nests it), hidden
 * folders skipped, other C files named as ignored, a lone file under another
 * name graded with a note, and an unreadable file refused with its reason.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickSubmission } from '../src/autograder/submission.js';

function upload(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'teardown-upload-'));
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  return dir;
}

describe('pickSubmission', () => {
  it('finds the expected name in a nested checkout and names the other C files as ignored', () => {
    const p = pickSubmission(
      upload({
        'repo/src/ex.c': 'int a;',
        'repo/test/helper.c': 'int b;',
        '.git/objects/x.c': 'x',
        'repo/README.md': '',
      }),
      'ex.c',
    );
    expect(p.refused).toBeUndefined();
    expect(p.files).toEqual([{ name: 'ex.c', text: 'int a;' }]);
    expect(p.notes).toEqual(['Graded repo/src/ex.c; ignored the other C files: repo/test/helper.c.']);
  });

  it('prefers the expected name at the top over the same name deeper down', () => {
    const p = pickSubmission(upload({ 'ex.c': 'top', 'old/ex.c': 'deep' }), 'ex.c');
    expect(p.files[0]!.text).toBe('top');
  });

  it('grades a lone C file under another name, with a note', () => {
    const p = pickSubmission(upload({ 'mine.c': 'int a;', 'notes.txt': 'hi' }), 'ex.c');
    expect(p.files).toEqual([{ name: 'mine.c', text: 'int a;' }]);
    expect(p.notes[0]).toMatch(/Expected a file named ex\.c; graded mine\.c instead/);
  });

  it('refuses a binary file with the reason, and an upload without C files with what it found', () => {
    const bin = pickSubmission(upload({ 'ex.c': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]) }), 'ex.c');
    expect(bin.refused).toMatch(/^ex\.c cannot be graded: .*not a text file/);
    const none = pickSubmission(upload({ 'a.h': '', 'b.txt': '' }), 'ex.c');
    expect(none.refused).toBe('No C file in the submission: submit ex.c (found a.h, b.txt).');
  });
});
