/**
 * Puts of a file_ref_t that leave a reference commute (kernel/fileref.ts):
 * DPOR takes them as independent additions, and wakes a thread whose put
 * slept since before another put left one reference (sched/events.ts
 * `wakes`). Checked against plain DFS, which explores every interleaving.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PROPERTY_SEED, useParser } from '../helpers.js';
import { fileRefProgramArb } from './genprog.js';
import { outcomes } from './outcomes.js';

useParser();

describe('file_ref_t puts that commute', () => {
  it('DPOR, stateless and stateful, and source-DPOR reach what plain DFS reaches', { timeout: 900_000 }, async () => {
    let fewer = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fileRefProgramArb, async (src) => {
        const dfs = await outcomes(src, 'dfs', 6_000);
        fc.pre(dfs.complete);
        runs++;
        const dpor = await outcomes(src, 'dpor');
        expect(dpor.complete).toBe(true);
        expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...dpor.keys].sort()).toEqual([...dfs.keys].sort());
        expect([...dpor.completeTraces].sort()).toEqual([...dfs.completeTraces].sort());
        // one execution per trace: a wakeup sequence's puts get the kinds they will run with (sched/counter-kinds.ts)
        if (!dpor.fatal) expect(dpor.executions).toBe(dpor.traces);
        if (dpor.executions < dfs.executions) fewer++;
        const stateful = await outcomes(src, 'dpor', 200_000, true);
        expect([...stateful.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...stateful.keys].sort()).toEqual([...dfs.keys].sort());
        const sdpor = await outcomes(src, 'source-dpor');
        expect([...sdpor.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...sdpor.keys].sort()).toEqual([...dfs.keys].sort());
        expect([...sdpor.completeTraces].sort()).toEqual([...dfs.completeTraces].sort());
      }),
      { numRuns: 80, maxSkipsPerRun: 10, seed: PROPERTY_SEED },
    );
    // not vacuous: DPOR runs fewer executions than DFS in most programs
    expect(runs).toBeGreaterThan(40);
    expect(fewer).toBeGreaterThan(runs / 2);
  });
});
