/**
 * `teardown check --jobs N`: worker threads explore subtrees ahead of the
 * main one (core sched/split.ts); the report is the one of `--jobs 1`, byte
 * for byte (`--reproducible`).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teardown } from './cli.js';
import { readers } from '../src/bench/programs.js';

const dir = mkdtempSync(join(tmpdir(), 'teardown-jobs-'));

describe('teardown check --jobs', () => {
  // abba-late.c (an independent review's counterexample): a unit adds the lock order m1 -> m0 after the controller's
  // graph has an edge from m1's class; lockdep handed back another edge in its place, and the report lost a schedule
  it.each([
    'examples/abba-deadlock.c',
    'examples/data-race.c',
    'examples/put-then-use.c',
    'packages/grader/test/fixtures/split/abba-late.c',
    'readers',
  ])('%s: the same report with 1, 2 and 3 jobs', { timeout: 120_000 }, (name) => {
    let file = name;
    if (name === 'readers') {
      file = join(dir, 'readers8.c');
      writeFileSync(file, readers(8));
    }
    const one = teardown(['check', file, '--json', '--reproducible']);
    expect([0, 1]).toContain(one.code);
    for (const jobs of ['2', '3']) {
      const many = teardown(['check', file, '--json', '--reproducible', '--jobs', jobs]);
      expect(many.code).toBe(one.code);
      expect(many.stdout).toBe(one.stdout);
    }
  });

  it('refuses --jobs with the state cache, synchronisation points or another strategy', () => {
    for (const extra of [['--state-cache', '--strategy', 'dpor'], ['--sync-points'], ['--strategy', 'pct']]) {
      const r = teardown(['check', 'examples/data-race.c', '--jobs', '2', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--jobs splits a stateless DPOR exploration/);
    }
  });
});
