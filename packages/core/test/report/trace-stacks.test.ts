/**
 * traceObjects with `{ stacks: true }`: every step comes with the call stack
 * of its thread just before it, innermost frame first, whose innermost frame
 * is the step's own frame; without the option nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { useParser } from '../helpers.js';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { traceObjects } from '../../src/report/objects.js';
import { decodeSchedule } from '../../src/sched/schedule.js';

useParser();

const SRC = `
int x;
static void inner(void) { x = 1; x = 2; }
static void outer(void) { inner(); x = 3; }
void thread_a(void) { outer(); x = 4; }
void thread_b(void) { x = 5; inner(); }
`;

describe('trace stacks', () => {
  it("give each step its thread's call stack, innermost first, ending in the thread function", async () => {
    const c = await compile([{ name: 'p.c', text: SRC, role: 'learner' }]);
    const spec = programScenario(c.program!)!;
    const schedule = decodeSchedule('a1b1a1b2a2');
    const t = traceObjects(c.program!, spec, schedule, undefined, schedule.length, { stacks: true });
    expect(t.stacks).toHaveLength(t.steps.length);
    t.steps.forEach((s, i) => {
      const stack = t.stacks![i]!;
      expect(stack[0]).toEqual(s.frame);
      expect(stack[stack.length - 1]!.fn).toBe(s.tid === 0 ? 'thread_a' : 'thread_b');
    });
    // thread a's first step is x = 1 in inner, called from outer, called from thread_a
    expect(t.stacks![0]!.map((f) => f.fn)).toEqual(['inner', 'outer', 'thread_a']);
    expect(traceObjects(c.program!, spec, schedule).stacks).toBeUndefined();
  });
});
