/**
 * Refactoring guard: the model benchmarks' counts (`npm run bench`, README
 * "Performance") are exact and the same on every machine, so a change to
 * the engine that is not meant to change what it explores must leave them
 * as they are. Each exploration here runs as the bench's child runs it
 * (bench/model.ts runModelBenchmark), without timing.
 *
 * A change meant to alter them updates these figures, the README's and the
 * performance log's, and says why. (The eighteenth session met one that was
 * not meant to: interning a step's read keys before its written ones
 * renumbered the locations, and the 4-thread scenario's stateful run then
 * explored 68,456 executions instead of 68,458: docs/scheduler.md, "Bounded
 * memory".)
 */
import { exploreScenario } from '@teardown/core';
import { initNodeParser } from '@teardown/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BENCHMARKS, compileModelBenchmark } from '../src/bench/model.js';

beforeAll(() => initNodeParser());

/** Explore model benchmark `name` to the end, stateless (traces counted) or stateful, as the bench does. */
async function explore(name: string, stateCache: boolean) {
  const b = MODEL_BENCHMARKS.find((x) => x.name === name)!;
  const { program, spec, limits } = await compileModelBenchmark(b);
  const r = exploreScenario(program, spec, {
    strategy: 'dpor',
    limits,
    budget: {},
    stateCache,
    countTraces: !stateCache,
  });
  expect(r.stats.complete).toBe(true);
  return {
    traces: r.stats.traces,
    executions: r.stats.executions,
    steps: r.stats.steps,
    ...(stateCache ? { states: r.stats.distinctStates } : {}),
  };
}

describe('the model benchmarks explore what the bench reports', () => {
  it('destroy + use + unbind (3 threads), stateless and stateful', async () => {
    expect(await explore('model: destroy + use + unbind', false)).toEqual({
      traces: 1789,
      executions: 1789,
      steps: 121_543,
    });
    expect(await explore('model: destroy + use + unbind', true)).toMatchObject({
      executions: 923,
      steps: 16_843,
      states: 6180,
    });
  });

  it('exit + close + destroy (3 threads), stateless and stateful', async () => {
    expect(await explore('model: exit + close + destroy', false)).toEqual({
      traces: 136,
      executions: 136,
      steps: 13_389,
    });
    expect(await explore('model: exit + close + destroy', true)).toMatchObject({
      executions: 289,
      steps: 13_186,
      states: 5972,
    });
  });

  it('destroy + use + alloc + unbind (4 threads), stateful to the end', async () => {
    expect(await explore('model: destroy + use + alloc + unbind', true)).toMatchObject({
      executions: 68_458,
      steps: 849_430,
      states: 241_302,
    });
  });
});
