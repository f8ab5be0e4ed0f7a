import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { teardown } from './cli.js';
import { lastzero, readers } from '../src/bench/programs.js';
import { MODEL_BENCHMARKS, runModelBenchmarks } from '../src/bench/model.js';

const dir = mkdtempSync(join(tmpdir(), 'teardown-'));
const file = (name: string, src: string) => {
  const p = join(dir, name);
  writeFileSync(p, src);
  return p;
};

describe('teardown check --strategy dpor on the classic benchmarks', () => {
  it.each([
    [1, 2],
    [2, 5],
    [3, 12],
    [4, 28],
  ])('lastzero(%i) has %i traces, one execution each', (n, traces) => {
    const r = teardown(['check', file(`lastzero${n}.c`, lastzero(n)), '--strategy', 'dpor', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.stats.traces).toBe(traces);
    expect(j.stats.executions / j.stats.traces).toBeLessThanOrEqual(1.25);
    expect(j.coverage.text).toBe(`exhaustive: all ${traces} Mazurkiewicz traces (optimal DPOR)`);
  });

  it.each([2, 3, 4, 5, 6])('readers(%i) has 2^N traces', (n) => {
    const r = teardown(['check', file(`readers${n}.c`, readers(n)), '--strategy', 'dpor', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.stats.traces).toBe(2 ** n);
    expect(j.stats.executions / j.stats.traces).toBeLessThanOrEqual(1.25);
  });

  it('source-DPOR and DFS count the same traces (DFS runs every interleaving)', () => {
    const src = file('lz3.c', lastzero(3));
    const s = JSON.parse(teardown(['check', src, '--strategy', 'source-dpor', '--json']).stdout);
    const d = JSON.parse(teardown(['check', src, '--strategy', 'dfs', '--json']).stdout);
    expect(s.stats.traces).toBe(12);
    expect(d.stats.traces).toBe(12);
    expect(d.stats.executions).toBe(920);
  });
});

describe('reports are reproducible', () => {
  it.each(['portfolio', 'dpor', 'pct', 'random', 'bounded'])(
    '--strategy %s --seed 5 --reproducible gives a byte-identical JSON report',
    (strategy) => {
      const args = [
        'check',
        'examples/put-then-use.c',
        '--strategy',
        strategy,
        '--seed',
        '5',
        '--json',
        '--reproducible',
      ];
      const a = teardown(args);
      const b = teardown(args);
      expect(a.code).toBe(1);
      expect(a.stdout).toBe(b.stdout);
      expect(JSON.parse(a.stdout).stats.ms).toBeUndefined();
    },
  );

  it('without --reproducible the stats carry the time in ms', () => {
    const j = JSON.parse(teardown(['check', 'examples/put-then-use.c', '--json']).stdout);
    expect(typeof j.stats.ms).toBe('number');
    expect(j.stats).toMatchObject({
      executions: expect.any(Number),
      traces: expect.any(Number),
      states: expect.any(Number),
    });
  });
});

describe('teardown replay', () => {
  it('prints the trace with one column per thread and the finding', () => {
    const check = JSON.parse(teardown(['check', 'examples/put-then-use.c', '--json']).stdout);
    const token = check.findings[0].token as string;
    const r = teardown(['replay', 'examples/put-then-use.c', '--schedule', token]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\| step \| reader +\| owner +\|/);
    expect(r.stdout).toContain('BUG: KASAN: slab-use-after-free in thread_reader');
  });

  it('replays a lock-order counterexample: one execution per dependency', () => {
    const check = JSON.parse(teardown(['check', 'examples/abba-gated.c', '--json']).stdout);
    const f = check.findings.find((x: { kind: string }) => x.kind === 'lock-order');
    expect(f.token).toContain(',');
    const r = teardown(['replay', 'examples/abba-gated.c', '--schedule', f.token]);
    expect(r.stdout).toContain('execution 2 of 2');
    expect(r.stdout).toContain('WARNING: possible circular locking dependency detected');
  });

  it('rejects a malformed token or a thread the program does not have (exit 2)', () => {
    expect(teardown(['replay', 'examples/put-then-use.c', '--schedule', 'a3!']).code).toBe(2);
    const r = teardown(['replay', 'examples/put-then-use.c', '--schedule', 'az']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the program has 2 threads');
  });
});

describe('injected failures', () => {
  it('finds what only a failing allocation shows, and replays it from the token with the failure as a row', () => {
    const j = JSON.parse(teardown(['check', 'examples/alloc-fails.c', '--json', '--reproducible']).stdout);
    expect(j.coverage.text).toMatch(/with up to 1 injected failure at 1 fault site \(kmalloc\): 3 fault plans$/);
    const uaf = j.findings.find((f: { kind: string }) => f.kind === 'use-after-free');
    expect(uaf.token).toMatch(/^Fa2\./);
    const r = teardown(['replay', 'examples/alloc-fails.c', '--schedule', uaf.token]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\| F +\| alloc-fails\.c:\d+ ✗ kmalloc fails \(injected\)/);
    expect(r.stdout).toContain('BUG: KASAN: slab-use-after-free in thread_reader');
    // the same schedule without the plan does not fail the allocation
    const plain = teardown(['replay', 'examples/alloc-fails.c', '--schedule', uaf.token.replace(/^F[^.]*\./, '')]);
    expect(plain.stdout).not.toContain('slab-use-after-free');
  });

  it('refuses a plan for a program that arms no fault site, or for a thread it does not have (exit 2)', () => {
    const none = teardown(['replay', 'examples/put-then-use.c', '--schedule', 'Fa1.a2']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('arms no fault sites');
    const who = teardown(['replay', 'examples/alloc-fails.c', '--schedule', 'Fz1.a2']);
    expect(who.code).toBe(2);
    expect(who.stderr).toContain('the program has 2 threads');
    expect(teardown(['replay', 'examples/alloc-fails.c', '--schedule', 'Fa0.a2']).code).toBe(2);
  });
});

describe('options', () => {
  it('rejects an unknown strategy and bad numbers (exit 2)', () => {
    expect(teardown(['check', 'examples/put-then-use.c', '--strategy', 'magic']).code).toBe(2);
    expect(teardown(['check', 'examples/put-then-use.c', '--preemptions', 'x']).code).toBe(2);
    expect(teardown(['check', 'examples/put-then-use.c', '--budget', 'soon']).code).toBe(2);
    expect(teardown(['check', 'examples/put-then-use.c', '--state-cache']).code).toBe(2);
    expect(teardown(['check', 'examples/put-then-use.c', '--timeouts', 'sometimes']).code).toBe(2);
    const bad = teardown(['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/solution.c', '--replace-model', 'a b']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad --replace-model');
  });

  it('--strategy dfs --state-cache is stateful search', () => {
    const j = JSON.parse(
      teardown(['check', 'examples/refcount-underflow.c', '--strategy', 'dfs', '--state-cache', '--json']).stdout,
    );
    expect(j.findings.map((f: { kind: string }) => f.kind)).toEqual(['refcount']);
  });

  it('--state-cache-mb bounds stateful DPOR, and is refused elsewhere or out of range', () => {
    const ok = teardown([
      'check',
      'examples/refcount-underflow.c',
      '--strategy',
      'dpor',
      '--state-cache',
      '--state-cache-mb',
      '1',
      '--json',
    ]);
    expect(ok.code).toBe(1);
    const j = JSON.parse(ok.stdout);
    expect(j.findings.map((f: { kind: string }) => f.kind)).toEqual(['refcount']);
    expect(j.coverage.text).toMatch(
      /^exhaustive: all reachable states, \d+ states, \d+ executions \(stateful source-DPOR/,
    );
    for (const [args, why] of [
      [['--state-cache-mb', '0', '--strategy', 'dpor', '--state-cache'], 'bad --state-cache-mb'],
      [['--state-cache-mb', '1e3', '--strategy', 'dpor', '--state-cache'], 'bad --state-cache-mb'],
      [['--state-cache-mb', '64', '--strategy', 'dpor'], '--state-cache-mb bounds stateful DPOR'],
      [['--state-cache-mb', '64', '--strategy', 'dfs', '--state-cache'], '--state-cache-mb bounds stateful DPOR'],
    ] as const) {
      const bad = teardown(['check', 'examples/refcount-underflow.c', ...args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(why);
    }
  });
});

describe('teardown bench', () => {
  it('runs the selected benchmarks and reports traces beside the published count', () => {
    const r = teardown(['bench', '--only', '^lastzero\\(2\\)$', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.dpor).toHaveLength(1);
    expect(j.dpor[0]).toMatchObject({ name: 'lastzero(2)', traces: 5, published: 5, executions: 5, ratio: 1 });
  });

  it('selects a model benchmark by its name and mode, and explores it without its budget when asked', () => {
    const r = teardown(['bench', '--only', 'exit \\+ close \\+ destroy \\(dpor\\+cache\\)', '--unbounded', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.dpor).toHaveLength(0);
    expect(j.model).toHaveLength(1);
    expect(j.model[0]).toMatchObject({ name: 'model: exit + close + destroy', mode: 'dpor+cache', complete: true });
    // a short run is timed again in its process, once V8 has optimised the code
    expect(j.model[0].warmMs).toBeGreaterThan(0);
    expect(j.model[0].coverage).toMatch(
      /^exhaustive: all reachable states, 5972 states, 289 executions \(stateful source-DPOR, states kept at every 2nd depth, \d+ stopped at a visited state\)$/,
    );
  });

  it('says as each model benchmark starts and ends, and which it explores to the end', () => {
    const lines: string[] = [];
    const rows = runModelBenchmarks(/exit \+ close \+ destroy \(dpor\+cache\)/, false, (l) => lines.push(l));
    expect(rows).toHaveLength(1);
    expect(lines).toEqual([
      'model: exit + close + destroy (dpor+cache)',
      `  exhaustive: 289 executions, ${(rows[0]!.ms / 1000).toFixed(1)} s (${(rows[0]!.warmMs! / 1000).toFixed(1)} s warm)`,
    ]);
    lines.length = 0;
    runModelBenchmarks(/exit \+ close \+ destroy \(dpor\+cache\)/, true, (l) => lines.push(l));
    expect(lines[0]).toBe('model: exit + close + destroy (dpor+cache), explored to the end');
    // the scale issue's 4-thread target is an exhaustive run: the bench explores it to the end (and says so)
    const four = MODEL_BENCHMARKS.find((b) => b.name === 'model: destroy + use + alloc + unbind')!;
    expect(four.toTheEnd).toEqual(['dpor+cache']);
  });

  it('times the VM alone on seeded random walks, in a fresh process, first and warm', () => {
    const r = teardown(['bench', '--only', '^vm', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.dpor).toHaveLength(0);
    expect(j.model).toHaveLength(0);
    expect(j.vm).toMatchObject({ name: 'vm: 1000 random walks of destroy + use + unbind', walks: 1000 });
    // seeded walks of a 3-thread scenario of about a hundred scheduled steps each, then the check task's steps (the
    // scenario's check run alone: about a third as many)
    expect(j.vm.scheduledSteps).toBeGreaterThan(100_000);
    expect(j.vm.steps - j.vm.scheduledSteps).toBeGreaterThan(j.vm.scheduledSteps / 5);
    expect(j.vm.steps - j.vm.scheduledSteps).toBeLessThan(j.vm.scheduledSteps / 2);
    // (the rate from the unrounded time)
    expect(Math.abs(j.vm.warmStepsPerSecond * j.vm.warmMs - j.vm.steps * 1000)).toBeLessThan(j.vm.warmStepsPerSecond);
    // the same walks again: a second process takes exactly the same steps
    expect(JSON.parse(teardown(['bench', '--only', '^vm', '--json']).stdout).vm.steps).toBe(j.vm.steps);
  });

  it('refuses an --only that is no regular expression or matches no benchmark (a usage error, exit 2)', () => {
    const none = teardown(['bench', '--only', 'vdev-lifetime']);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/--only 'vdev-lifetime' matches no benchmark; their names: lastzero\(1\);.* vm; grade/);
    expect(none.stderr).toContain('model: destroy + use + unbind (dpor, dpor+cache, dpor+sync, dpor+split)');
    const bad = teardown(['bench', '--only', '(']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--only '\(' is not a regular expression/);
  });

  it('refuses --unbounded without --only (a usage error, exit 2)', () => {
    const r = teardown(['bench', '--unbounded']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--unbounded explores without a budget: choose the model benchmarks with --only/);
  });
});
