/**
 * What each thread of a played execution is doing, in the learner's terms:
 * runnable, blocked (on which lock, held by whom), sleeping in a timed wait
 * (until which jiffy), spinning, or finished. Read from the Machine's public
 * state and the blocking built-ins' own hooks (`owner`, `timeout` of
 * kernel/api.ts's Builtin: the hung-task detector's wait-for edge and the
 * timer the explorer fires), so the reasons are the ones the detectors use.
 */
import { Op } from '../lang/ir.js';
import type { Value } from '../state/values.js';
import type { StackFrame } from '../state/state.js';
import { BUILTINS } from '../kernel/registry.js';
import type { Machine } from '../vm/machine.js';

/** A thread's state at a point of a played execution. */
export type ThreadStatus = 'runnable' | 'blocked' | 'sleeping' | 'spinning' | 'done' | 'dead';

/** One thread as the play view shows it. */
export interface PlayThread {
  tid: number;
  /** The scenario's name for it (`unbind`, `destroy`). */
  name: string;
  status: ThreadStatus;
  /** Its pending visible operation (`mutex_lock(&igroup->lock)`, `read idev->vdev`); `exited` when done. */
  label: string;
  /** Where that operation is, and the call stack (innermost first). */
  frame: StackFrame;
  stack: StackFrame[];
  /** The pending operation is in a learner file (Program.files role `learner`). */
  inLearnerCode: boolean;
  /** Not runnable: why, in one sentence (`waits for mutex_lock(&igroup->lock), held by destroy`). */
  why?: string;
  /** Blocked on a lock: the task that holds it (the hung-task detector's wait-for edge). */
  holder?: number;
  /** Sleeping in a timed wait: the jiffy its timer fires at. */
  deadline?: number;
  /** Its timer may fire now (nothing else can run): a step on it times the wait out. */
  canFire: boolean;
  /** Visible steps it has run. */
  steps: number;
}

/** The call stack of thread `tid`'s pending step, innermost frame first. */
export function pendingStack(m: Machine, tid: number): StackFrame[] {
  const frames = m.state.threads[tid]?.frames ?? [];
  const out: StackFrame[] = [];
  for (let i = frames.length - 1; i >= 0; i--) out.push(m.frameAt(frames[i]!.fn, frames[i]!.pc));
  return out;
}

/**
 * The blocking hooks of thread `tid`'s pending built-in: the owner of what it
 * waits for and its timer's deadline (both undefined when it is not in a
 * built-in, or the built-in has no such hook).
 */
function blockingHooks(m: Machine, tid: number): { owner?: number; deadline?: number } {
  const t = m.state.threads[tid]!;
  const f = t.frames[t.frames.length - 1];
  if (!f) return {};
  const ins = m.prog.functions[f.fn]!.code[f.pc]!;
  if (ins.op !== Op.Builtin) return {};
  const impl = BUILTINS[ins.name];
  if (!impl) return {};
  const args: Value[] = ins.args.map((r) => f.regs[r]!);
  const owner = impl.owner?.(m, t, args, ins);
  const deadline = impl.timeout?.(m, t, args, ins);
  return {
    ...(owner !== undefined && owner >= 0 ? { owner } : {}),
    ...(deadline !== undefined ? { deadline } : {}),
  };
}

/**
 * Every worker thread of `m` as the play view shows it. `fireable` is the
 * thread whose timer may fire now (Machine.fireableTimeout when nothing is
 * enabled, else -1); `learner` says whether a file is the learner's.
 */
export function playThreads(m: Machine, fireable: number, learner: (file: string) => boolean): PlayThread[] {
  const names = m.spec.threads.map((t) => t.name);
  const out: PlayThread[] = [];
  for (let tid = 0; tid < m.nworkers; tid++) {
    const t = m.state.threads[tid]!;
    const stack = pendingStack(m, tid);
    const frame = stack[0] ?? { fn: '-', file: '-', line: 0, column: 0 };
    const base = {
      tid,
      name: names[tid]!,
      label: t.done ? 'exited' : m.pendingLabel(tid),
      frame,
      stack,
      inLearnerCode: !t.done && learner(frame.file),
      canFire: tid === fireable,
      steps: t.steps,
    };
    if (t.done) {
      out.push({ ...base, status: 'done' });
      continue;
    }
    // a hung-task report stops the stuck threads: they still show what they wait for
    const stuck = m.fatal?.kind === 'deadlock' || m.fatal?.kind === 'livelock';
    if (t.dead && !stuck) {
      out.push({ ...base, status: 'dead', why: 'stopped by the fatal finding' });
      continue;
    }
    if (!t.dead && m.enabled(tid)) {
      out.push({ ...base, status: 'runnable' });
      continue;
    }
    out.push({ ...base, ...whyBlocked(m, tid, base.label, names) });
  }
  return out;
}

/** Status and reason of a thread that is neither finished nor enabled. */
function whyBlocked(
  m: Machine,
  tid: number,
  label: string,
  names: readonly string[],
): Pick<PlayThread, 'status' | 'why' | 'holder' | 'deadline'> {
  if (m.isSpinning(tid)) {
    return { status: 'spinning', why: `spins in a loop until another thread changes what it reads (${label})` };
  }
  const { owner, deadline } = blockingHooks(m, tid);
  if (deadline !== undefined) {
    const left = Math.max(0, deadline - m.jiffies);
    return {
      status: 'sleeping',
      why: `sleeps in ${label} until woken, or until its timeout at jiffy ${deadline} (${left} jiffies from now)`,
      deadline,
    };
  }
  if (owner !== undefined) {
    const who = owner === tid ? 'itself' : (names[owner] ?? (owner === m.nworkers ? 'setup' : `task ${owner}`));
    return { status: 'blocked', why: `waits for ${label}, held by ${who}`, holder: owner };
  }
  return { status: 'blocked', why: `waits in ${label} until another thread wakes it` };
}
