/**
 * The shape of a static C type ({@link CType}) and the scalar types every
 * part of the front end names. A leaf module: the kernel tables
 * (./builtins.ts) use these constants, and ./types.ts re-exports them.
 */

/** A static C type of the kernel-C subset. */
export type CType =
  | { k: 'void' }
  | { k: 'int'; name: string; bits: number; signed: boolean }
  | { k: 'bool' }
  | { k: 'ptr'; to: CType }
  | { k: 'struct'; name: string }
  | { k: 'array'; of: CType; n: number }
  | { k: 'fn'; ret: CType; params: CType[]; variadic: boolean }
  | { k: 'enum'; name: string }
  /** A kernel primitive held by value (its state lives at the field's path). */
  | { k: 'prim'; name: PrimName }
  /** Type unknown to the front end (an opaque or unsupported type). */
  | { k: 'unknown'; name: string };

/** Kernel primitives the object model implements natively. */
export type PrimName =
  | 'mutex'
  | 'spinlock'
  | 'rwlock'
  | 'refcount'
  | 'atomic'
  | 'xarray'
  | 'xa_state'
  | 'wait_queue_head'
  | 'completion'
  | 'rw_semaphore'
  | 'ida';

/** The scalar types the front end names (`VOIDP`: `void *`, `CHARP`: `char *`; `UNKNOWN`: an unknown type). */
export const VOID: CType = { k: 'void' };
export const BOOL: CType = { k: 'bool' };
export const INT: CType = { k: 'int', name: 'int', bits: 32, signed: true };
export const UINT: CType = { k: 'int', name: 'unsigned int', bits: 32, signed: false };
export const LONG: CType = { k: 'int', name: 'long', bits: 64, signed: true };
export const ULONG: CType = { k: 'int', name: 'unsigned long', bits: 64, signed: false };
export const CHAR: CType = { k: 'int', name: 'char', bits: 8, signed: true };
export const UNKNOWN: CType = { k: 'unknown', name: '?' };
export const VOIDP: CType = { k: 'ptr', to: VOID };
export const CHARP: CType = { k: 'ptr', to: CHAR };
