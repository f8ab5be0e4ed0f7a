/**
 * What a detector may ask of the VM: names for objects and values as reports
 * print them, the call stack of a task, where to file a finding
 * ({@link ReportCtx}, which primitives get too), and the state it observes
 * ({@link DetectCtx}). `vm/machine.ts` implements both.
 */
import type { Site, Thread, VmState } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { ChargeCtx, Finding, ObjectSnapshot } from './finding.js';

export interface ReportCtx extends ChargeCtx {
  /** The current call stack of `t` (recorded lazily). */
  site(t: Thread): Site;
  /** `iommufd_device#A1` (allocated by task A), or a global's name. */
  allocName(id: number): string;
  /** `name.member` for an allocation and a byte offset. */
  where(id: number, off: number, outer?: boolean): string;
  /** A value as reports show it (`&iommufd_device#A1.obj.users`, `NULL`, `-ENOENT`). */
  show(v: Value): string;
  /** An object's counters, pointers and locks by member name, or undefined when it is gone. */
  snapshot(id: number): ObjectSnapshot | undefined;
  /** File a finding; a fatal one ends the execution (the caller then throws Fault). */
  report(f: Finding): void;
  /**
   * Whether a finding with this key would be recorded (false for the others
   * in a run that looks for one finding: vm/services.ts SharedDetectors), so
   * that a detector need not build a non-fatal one. Absent: all are.
   */
  records?(key: string): boolean;
}

/** A detector's view: {@link ReportCtx} plus the whole state, read only. */
export interface DetectCtx extends ReportCtx {
  /** The current execution's state. Detectors read it; only the VM and primitives write it. */
  readonly state: VmState;
  /** Number of scenario threads; the setup/check task is thread `nworkers`. */
  readonly nworkers: number;
  /** `mutex_lock(&igroup->lock)`, `read idev->vdev`: what task `tid` is about to do. */
  pendingLabel(tid: number): string;
}
