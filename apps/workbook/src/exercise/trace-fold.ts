/**
 * Folding a trace for the viewer (no DOM): the steps a call into the model
 * made run after run are one row ("iommufd_vdevice_alloc_ioctl, called
 * from thread_user line 19: 14 steps"), expanded on demand; steps in the
 * learner's code and the scenario's stay rows of their own, and so does the
 * step where the finding fires.
 *
 * A step is the model's when its innermost frame is in a model file. Its
 * fold is the outermost model call below the nearest learner or scenario
 * frame of its stack (what the learner's code or the scenario called);
 * consecutive steps of one thread in the same call fold together. Without
 * stacks (an older worker), consecutive model steps of one thread fold.
 */
import type { StackFrame } from '@teardown/core';

/** What a step's viewer needs: its thread and innermost frame. */
export interface FoldStep {
  tid: number;
  frame: StackFrame;
}

/** Whose code a step is in. */
export type Owner = 'mine' | 'scenario' | 'model';

/** A row of the folded trace: one step, or a run of model steps made by one call. */
export type Unit =
  | { kind: 'step'; first: number; last: number }
  | { kind: 'fold'; first: number; last: number; tid: number; call: string; caller?: StackFrame };

/** Model files: the model's kernel code (`model/...`) and its kernel header (`linux/kernel.h`), as core names them. */
export const isModelFile = (file: string): boolean => /^(model|linux)\//.test(file);

/** Whose code the frame is in. */
export function owner(frame: StackFrame, learner: string): Owner {
  if (frame.file === learner) return 'mine';
  return isModelFile(frame.file) ? 'model' : 'scenario';
}

/** The call a model step belongs to: the model frame just inside the nearest learner or scenario frame. */
export function foldCall(stack: readonly StackFrame[], learner: string): { call: string; caller?: StackFrame } {
  for (let j = 1; j < stack.length; j++) {
    if (owner(stack[j]!, learner) !== 'model') return { call: stack[j - 1]!.fn, caller: stack[j] };
  }
  return { call: stack[stack.length - 1]?.fn ?? '?' };
}

/** Does the step's stack (or, without one, its frame) pass through the learner's file? */
export function inMyCode(step: FoldStep, stack: readonly StackFrame[] | undefined, learner: string): boolean {
  return (stack ?? [step.frame]).some((f) => f.file === learner);
}

/**
 * The rows of a trace: runs of at least `min` model steps of one thread in
 * one call are folds; every other step, and always the last one (the
 * finding's), is a row of its own.
 */
export function foldSteps(
  steps: readonly FoldStep[],
  stacks: readonly (readonly StackFrame[])[] | undefined,
  learner: string,
  min = 2,
): Unit[] {
  const units: Unit[] = [];
  const keyOf = (i: number): string | null => {
    const s = steps[i]!;
    if (i === steps.length - 1 || owner(s.frame, learner) !== 'model') return null;
    const st = stacks?.[i];
    if (!st) return `${s.tid}`;
    const { call, caller } = foldCall(st, learner);
    return `${s.tid}|${call}|${caller ? `${caller.fn}:${caller.line}` : ''}`;
  };
  let i = 0;
  while (i < steps.length) {
    const key = keyOf(i);
    let j = i;
    if (key !== null) while (j + 1 < steps.length && keyOf(j + 1) === key) j++;
    if (key !== null && j - i + 1 >= min) {
      const st = stacks?.[i];
      const { call, caller } = st ? foldCall(st, learner) : { call: steps[i]!.frame.fn, caller: undefined };
      units.push({ kind: 'fold', first: i, last: j, tid: steps[i]!.tid, call, caller });
    } else for (let k = i; k <= j; k++) units.push({ kind: 'step', first: k, last: k });
    i = j + 1;
  }
  return units;
}
