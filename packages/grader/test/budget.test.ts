/**
 * Budgets as a contract (docs/scheduler.md, "Budgets"): regression tests for
 * the robustness review's items 5 (budgets honoured, minimisation budgeted),
 * 6 (`--reproducible` byte-identical when a budget cuts the exploration) and
 * 7 (a budget that explores nothing is an error, never a pass).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, teardown } from './cli.js';

const dir = mkdtempSync(join(tmpdir(), 'teardown-budget-'));

/** Two threads writing `n` globals each: n data races. */
function globals(n: number): string {
  const g = Array.from({ length: n }, (_, i) => `int g${i};`).join('\n');
  const w = (v: number) => Array.from({ length: n }, (_, i) => `\tg${i} = ${v};`).join('\n');
  const file = join(dir, `globals-${n}.c`);
  writeFileSync(file, `${g}\nvoid thread_a(void)\n{\n${w(1)}\n}\nvoid thread_b(void)\n{\n${w(2)}\n}\n`);
  return file;
}

describe('budgets', () => {
  it('5: 500 globals with a 3 s budget end within the budget plus the margin, the rest unminimised', () => {
    const file = globals(500);
    const t0 = performance.now();
    const r = teardown(['check', file, '--json', '--budget', '3s']);
    const ms = performance.now() - t0;
    expect(r.code).toBe(1);
    expect(ms).toBeLessThan(3000 * 1.1 + 2000);
    const j = JSON.parse(r.stdout);
    expect(j.findings.length).toBeGreaterThan(0);
    expect(j.findings.some((f: { minimised?: boolean }) => f.minimised === false)).toBe(true);
    const text = teardown(['check', file, '--budget', '3s', '--reproducible']).stdout;
    expect(text).toContain('not minimised: the budget ran out first');
  }, 60_000);

  it('6: every example twice with a budget that cuts it short gives byte-identical reports', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.c') && f !== 'syntax-error.c');
    for (const budget of ['1ms', '2']) {
      for (const f of examples) {
        const args = ['check', `examples/${f}`, '--json', '--reproducible', '--budget', budget];
        const a = teardown(args);
        const b = teardown(args);
        expect([0, 1], `${f} --budget ${budget}`).toContain(a.code);
        expect(b.stdout, `${f} --budget ${budget}`).toBe(a.stdout);
      }
    }
  }, 240_000);

  it('6: a time budget that cuts a large exploration is deterministic under --reproducible', () => {
    const args = ['check', globals(50), '--json', '--reproducible', '--budget', '500ms'];
    const a = teardown(args);
    expect(JSON.parse(a.stdout).stats.complete).toBe(false);
    expect(teardown(args).stdout).toBe(a.stdout);
    const g = ['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/solution.c', '--json', '--reproducible'];
    const ga = teardown([...g, '--no-progress', '--only', 'use-races-unbind', '--budget', '20ms']);
    expect(teardown([...g, '--no-progress', '--only', 'use-races-unbind', '--budget', '20ms']).stdout).toBe(ga.stdout);
  }, 60_000);

  it('7: --budget 0 is an error (exit 2), for check and for grade', () => {
    const c = teardown(['check', 'examples/data-race.c', '--budget', '0']);
    expect(c.code).toBe(2);
    expect(c.stdout).toContain('ended before one full execution');
    const g = teardown(['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/starter.c', '--json', '--budget', '0']);
    expect(g.code).toBe(2);
    const j = JSON.parse(g.stdout);
    expect(j.status).toBe('error');
    expect(j.score).toBe(0);
    expect(j.scenarios.every((s: { status: string }) => s.status !== 'passed')).toBe(true);
    expect(j.why).toBe('budget');
    const text = teardown(['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/starter.c', '--budget', '0']);
    expect(text.stdout).toContain('Not graded:');
    expect(text.stdout).not.toContain('does not compile');
    const junit = teardown(['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/starter.c', '--junit', '--budget', '0']);
    expect(junit.stdout).toContain('type="budget"');
  }, 60_000);
});
