import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, teardown } from './cli.js';

const expected = JSON.parse(readFileSync(join(ROOT, 'examples/expected.json'), 'utf8')) as Record<
  string,
  { kinds: string[]; exit: number; diagnostic?: { line: number; column: number } }
>;

describe('teardown check on the bundled examples', () => {
  for (const [file, want] of Object.entries(expected)) {
    it(`${file}: ${want.kinds.join(', ') || (want.exit === 2 ? 'a diagnostic' : 'no finding')} (exit ${want.exit})`, () => {
      const r = teardown(['check', `examples/${file}`, '--json']);
      expect(r.code).toBe(want.exit);
      const j = JSON.parse(r.stdout);
      expect(j.version).toBe(1);
      const kinds = [...new Set((j.findings as { kind: string }[]).map((f) => f.kind))].sort();
      expect(kinds).toEqual(want.kinds);
      if (want.diagnostic) {
        expect(j.diagnostics[0]).toMatchObject(want.diagnostic);
        expect(j.diagnostics[0].message).toMatch(/expected ';'/);
      } else {
        expect(j.diagnostics).toEqual([]);
        expect(j.stats.executions).toBeGreaterThan(0);
        expect(j.coverage.text).toMatch(/^exhaustive/);
      }
    });
  }

  it('--reproducible leaves the wall-clock time out of the text report too', () => {
    const timed = teardown(['check', 'examples/data-race.c']);
    expect(timed.stdout).toMatch(/ states, \d+ ms\n/);
    const r = teardown(['check', 'examples/data-race.c', '--reproducible']);
    expect(r.code).toBe(timed.code);
    expect(r.stdout).toMatch(/ executions, \d+ traces, \d+ states\n/);
    expect(r.stdout).not.toMatch(/\d ms\b/);
    expect(r.stdout).toBe(timed.stdout.replace(/, \d+ ms\n/, '\n'));
  });

  it('put-order-wrong.c (chapter 2): a preemption bound of 1 finds the WARN, a bound of 0 does not', () => {
    const at = (k: number) =>
      JSON.parse(
        teardown(['check', 'examples/put-order-wrong.c', '--strategy', 'bounded', '--preemptions', String(k), '--json'])
          .stdout,
      );
    expect(at(0).findings).toEqual([]);
    const one = at(1);
    expect(one.findings.map((f: { kind: string }) => f.kind)).toEqual(['warn']);
    expect(one.findings[0].preemptions).toBe(1);
  });

  it('text output names the line and column of a syntax error and exits 2', () => {
    const r = teardown(['check', 'examples/syntax-error.c']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('examples/syntax-error.c:6:7: error:');
  });

  it('text output shows the finding, the schedule token and a column per thread', () => {
    const r = teardown(['check', 'examples/put-then-use.c']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('BUG: KASAN: slab-use-after-free in thread_reader');
    expect(r.stdout).toMatch(/replay with --schedule [a-z0-9]+/);
    expect(r.stdout).toMatch(/\| step \| reader +\| owner +\|/);
  });

  it('a missing file is a usage error (exit 2)', () => {
    const r = teardown(['check', 'examples/does-not-exist.c']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read');
  });

  it('an unknown option is a usage error (exit 2)', () => {
    expect(teardown(['check', '--frobnicate', 'examples/abba-deadlock.c']).code).toBe(2);
  });
});
