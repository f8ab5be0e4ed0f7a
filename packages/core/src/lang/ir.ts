/**
 * The intermediate representation: per function, a flat array of register
 * instructions with an explicit pc. Registers are thread-private (C locals and
 * temporaries); memory is reached only through LOAD/STORE and the built-ins, so
 * the VM knows exactly which instructions are visible to other threads.
 */
import type { CType, StructDef } from './types.js';

/** Opcodes. Kept numeric for a fast `switch` in the interpreter. */
export const enum Op {
  Const = 1,
  Mov,
  Bin,
  Un,
  Cast,
  Jmp,
  Jz,
  Jnz,
  /** dst = base + off bytes (&base->field; no memory access). */
  Addr,
  /** dst = &base[idx] (array element of the lvalue `base`, bounds-checked). */
  Index,
  /** dst = ptr ± n elements. */
  PtrAdd,
  /** dst = *(base + off). Visible when the memory is shared. */
  Load,
  /** *(base + off) = src. Visible when the memory is shared. */
  Store,
  /** dst = address of global `g`. */
  GAddr,
  /** dst = address of this frame's addressable locals block. */
  SAddr,
  Call,
  CallInd,
  Builtin,
  Ret,
  /** A loop back-edge: the VM's spin-loop detector runs here. */
  BackEdge,
  /** Marks a source statement boundary (for stepping); no effect. */
  Nop,
}

/** Source location of an instruction. `file` indexes {@link Program.files}. */
export interface Loc {
  file: number;
  line: number;
  column: number;
}

interface Base extends Loc {
  op: Op;
}

/** Binary operators of `Op.Bin`. */
export type BinOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^' | '==' | '!=' | '<' | '>' | '<=' | '>=';
/** Unary operators of `Op.Un`. */
export type UnOp = '-' | '~' | '!' | '+';

/** Integer conversion applied after arithmetic or a cast: bits 0 means none. */
export interface IntConv {
  bits: number;
  signed: boolean;
  /** Convert to 0/1 (bool). */
  bool?: boolean;
}

/** One IR instruction, with its source position. */
export type Instr =
  | (Base & { op: Op.Const; dst: number; value: ConstValue })
  | (Base & { op: Op.Mov; dst: number; src: number })
  | (Base & {
      op: Op.Bin;
      dst: number;
      bop: BinOp;
      a: number;
      b: number;
      conv?: IntConv;
      unsigned?: boolean;
      elem?: number;
    })
  | (Base & { op: Op.Un; dst: number; uop: UnOp; a: number; conv?: IntConv })
  | (Base & { op: Op.Cast; dst: number; src: number; conv?: IntConv; tag?: string })
  | (Base & { op: Op.Jmp; target: number })
  | (Base & { op: Op.Jz; src: number; target: number })
  | (Base & { op: Op.Jnz; src: number; target: number })
  | (Base & { op: Op.Addr; dst: number; base: number; off: number })
  | (Base & { op: Op.Index; dst: number; base: number; idx: number; n: number; elem: number })
  | (Base & { op: Op.PtrAdd; dst: number; base: number; n: number; neg: boolean; elem: number })
  | (Base & {
      op: Op.Load;
      dst: number;
      base: number;
      off: number;
      size: number;
      marked: boolean;
      what: string;
      acquire?: boolean;
      unchecked?: boolean;
    })
  | (Base & {
      op: Op.Store;
      base: number;
      off: number;
      size: number;
      src: number;
      marked: boolean;
      what: string;
      conv?: IntConv;
      release?: boolean;
      unchecked?: boolean;
    })
  | (Base & { op: Op.GAddr; dst: number; g: number })
  | (Base & { op: Op.SAddr; dst: number })
  | (Base & { op: Op.Call; dst: number; fn: number; args: number[] })
  | (Base & { op: Op.CallInd; dst: number; fnReg: number; args: number[]; what: string })
  | (Base & { op: Op.Builtin; dst: number; name: string; args: number[]; extra?: BuiltinExtra; dst2?: number })
  | (Base & { op: Op.Ret; src: number })
  | (Base & { op: Op.BackEdge; loop: number })
  | (Base & { op: Op.Nop });

