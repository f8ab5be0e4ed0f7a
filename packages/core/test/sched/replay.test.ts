import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import type { Finding } from '../../src/detect/finding.js';
import { exploreScenario, replay } from '../../src/sched/runner.js';
import { decodeSchedule } from '../../src/sched/schedule.js';

useParser();

/** Two threads writing the same `n` globals: a data race per global, all in one execution. */
const manyGlobals = (n: number) =>
  `${Array.from({ length: n }, (_, i) => `int g${i};`).join('\n')}
void thread_a(void) { ${Array.from({ length: n }, (_, i) => `g${i} = 1;`).join(' ')} }
void thread_b(void) { ${Array.from({ length: n }, (_, i) => `g${i} = 2; (void)g${(i + 1) % n};`).join(' ')} }
`;

const dir = new URL('../../../../examples/', import.meta.url);
const sources = [
  ...readdirSync(dir)
    .filter((f) => f.endsWith('.c') && f !== 'syntax-error.c')
    .map((name) => ({ name, text: readFileSync(new URL(name, dir), 'utf8') })),
  { name: 'many-globals.c', text: manyGlobals(40) },
  // a write of b's racing both a's write and a's read: one finding per access, the other pair later
  {
    name: 'write-and-read.c',
    text: 'int x, y;\nvoid thread_a(void) { for (int i = 0; i < 2; i++) { x = 1; y = x; } }\nvoid thread_b(void) { for (int i = 0; i < 2; i++) x = 2; }\n',
  },
];

describe('a replay that looks for one finding (only)', () => {
  it('records that finding exactly as a full replay does, and no other', async () => {
    let checked = 0;
    for (const { name, text } of sources) {
      const c = await compile([{ name, text, role: 'learner' }]);
      const spec = programScenario(c.program!)!;
      const res = exploreScenario(c.program!, spec, { budget: { executions: 50 } });
      // every finding's schedules with its own key; on small programs, with every key found
      const runs = res.findings.map((f) => f.schedules ?? [f.schedule!]);
      if (name === 'write-and-read.c') runs.push(['a2b', 'a4b'].map(decodeSchedule));
      const keys = res.findings.map((f) => f.key);
      runs.forEach((schedules, i) => {
        const all = replay(c.program!, spec, schedules).executions;
        for (const key of keys.length <= 10 ? keys : [keys[i]!]) {
          const one = replay(c.program!, spec, schedules, undefined, undefined, key).executions;
          expect(one.map((r) => r.steps)).toEqual(all.map((r) => r.steps));
          const pick = (rs: typeof all) => rs.flatMap((r) => r.findings).filter((g: Finding) => g.key === key);
          expect(pick(one)).toEqual(pick(all));
          expect(one.flatMap((r) => r.findings).every((g) => g.key === key)).toBe(true);
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(100);
  });
});
