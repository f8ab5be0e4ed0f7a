/**
 * Folding a trace (src/exercise/trace-fold.ts): runs of model steps made by
 * one call of one thread become one row; the learner's and the scenario's
 * steps, and the finding's last step, stay rows of their own.
 */
import { describe, expect, it } from 'vitest';
import type { StackFrame } from '@teardown/core';
import { foldCall, foldSteps, inMyCode, owner } from '../../src/exercise/trace-fold';

const L = 'submission.c';
const fr = (fn: string, file: string, line = 1): StackFrame => ({ fn, file, line, column: 1 });
const scen = fr('thread_a', 'scenarios/s.c', 10);
const mine = fr('my_destroy', L, 5);
const ioctl = fr('iommufd_destroy', 'model/main.c', 30);
const put = fr('iommufd_put_object', 'model/iommufd_private.h', 249);

describe('foldSteps', () => {
  it("folds a model call's steps into one row, keeps the scenario's and the learner's, and the last step", () => {
    const stacks = [
      [scen],
      [ioctl, scen],
      [put, ioctl, scen],
      [ioctl, scen],
      [mine, ioctl, scen],
      [put, mine, ioctl, scen],
      [put, mine, ioctl, scen],
      [ioctl, scen],
    ];
    const steps = stacks.map((s) => ({ tid: 0, frame: s[0]! }));
    const units = foldSteps(steps, stacks, L);
    expect(units).toEqual([
      { kind: 'step', first: 0, last: 0 },
      { kind: 'fold', first: 1, last: 3, tid: 0, call: 'iommufd_destroy', caller: scen },
      { kind: 'step', first: 4, last: 4 },
      { kind: 'fold', first: 5, last: 6, tid: 0, call: 'iommufd_put_object', caller: mine },
      { kind: 'step', first: 7, last: 7 },
    ]);
    expect(inMyCode(steps[5]!, stacks[5], L)).toBe(true);
    expect(inMyCode(steps[1]!, stacks[1], L)).toBe(false);
  });

  it("breaks a fold where another thread's step comes between", () => {
    const a = [ioctl, scen];
    const b = [fr('thread_b', 'scenarios/s.c', 20)];
    const stacks = [a, a, b, a, a, b];
    const steps = stacks.map((s, i) => ({ tid: i === 2 || i === 5 ? 1 : 0, frame: s[0]! }));
    expect(foldSteps(steps, stacks, L).map((u) => [u.kind, u.first, u.last])).toEqual([
      ['fold', 0, 1],
      ['step', 2, 2],
      ['fold', 3, 4],
      ['step', 5, 5],
    ]);
  });

  it('without stacks, folds consecutive model steps of one thread', () => {
    const steps = [scen, ioctl, put, ioctl, scen].map((f) => ({ tid: 0, frame: f }));
    expect(foldSteps(steps, undefined, L).map((u) => [u.kind, u.first, u.last])).toEqual([
      ['step', 0, 0],
      ['fold', 1, 3],
      ['step', 4, 4],
    ]);
  });
});

describe('owners and calls', () => {
  it('tells the learner, the scenario and the model apart', () => {
    expect(owner(mine, L)).toBe('mine');
    expect(owner(scen, L)).toBe('scenario');
    expect(owner(fr('setup_bound_device', 'harness.h'), L)).toBe('scenario');
    expect(owner(put, L)).toBe('model');
    expect(owner(fr('kref_put', 'linux/kernel.h'), L)).toBe('model');
    expect(foldCall([put, ioctl, scen], L)).toEqual({ call: 'iommufd_destroy', caller: scen });
  });
});
