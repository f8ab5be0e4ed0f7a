/**
 * The interface between the VM and the kernel primitives: each built-in is a
 * {@link BuiltinImpl}. Pure built-ins run inside a thread's local burst; step
 * built-ins are visible steps the scheduler interleaves, with the dependency
 * information (locations read and written) DPOR needs and, for blocking ones,
 * an enabledness test.
 */
import type { Instr, Op } from '../lang/ir.js';
import type { Thread } from '../vm/state.js';
import type { Value } from '../vm/values.js';
import type { Machine } from '../vm/machine.js';

export type BuiltinInstr = Extract<Instr, { op: Op.Builtin }>;

/** Dependency info of a pending visible step, as the scheduler sees it. */
export interface Deps {
  /** Memory/object keys read and written. */
  reads: string[];
  writes: string[];
  /** Lock acquisition: the lock's key (DPOR races it with the previous acquisition only). */
  acq?: string;
  /** A trylock that will succeed: also races like a plain write on the lock (it could have failed). */
  acqTry?: boolean;
  /** A blocking return (wake-up, await, completion): never the later event of a race. */
  noRace?: boolean;
  /** Dependent with every event (a timeout that fires because nothing else can run). */
  global?: boolean;
}

export interface BuiltinImpl {
  kind: 'pure' | 'step';
  deps?(m: Machine, t: Thread, args: Value[], ins: BuiltinInstr): Deps;
  enabled?(m: Machine, t: Thread, args: Value[], ins: BuiltinInstr): boolean;
  exec(m: Machine, t: Thread, args: Value[], ins: BuiltinInstr): Value;
}

export type BuiltinTable = Record<string, BuiltinImpl>;

/** Thrown by primitives for a fatal condition already reported as a finding. */
export class Fault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Fault';
  }
}
