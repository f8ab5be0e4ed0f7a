/**
 * The one place the front end asks what the kernel provides: which names are
 * built-in functions (and their signatures), which are special forms lowering
 * expands, which type names and struct tags are kernel primitives (and their
 * size, alignment, spelling and readable members), and which DEFINE_* macros
 * declare a primitive.
 *
 * Backed for now by the tables in ./builtins.ts; nothing else in lang/ reads
 * those tables, so they can later be fed from the kernel primitive registry.
 */
import type { CType, PrimName } from './ctype.js';
import type { FieldLayout } from './types.js';
import {
  type BuiltinSig, BUILTIN_SIGS, DEFINE_MACROS, INTERNAL_BUILTINS, PRIM_ALIGN, PRIM_FIELDS, PRIM_SIZE, PRIM_SPELLING,
  PRIM_STRUCTS, PRIM_TYPEDEFS, SPECIAL_FORMS,
} from './builtins.js';

/** Arity and result type of a kernel built-in. */
export type { BuiltinSig };

/**
 * Signature of the kernel built-in `name` (arity and result type), including
 * the internal ones only lowering emits; undefined if `name` is not built in.
 */
export function builtinSig(name: string): BuiltinSig | undefined {
  return BUILTIN_SIGS[name];
}

/** Is `name` a built-in that only lowering emits (`__wait_prepare`, `__warn`, ...), not callable from kernel-C? */
export function isInternalBuiltin(name: string): boolean {
  return INTERNAL_BUILTINS.has(name);
}

/** Signature of a built-in kernel-C may call by name; undefined for internal built-ins and unknown names. */
export function callableBuiltinSig(name: string): BuiltinSig | undefined {
  const sig = BUILTIN_SIGS[name];
  return sig && !INTERNAL_BUILTINS.has(name) ? sig : undefined;
}

/**
 * Is `name` a kernel macro lowering expands itself with its arguments
 * unevaluated (container_of, READ_ONCE, wait_event, guard, ...; see ./forms/)?
 */
export function isSpecialForm(name: string): boolean {
  return SPECIAL_FORMS.has(name);
}

/** The primitive a kernel typedef stands for (`refcount_t`, `spinlock_t`, ...), or undefined. */
export function primTypedef(name: string): CType | undefined {
  const p = PRIM_TYPEDEFS[name];
  return p ? { k: 'prim', name: p } : undefined;
}

/** The primitive `struct tag` stands for (`struct mutex`, `struct xarray`, ...), or undefined. */
export function primStructTag(tag: string): CType | undefined {
  const p = PRIM_STRUCTS[tag];
  return p ? { k: 'prim', name: p } : undefined;
}

/** Size in bytes of a primitive held by value. */
export function primSize(p: PrimName): number {
  return PRIM_SIZE[p];
}

/** Alignment in bytes of a primitive held by value. */
export function primAlign(p: PrimName): number {
  return PRIM_ALIGN[p];
}

/** How a primitive type is spelled in kernel C (`struct mutex`, `refcount_t`). */
export function primSpelling(p: PrimName): string {
  return PRIM_SPELLING[p];
}

/** Members of a primitive that kernel code may read directly (`xa->xa_lock`, `xas.xa_index`), or undefined. */
export function primFields(p: PrimName): FieldLayout[] | undefined {
  return PRIM_FIELDS[p];
}

/** A DEFINE_* / DECLARE_* macro that declares a statically initialised primitive. */
export interface DefineMacro {
  /** The type of the declared global. */
  type: CType;
  /** Appended to the global's name in `GlobalIR.prims` (`:alloc`, `:alloc1`), or ''. */
  suffix: string;
}

/** The primitive that `DEFINE_MUTEX(name)`, `DEFINE_XARRAY_ALLOC1(name)`, ... declares; undefined for other names. */
export function defineMacro(name: string): DefineMacro | undefined {
  const d = DEFINE_MACROS[name];
  return d ? { type: { k: 'prim', name: d.prim }, suffix: d.suffix } : undefined;
}
