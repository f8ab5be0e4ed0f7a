/**
 * What the program declares at an address, for the primitives that must
 * tell before any call has given the memory a state (kernel/spinlock.ts:
 * whether a spinlock call's lock is an xarray's xa_lock).
 */
import type { Program } from '../lang/ir.js';
import type { PrimName } from '../lang/ctype.js';
import { type CType, primAt, sizeOf } from '../lang/types.js';
import type { Alloc } from '../state/state.js';

/** The name of a call's block of addressable locals (reports show it; {@link declaresPrim} finds its function by it). */
export function stackBlockName(fn: string): string {
  return `${fn} locals`;
}

/**
 * Does the program declare a `prim` at offset `off` of allocation `a`, whose
 * type is `type` (VmServices.allocType)? A stack block's locals say (those of
 * the function whose block it is), or the allocation's type: a global's, or a
 * heap object's, an allocation of several times its type's size being an
 * array of it (kcalloc). False where no type is known.
 */
export function declaresPrim(prog: Program, a: Alloc, type: CType | undefined, off: number, prim: PrimName): boolean {
  const structs = prog.structs;
  if (a.kind === 'stack') {
    const fn = prog.functions.find((f) => a.name === stackBlockName(f.name));
    return (
      fn?.stackLocals.some(
        (l) => off >= l.off && off < l.off + sizeOf(l.type, structs) && primAt(l.type, off - l.off, prim, structs),
      ) === true
    );
  }
  if (!type) return false;
  const size = sizeOf(type, structs);
  return primAt(type, size > 0 && off >= size ? off % size : off, prim, structs);
}
