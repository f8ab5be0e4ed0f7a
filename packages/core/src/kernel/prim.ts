/**
 * States of the kernel primitives held by value in memory. Like values they
 * are immutable: an update stores a new object at the primitive's path, so a
 * copied heap can share them.
 *
 * refcount_t and atomic_t need no state object: their counter is a plain
 * number stored at their path (zeroed memory reads as 0, as in the kernel).
 */
import type { Value } from '../vm/values.js';

/** Lock class as lockdep keys and names it (`&igroup->lock`, from the init site). */
export interface LockClass { key: string; name: string }

export interface MutexState {
  readonly p: 'mutex';
  /** Owning thread, or -1. */
  readonly owner: number;
  readonly cls?: LockClass;
}

export interface SpinState {
  readonly p: 'spin';
  readonly owner: number;
  readonly cls?: LockClass;
}

/** An xarray: sorted (index, entry) pairs, its flags and its xa_lock. */
export interface XArrayState {
  readonly p: 'xa';
  readonly entries: readonly (readonly [number, Value])[];
  /** XA_FLAGS_ALLOC (1), XA_FLAGS_ALLOC1 (3 = alloc from 1). */
  readonly flags: number;
  readonly lockOwner: number;
  readonly cls?: LockClass;
}

/** A wait queue head: the sleeping tasks with the state they sleep in. */
export interface WaitQueueState {
  readonly p: 'wq';
  readonly waiters: readonly { readonly tid: number; readonly state: number }[];
}

export interface CompletionState {
  readonly p: 'comp';
  /** `done` count; complete_all() sets UINT_MAX/2 (never consumed). */
  readonly done: number;
}

export interface IdaState {
  readonly p: 'ida';
  readonly used: readonly number[];
}

export type PrimState = MutexState | SpinState | XArrayState | WaitQueueState | CompletionState | IdaState;

export function isPrim(v: unknown): v is PrimState {
  return typeof v === 'object' && v !== null && 'p' in v;
}

export const COMPLETE_ALL = 0x3fffffff;
