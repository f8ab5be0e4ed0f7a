/**
 * Findings: what the kernel's own tools would print, with the accesses and
 * call stacks involved and (filled in by the explorer) the schedule that
 * reaches them.
 */
import type { Site, StackFrame } from '../vm/state.js';

/** Finding kinds. See docs/findings.md for the kernel analogue of each. */
export type FindingKind =
  | 'use-after-free' | 'double-free' | 'invalid-free' | 'null-deref' | 'bad-pointer'
  | 'deadlock' | 'lock-order' | 'lock-misuse' | 'stall' | 'refcount' | 'warn' | 'data-race'
  | 'leak' | 'assert' | 'livelock' | 'oops' | 'contract' | 'invariant';

export const FINDING_KINDS: readonly FindingKind[] = [
  'use-after-free', 'double-free', 'invalid-free', 'null-deref', 'bad-pointer', 'deadlock', 'lock-order',
  'lock-misuse', 'stall', 'refcount', 'warn', 'data-race', 'leak', 'assert', 'livelock', 'oops', 'contract', 'invariant',
];

/** One access (or event) involved in a finding, with its call stack. */
export interface FindingAccess {
  /** What happened, e.g. `read of idev->vdev`, `kfree`, `mutex_lock(&igroup->lock)`. */
  what: string;
  task: string;
  tid: number;
  /** Visible step number in the execution (0-based), or -1 when unknown. */
  step: number;
  stack: StackFrame[];
}

/** An object involved in a finding, as it was at the finding's step. */
export interface ObjectSnapshot {
  name: string;
  type?: string;
  state: 'live' | 'freed';
  /** Refcounts and other interesting fields (users, wait_cnt, ...). */
  fields: Record<string, string>;
}

export interface Finding {
  kind: FindingKind;
  /** Kernel-style first line, e.g. `BUG: KASAN: slab-use-after-free in iommufd_vdevice_destroy`. */
  title: string;
  /** Further report lines (the splat body). */
  details: string[];
  accesses: FindingAccess[];
  /** KASAN: where the object was allocated and freed. */
  alloc?: FindingAccess;
  free?: FindingAccess;
  objects: ObjectSnapshot[];
  /** Execution stops at a fatal finding (an oops). */
  fatal: boolean;
  /** Deduplication key: kind plus the source sites involved. */
  key: string;
  /** Who is charged: learner code, or the model's kernel code (reported apart). */
  origin: 'learner' | 'model';
  /** Filled by the explorer: the schedule (thread ids, one per visible step) reaching it. */
  schedule?: number[];
  /**
   * lock-order only: the executions whose dependencies form the cycle (the
   * closing one last). Replaying them in order rebuilds lockdep's graph.
   */
  schedules?: number[][];
  /** Replay token of `schedule` (for lock-order: of `schedules`, comma-separated). */
  token?: string;
  /** Preemptions and context switches in `schedule`. */
  preemptions?: number;
  switches?: number;
}

export function siteToAccess(what: string, s: Site): FindingAccess {
  return { what, task: s.task, tid: s.tid, step: s.step, stack: s.stack };
}

/** `fn (file:line)` of the innermost frame. */
export function where(stack: StackFrame[]): string {
  const f = stack[0];
  return f ? `${f.fn} (${f.file}:${f.line})` : '?';
}

/** A key naming the code sites of a stack's innermost frame. */
export function siteKey(stack: StackFrame[]): string {
  const f = stack[0];
  return f ? `${f.file}:${f.line}:${f.column}` : '?';
}
