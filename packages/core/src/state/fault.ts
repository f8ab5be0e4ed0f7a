/**
 * Thrown by the VM, a primitive or a detector to end an execution at a fatal
 * condition (an oops, a KASAN report, a recursive lock) that has already been
 * reported as a finding. The explorer catches it at the step boundary.
 */
export class Fault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Fault';
  }
}

/**
 * One entry of a fault plan: thread `tid`'s `nth` call (1-based) at an armed
 * fault site fails. Counting per task, as the kernel's fail_nth
 * (`/proc/<pid>/task/<tid>/fail-nth`, Documentation/fault-injection) does:
 * whatever the interleaving, a thread's own calls come in one order.
 */
export interface InjectedFault {
  tid: number;
  nth: number;
}

/** A failure that was injected in an execution: where and when. */
export interface Injection extends InjectedFault {
  /** The fault site (`kmalloc`, `copy_to_user`, `vdevice_init`, ...). */
  site: string;
  /**
   * Visible steps of the execution completed when the call failed: the
   * failure sits between trace rows `step - 1` and `step`.
   */
  step: number;
  /** Call stack of the failing call, innermost first. */
  stack: import('./state.js').StackFrame[];
}
