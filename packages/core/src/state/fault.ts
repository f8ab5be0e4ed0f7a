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
