import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { replay } from '../../src/sched/runner.js';
import { decodeToken } from '../../src/sched/schedule.js';
import { PlaySession } from '../../src/play/session.js';
import { goalMet } from '../../src/play/goal.js';
import type { Program } from '../../src/lang/ir.js';
import type { ScenarioSpec } from '../../src/vm/machine.js';

useParser();

const example = (name: string) => readFileSync(new URL(`../../../../examples/${name}`, import.meta.url), 'utf8');

async function load(name: string, text: string): Promise<{ program: Program; spec: ScenarioSpec }> {
  const c = await compile([{ name, text, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return { program: c.program, spec: programScenario(c.program)! };
}

const ABBA = example('abba-deadlock.c');

describe('a play session', () => {
  it('steps the chosen thread, records the schedule and its token, and undoes and restarts', async () => {
    const { program, spec } = await load('race.c', example('data-race.c'));
    const p = new PlaySession(program, spec);
    const v0 = p.view();
    expect(v0.schedule).toEqual([]);
    expect(v0.choices.length).toBeGreaterThan(0);
    const t = v0.choices[v0.choices.length - 1]!;
    const v1 = p.step(t);
    expect(v1.schedule).toEqual([t]);
    expect(v1.token).toBe(String.fromCharCode(97 + t));
    p.step(v1.choices[0]!);
    expect(p.undo().schedule).toEqual([t]);
    expect(p.restart().schedule).toEqual([]);
    expect(p.undo().schedule).toEqual([]);
  });

  it('shows a thread blocked on a mutex with its holder, and the deadlock when both wait', async () => {
    const { program, spec } = await load('abba.c', ABBA);
    const p = new PlaySession(program, spec);
    let v = p.step(0); // one takes a
    expect(v.threads.map((t) => t.status)).toEqual(['runnable', 'runnable']);
    expect(v.threads[0]!.label).toBe('mutex_lock(&b)');
    v = p.step(1); // two takes b: each now waits for the other
    expect(v.over).toBe(true);
    expect(v.choices).toEqual([]);
    expect(v.findings.map((f) => f.kind)).toContain('deadlock');
    const [one, two] = v.threads;
    expect(one!.status).toBe('blocked');
    expect(one!.holder).toBe(1);
    expect(one!.why).toMatch(/mutex_lock\(&b\).*held by two/);
    expect(two!.holder).toBe(0);
    expect(() => p.step(0)).toThrow(/cannot run now: the execution is over/);
  });

  it('fires a timed sleep only when nothing else can run, and says what the sleeper waits on', async () => {
    const { program, spec } = await load('timeout-stall.c', example('timeout-stall.c'));
    const p = new PlaySession(program, spec);
    let v = p.view();
    for (let i = 0; i < 500 && !v.over; i++) {
      if (v.timeoutOnly) {
        const s = v.threads[v.choices[0]!]!;
        expect(s.status).toBe('sleeping');
        expect(s.canFire).toBe(true);
        expect(s.why).toMatch(/sleeps in .* until woken, or until its timeout at jiffy \d+/);
      }
      v = p.step(v.choices[0]!);
    }
    expect(v.over).toBe(true);
    expect(v.findings.some((f) => f.kind === 'stall')).toBe(true);
  });

  it('loads a token and refuses one whose step names a thread that cannot run', async () => {
    const { program, spec } = await load('abba.c', ABBA);
    const p = new PlaySession(program, spec);
    expect(p.load(decodeToken('a2').schedules[0]!).token).toBe('a2');
    expect(() => p.load(decodeToken('a2b').schedules[0]!)).toThrow(/step 3 .* thread two, which cannot run/);
    expect(() => p.load(decodeToken('abab').schedules[0]!)).toThrow(/ends after 2 of the schedule's 4 steps/);
    expect(p.schedule).toEqual([0, 0]);
    expect(p.undo().token).toBe('a');
  });
});

/** Findings of a played execution must be the very findings the replay of its token files. */
describe('a finding reached by hand', () => {
  const programs = ['data-race.c', 'put-then-use.c', 'refcount-underflow.c', 'abba-deadlock.c', 'timeout-stall.c'];
  it('is byte-identical to the one the replay of its token reports (random played schedules)', async () => {
    const loaded = await Promise.all(programs.map((n) => load(n, example(n))));
    let compared = 0;
    fc.assert(
      fc.property(fc.nat(programs.length - 1), fc.array(fc.nat(7), { maxLength: 60 }), (pi, picks) => {
        const { program, spec } = loaded[pi]!;
        const p = new PlaySession(program, spec);
        let v = p.view();
        for (const k of picks) {
          if (v.over) break;
          v = p.step(v.choices[k % v.choices.length]!);
        }
        const r = replay(program, spec, [decodeToken(v.token).schedules[0]!]).executions[0]!;
        expect(r.schedule.slice(0, v.schedule.length)).toEqual(v.schedule);
        expect(r.steps.slice(0, v.steps.length)).toEqual(v.steps);
        for (const f of v.findings) {
          const same = r.findings.find((g) => g.key === f.key && g.token === f.token);
          expect(JSON.stringify(same)).toBe(JSON.stringify(f));
          // the finding's own token replays to it too (a lock-order finding's executions are one run here)
          if (f.schedules) continue;
          const again = replay(program, spec, [decodeToken(f.token!).schedules[0]!]).executions[0]!;
          expect(JSON.stringify(again.findings.find((g) => g.key === f.key))).toBe(JSON.stringify(f));
          compared++;
        }
        if (v.over) expect(JSON.stringify(r.findings)).toBe(JSON.stringify(v.findings));
      }),
      { numRuns: 60, seed: 16 },
    );
    expect(compared).toBeGreaterThan(10);
  });

  it('meets a goal by kind and function', async () => {
    const { program, spec } = await load('abba.c', ABBA);
    const p = new PlaySession(program, spec);
    const v = p.load([0, 1]);
    expect(goalMet({ kind: 'deadlock' }, v.findings)).toBeDefined();
    expect(goalMet({ kind: 'deadlock', function: 'thread_one' }, v.findings)).toBeDefined();
    expect(goalMet({ kind: 'deadlock', function: 'no_such_fn' }, v.findings)).toBeUndefined();
    expect(goalMet({ kind: 'use-after-free' }, v.findings)).toBeUndefined();
  });
});
