/**
 * The state of a kernel primitive held by value in memory (a mutex, an
 * xarray, a wait queue head...), stored at the primitive's byte offset in its
 * allocation. Like values, primitive states are immutable: an update stores a
 * new object, so a copied heap can share them. Each primitive's own state
 * type lives in its file under ../kernel/ and extends this one; `p` names it.
 *
 * refcount_t and atomic_t need no state object: their counter is a plain
 * number at their offset (zeroed memory reads as 0, as in the kernel).
 */
export interface PrimState {
  /** Which primitive: `mutex`, `spin`, `xa`, `wq`, `comp`, `ida`. */
  readonly p: string;
}

/** Is a memory cell a primitive's state (as opposed to a {@link Value})? */
export function isPrim(v: unknown): v is PrimState {
  return typeof v === 'object' && v !== null && 'p' in v;
}

/** Lock class as lockdep keys and names it (`&igroup->lock`, from the init site). */
export interface LockClass {
  key: string;
  name: string;
}
