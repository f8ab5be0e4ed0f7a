/**
 * `teardown batch` at class size, on a small generated class: interrupted
 * (SIGINT) after a few submissions, then run again with the same command, it
 * grades only the submissions the interrupted run had not graded, ignores a
 * torn journal line, and regrades a submission whose file changed. The CSV
 * beside the JSON has one row per submission with the scores of the JSON.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClass } from '../src/batch/generate.js';
import { loadExercise } from '../src/exercise/node.js';
import { ROOT, teardown } from './cli.js';

const BIN = fileURLToPath(new URL('../bin/teardown.js', import.meta.url));
const ex = loadExercise(join(ROOT, 'exercises/vdev-lifetime'));

/** Names of the submissions a run printed a result line for (`3/6 s002-solution.c: passed 25/25`). */
const gradedIn = (stderr: string) => [...stderr.matchAll(/^\d+\/\d+ (\S+): /gm)].map((m) => m[1]!);

describe('teardown batch, interrupted and resumed', () => {
  it('grades only the rest after an interrupt, and writes the CSV beside the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-resume-'));
    const subs = join(dir, 'subs');
    mkdirSync(subs);
    const cls = generateClass(ex, 8, 7);
    expect(new Set(cls.map((c) => c.kind)).size).toBeGreaterThanOrEqual(3);
    for (const c of cls) writeFileSync(join(subs, c.name), c.text);
    const out = join(dir, 'class.json');
    const journal = `${out}.progress`;
    const args = [BIN, 'batch', 'vdev-lifetime', subs, '--out', out, '--jobs', '1', '--reproducible'];

    // first run: interrupted once two submissions are in the journal
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let firstErr = '';
    child.stderr.on('data', (d) => {
      firstErr += d;
    });
    const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n').length - 1 : 0);
    while (lines() < 2) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(130);
    expect(firstErr).toMatch(/interrupted: \d+ of 8 submissions graded and kept in .*class\.json\.progress/);
    expect(existsSync(out)).toBe(false);
    const before = gradedIn(firstErr);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(8);
    // a torn last line (the process died while writing it) and an edited submission
    appendFileSync(journal, '{"name":"s00');
    const edited = before[0]!;
    writeFileSync(join(subs, edited), `${readFileSync(join(subs, edited), 'utf8')}\n/* edited */\n`);

    const second = teardown(args.slice(1));
    expect(second.stderr).toMatch(new RegExp(`resuming: ${before.length - 1} of 8 submissions already graded`));
    const after = gradedIn(second.stderr);
    expect(after.sort()).toEqual(
      cls
        .map((c) => c.name)
        .filter((n) => n === edited || !before.includes(n))
        .sort(),
    );
    expect(existsSync(journal)).toBe(false);

    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.results.map((r: { name: string }) => r.name)).toEqual(cls.map((c) => c.name).sort());
    const kind = new Map(cls.map((c) => [c.name, c.kind]));
    for (const r of res.results) {
      if (kind.get(r.name) === 'solution') expect(r.status).toBe('passed');
      if (kind.get(r.name) === 'known-bad') expect(r.status).toBe('failed');
      if (kind.get(r.name) === 'broken') expect(r.status).toBe('error');
      if (r.status !== 'error' || r.files.length) expect(existsSync(join(dir, r.report))).toBe(true);
    }
    const csv = readFileSync(join(dir, res.csv), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe(`submission,score,max_score,status,${ex.scenarios.map((s) => s.id).join(',')},error`);
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 4))).toEqual(
      res.results.map((r: { name: string; score: number; maxScore: number; status: string }) => [
        r.name,
        String(r.score),
        String(r.maxScore),
        r.status,
      ]),
    );
  }, 240_000);

  it("starts each submission's timeout when its grading starts, not when the batch does", () => {
    // 4000 submissions that fail to compile at once take longer in all than two timeouts of 1 s (1500 took 1.8 s on
    // this machine quiet, 6 s on a busy day: too close), each far less than one
    const dir = mkdtempSync(join(tmpdir(), 'teardown-queue-'));
    const subs = join(dir, 'subs');
    mkdirSync(subs);
    for (let i = 0; i < 4000; i++) writeFileSync(join(subs, `b${String(i).padStart(4, '0')}.c`), 'int broken(\n');
    const out = join(dir, 'class.json');
    const t0 = Date.now();
    const r = teardown(['batch', 'vdev-lifetime', subs, '--out', out, '--jobs', '1', '--timeout', '1']);
    expect(Date.now() - t0, 'the batch took longer than two timeouts').toBeGreaterThan(2000);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.results).toHaveLength(4000);
    expect(res.results.filter((x: { error?: string }) => x.error?.includes('took longer'))).toEqual([]);
    expect(res.results.every((x: { diagnostics: unknown[] }) => x.diagnostics.length > 0)).toBe(true);
    expect(r.stderr).toMatch(/4000 submissions: 0 passed, 0 failed, 4000 not gradable/);
  }, 240_000);
});
