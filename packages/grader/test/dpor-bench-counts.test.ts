/**
 * The classic DPOR benchmarks' counts (`npm run bench`'s first table, README
 * "Performance"): executions, Mazurkiewicz traces and states (the nodes of
 * the exploration tree) of each program of the DPOR literature, explored as the bench explores them
 * (commands/bench.ts runDporBenchmarks), and the traces equal to the
 * published count wherever one is published. Like model-bench-counts.test.ts,
 * a guard for changes to the engine that are not meant to change what it
 * explores; a change meant to alter them updates these figures and the
 * README's, and says why.
 */
import { initNodeParser } from '@teardown/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCHMARKS } from '../src/bench/programs.js';
import { runDporBenchmarks } from '../src/commands/bench.js';

/** name: [executions, traces, states (exploration-tree nodes)], as the README's table has them. */
const COUNTS: Record<string, [number, number, number]> = {
  'lastzero(1)': [2, 2, 7],
  'lastzero(2)': [5, 5, 25],
  'lastzero(3)': [12, 12, 74],
  'lastzero(4)': [28, 28, 199],
  'readers(2)': [4, 4, 11],
  'readers(3)': [8, 8, 27],
  'readers(4)': [16, 16, 63],
  'readers(5)': [32, 32, 143],
  'readers(6)': [64, 64, 319],
  // a deadlock is fatal: the others' pending events race as if run at the end, and a reversal may repeat a trace
  'philosophers(3)': [8, 7, 62],
  'philosophers(4)': [17, 15, 164],
  'philosophers(5)': [34, 31, 379],
  'indexer(12)': [8, 8, 886],
  'indexer(13)': [64, 64, 5103],
  // the spin-wait's end against the write that enabled it: one blocked execution
  bluetooth: [11, 10, 125],
};

beforeAll(() => initNodeParser());

describe('the classic DPOR benchmarks explore what the bench reports', () => {
  it('every benchmark of the table is pinned here', () => {
    expect(BENCHMARKS.map((b) => b.name).sort()).toEqual(Object.keys(COUNTS).sort());
  });

  it.each(BENCHMARKS.map((b) => [b.name, b.published] as const))('%s', async (name, published) => {
    const only = new RegExp(`^${name.replace(/[()]/g, '\\$&')}$`);
    const [row] = await runDporBenchmarks(only);
    expect(row).toBeDefined();
    expect([row!.executions, row!.traces, row!.states]).toEqual(COUNTS[name]);
    if (published !== null) expect(row!.traces).toBe(published);
  });
});
