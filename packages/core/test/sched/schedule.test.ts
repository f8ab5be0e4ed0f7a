import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { countSwitches } from '../../src/sched/explorer.js';
import { exploreScenario, replay } from '../../src/sched/runner.js';
import { TokenBuilder, encodeSchedule, findingToken } from '../../src/sched/schedule.js';

useParser();

describe('tokens of growing schedules', () => {
  it('TokenBuilder gives the token of every prefix', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 }))), (s) => {
        const b = new TokenBuilder();
        expect(b.text()).toBe('');
        s.forEach((t, i) => {
          b.push(t);
          expect(b.text()).toBe(encodeSchedule(s.slice(0, i + 1)));
        });
      }),
    );
  });
});

describe('findings of an execution', () => {
  const dir = new URL('../../../../examples/', import.meta.url);
  const examples = readdirSync(dir).filter((f) => f.endsWith('.c') && f !== 'syntax-error.c');

  it('have the token, switches and preemptions of their schedule, on every example', async () => {
    let checked = 0;
    for (const name of examples) {
      const c = await compile([{ name, text: readFileSync(new URL(name, dir), 'utf8'), role: 'learner' }]);
      const spec = programScenario(c.program!)!;
      exploreScenario(c.program!, spec, {
        budget: { executions: 200 },
        onExecution: (rec) => {
          for (const f of rec.findings) {
            checked++;
            expect(f.token).toBe(findingToken(f));
            expect(f.switches).toBe(countSwitches(f.schedule ?? []).switches);
            // without recorded steps: the execution's preemptions
            expect(f.preemptions).toBe(rec.preemptions);
            if (f.schedules) continue;
            // replayed with per-step records: the preemptions of the finding's prefix
            const [again] = replay(c.program!, spec, [f.schedule!]).executions;
            for (const g of again!.findings) {
              expect(g.token).toBe(findingToken(g));
              const counted = countSwitches(g.schedule ?? [], again!.steps);
              expect(g.switches).toBe(counted.switches);
              expect(g.preemptions).toBe(counted.preemptions);
            }
          }
        },
      });
    }
    expect(checked).toBeGreaterThan(examples.length);
  });
});
