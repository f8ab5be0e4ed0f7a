/**
 * Refactoring guard: the `--reproducible` JSON reports of every example
 * (`teardown check`) and of every vdev-lifetime submission kept in the
 * repository (`teardown grade`: the known-bad versions, the solution, the
 * starter) are byte-identical to the reports recorded before the
 * architecture change (test/fixtures/reports, gzipped).
 *
 * When a change is meant to alter reports, regenerate the fixtures with
 * `node packages/grader/test/fixtures/reports/update.mjs` and say why in the
 * commit message.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { main } from '../src/node.js';
import { ROOT } from './cli.js';

const FIXTURES = join(ROOT, 'packages/grader/test/fixtures/reports');

/** Run the CLI in this process (same code as bin/teardown.js) and capture standard output. */
async function run(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  const cwd = process.cwd();
  process.chdir(ROOT);
  process.stdout.write = ((s: string | Uint8Array) => {
    chunks.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    await main(['node', 'teardown', ...args]);
  } finally {
    process.stdout.write = write;
    process.chdir(cwd);
    process.exitCode = 0;
  }
  return chunks.join('');
}

function fixture(dir: string, name: string): string {
  return gunzipSync(readFileSync(join(FIXTURES, dir, `${name}.json.gz`))).toString('utf8');
}

const names = (dir: string) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.json.gz'))
    .map((f) => f.slice(0, -'.json.gz'.length))
    .sort();

describe('reports are byte-identical to the recorded fixtures', () => {
  it('covers every example and every kept vdev-lifetime submission', () => {
    const examples = readdirSync(join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.c'))
      .map((f) => f.slice(0, -2))
      .sort();
    expect(names('check')).toEqual(examples);
    const bad = readdirSync(join(ROOT, 'exercises/vdev-lifetime/known-bad')).map((f) => f.slice(0, -2));
    expect(names('grade')).toEqual([...bad, 'solution', 'starter'].sort());
  });

  for (const n of names('check')) {
    it(`teardown check examples/${n}.c --json --reproducible`, async () => {
      const out = await run(['check', `examples/${n}.c`, '--json', '--reproducible']);
      expect(out).toBe(fixture('check', n));
    });
  }

  for (const n of names('grade')) {
    const file = n === 'solution' || n === 'starter' ? `${n}.c` : `known-bad/${n}.c`;
    it(`teardown grade vdev-lifetime ${file} --json --reproducible`, async () => {
      const out = await run([
        'grade',
        'vdev-lifetime',
        `exercises/vdev-lifetime/${file}`,
        '--json',
        '--reproducible',
        '--no-progress',
      ]);
      expect(out === fixture('grade', n)).toBe(true);
    });
  }
});
