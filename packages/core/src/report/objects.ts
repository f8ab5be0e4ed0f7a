/**
 * The kernel objects of a state, as reports and the trace viewer draw them:
 * every live heap object whose type holds a kernel primitive (a refcount_t
 * or kref, an atomic_t, a lock, an xarray, a wait queue, a completion: the
 * iommufd context and objects, igroups, files, vfio_devices...), with its
 * counters, pointers, locks and their holders, and xarray slots (tombstones
 * shown as XA_ZERO_ENTRY), plus any other objects asked for by id (a freed
 * object a KASAN report names).
 */
import type { Machine, ScenarioSpec, Limits } from '../vm/machine.js';
import { DEFAULT_LIMITS } from '../vm/machine.js';
import type { Program } from '../lang/ir.js';
import { type CType, layoutOf, type StructDef } from '../lang/types.js';
import type { Injection } from '../state/fault.js';
import type { Finding, ObjectSnapshot } from '../detect/finding.js';
import type { StepRecord } from '../sched/explorer.js';
import type { StackFrame } from '../state/state.js';
import { newMachine, replay } from '../sched/runner.js';
import { PRIMITIVE_CTYPES } from '../kernel/registry.js';

function counted(t: CType | undefined, structs: Map<string, StructDef>, seen: Set<string>): boolean {
  if (!t) return false;
  if (t.k === 'prim') return PRIMITIVE_CTYPES.has(t.name);
  if (t.k === 'array') return counted(t.of, structs, seen);
  if (t.k !== 'struct' || seen.has(t.name)) return false;
  seen.add(t.name);
  return layoutOf(t.name, structs)?.fields.some((f) => counted(f.type, structs, seen)) ?? false;
}

/**
 * Snapshots of the kernel objects of `m`'s current state, in allocation
 * order, plus the objects `extra` names (by allocation id). With `freed`,
 * freed objects too (the heap never reuses memory, so they keep their last
 * contents, marked freed).
 */
export function kernelObjects(
  m: Machine,
  extra: readonly number[] = [],
  opts: { freed?: boolean } = {},
): ObjectSnapshot[] {
  const ids: number[] = [];
  const cache = new Map<string, boolean>();
  for (const [id, a] of m.state.heap) {
    if (a.kind !== 'heap' || (a.freeSite && !opts.freed)) continue;
    const t = m.allocType(a);
    if (t?.k !== 'struct') continue;
    let c = cache.get(t.name);
    if (c === undefined) {
      c = counted(t, m.prog.structs, new Set());
      cache.set(t.name, c);
    }
    if (c) ids.push(id);
  }
  for (const id of extra) if (!ids.includes(id)) ids.push(id);
  ids.sort((a, b) => a - b);
  return ids.map((id) => m.snapshot(id)).filter((s): s is ObjectSnapshot => s !== undefined);
}

/** One replayed execution with the kernel objects (live and freed) after every step. */
export interface ObjectTrace {
  steps: StepRecord[];
  /** `states[i]`: the objects after step i. */
  states: ObjectSnapshot[][];
  /** Kernel log lines by step. */
  log: { step: number; task: string; level: string; text: string }[];
  /** Findings of the whole replayed execution (it runs on without preemption after the schedule). */
  findings: Finding[];
  preemptions: number;
  switches: number;
  /** Failures injected under the spec's fault plan, in order. */
  injections: Injection[];
  /**
   * With `{ stacks: true }` only: `stacks[i]`, the call stack (innermost
   * frame first) of step i's thread just before the step, so a viewer can
   * fold the steps a call made (`steps[i].frame` is its first frame).
   */
  stacks?: StackFrame[][];
}

/** What {@link traceObjects} records besides the objects. */
export interface TraceOptions {
  /** Record the call stack of every step (`ObjectTrace.stacks`). */
  stacks?: boolean;
}

/** The call stack of thread `tid`'s pending step, innermost frame first. */
function pendingStack(m: Machine, tid: number): StackFrame[] {
  const frames = m.state.threads[tid]?.frames ?? [];
  const out: StackFrame[] = [];
  for (let i = frames.length - 1; i >= 0; i--) out.push(m.frameAt(frames[i]!.fn, frames[i]!.pc));
  return out;
}

/**
 * Replay `schedule` and record the kernel objects after each of its steps:
 * the data of the trace viewer. `upTo` stops recording after that many
 * steps (default: the schedule's length). A spec with a fixed fault plan
 * (sched/faults.ts withPlan) replays with its failures injected.
 */
export function traceObjects(
  program: Program,
  spec: ScenarioSpec,
  schedule: readonly number[],
  limits: Limits = DEFAULT_LIMITS,
  upTo = schedule.length,
  opts: TraceOptions = {},
): ObjectTrace {
  const states: ObjectSnapshot[][] = [];
  // step i's stack is its thread's pending stack after step i - 1 (for step 0: after setup)
  let stacks: StackFrame[][] | undefined;
  if (opts.stacks && schedule.length) {
    const start = newMachine(program, spec, limits);
    start.begin();
    stacks = [pendingStack(start, schedule[0]!)];
  }
  const r = replay(program, spec, [schedule], limits, (mm, i) => {
    if (i < upTo) states.push(kernelObjects(mm, [], { freed: true }));
    const next = schedule[i + 1];
    if (stacks && next !== undefined && i + 1 < upTo) stacks.push(pendingStack(mm, next));
  });
  const m = r.machine;
  const rec = r.executions[0]!;
  const names = [...spec.threads.map((t) => t.name), 'setup'];
  return {
    steps: rec.steps.slice(0, upTo),
    states,
    log: m.state.log
      .filter((l) => l.step <= upTo)
      .map((l) => ({ step: l.step, task: names[l.tid] ?? '?', level: l.level, text: l.text })),
    findings: rec.findings,
    preemptions: rec.preemptions,
    switches: rec.switches,
    injections: rec.injections.filter((i) => i.step <= upTo),
    ...(stacks ? { stacks: stacks.slice(0, Math.min(upTo, rec.steps.length)) } : {}),
  };
}