/** Static operands of a built-in call, fixed at lowering time. */
export interface BuiltinExtra {
  /** Source text of each argument (for lockdep class names, messages). */
  argText?: string[];
  /** A type named by the call (`sizeof(struct x)` in a kmalloc, a cast target). */
  typeName?: string;
  size?: number;
  /** Task state for sleeps: 'uninterruptible' or 'interruptible'. */
  taskState?: 'uninterruptible' | 'interruptible';
  /** Whether a wait has a timeout. */
  timed?: boolean;
  /** The whole macro text for messages (e.g. the WARN_ON condition). */
  text?: string;
  /** Nominal size of an allocation in bytes. */
  bytes?: number;
  /** container_of: the member's byte offset in the container. */
  offset?: number;
  /** Lock type named by guard()/scoped_guard(). */
  lockType?: string;
  /**
   * A refcount_read() whose value is only compared with 0 (`== 0`, `!= 0`,
   * `!`): it returns whether the count is not 0 (1 or 0), which the
   * comparison turns into the same result, and is a zero test
   * (kernel/counts.ts).
   */
  zeroTest?: boolean;
}

/** A compile-time constant: a number, NULL (0), a string literal, a function or XA_ZERO_ENTRY. */
export type ConstValue =
  | number
  | { t: 'str'; s: string }
  | { t: 'fn'; fn: number }
  | { t: 'zero' }
  /** Address of a global (an address constant in an initialiser). */
  | { t: 'gaddr'; g: number; off: number };

/** A lowered function: its signature, registers, frame and code. */
export interface FunctionIR {
  name: string;
  file: number;
  line: number;
  params: { name: string; type: CType }[];
  ret: CType;
  /** Number of registers (params first, then locals and temporaries). */
  nregs: number;
  /** Register names for the debugger (index -> C name), temporaries omitted. */
  regNames: (string | null)[];
  /** Addressable locals (address taken, structs, arrays) live in a per-frame stack block. */
  stackLocals: { name: string; type: CType; off: number }[];
  /** Size of that block in bytes. */
  stackSize: number;
  code: Instr[];
}

/** A global variable: its type, constant initialiser, primitives and size. */
export interface GlobalIR {
  name: string;
  type: CType;
  file: number;
  line: number;
  /** Constant (`const`) globals are never written after setup: their reads are invisible. */
  isConst: boolean;
  /** Initial values by byte offset. */
  init: [number, ConstValue][];
  /**
   * Static initialisers of primitives (DEFINE_MUTEX, DECLARE_WAIT_QUEUE_HEAD, ...): the byte offset, the
   * lockdep class name, and the flags the state starts with (an xarray's XA_FLAGS_ALLOC*; else 0).
   */
  prims: { off: number; name: string; flags: number }[];
  /** Size in bytes. */
  bytes: number;
}

/** One source file of a program. `role` decides how findings are attributed. */
export interface SourceFile {
  name: string;
  text: string;
  role: 'learner' | 'prelude' | 'harness';
  /**
   * A translation unit of its own. The functions and variables that files
   * of one unit define are private to that unit (as if `static`), so
   * several scenarios can each define `setup`, `thread_*` and `check` in
   * one program. Declarations without a body refer to the shared
   * namespace when it has the name. In {@link Program.fnIndex} and
   * {@link Program.globalIndex} private names are keys made by
   * {@link unitKey}.
   */
  unit?: string;
  /**
   * Prelude files only: functions this file defines that an exercise gives to
   * the learner. Their bodies here are dropped and the definitions kept as
   * declarations, so the learner's file must define them (a link error
   * names them otherwise). How an exercise draws its boundary inside a
   * model file (grader's gradingFiles: the manifest's `functions` that the
   * model defines); docs/grading.md, "The learner's functions".
   */
  learnerWrites?: readonly string[];
}

/** The index key of `name` defined privately in translation unit `unit`. */
export function unitKey(unit: string, name: string): string {
  return `${unit}::${name}`;
}

/** A linked program: what the VM runs. */
export interface Program {
  files: SourceFile[];
  functions: FunctionIR[];
  fnIndex: Map<string, number>;
  globals: GlobalIR[];
  globalIndex: Map<string, number>;
  structs: Map<string, StructDef>;
  /** Number of loops (for BackEdge ids). */
  loops: number;
}
