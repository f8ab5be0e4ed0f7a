/**
 * The one place the front end asks what the kernel provides: which names are
 * built-in functions (and their signatures), which are special forms lowering
 * expands, which type names and struct tags are kernel primitives (and their
 * size, alignment, spelling and readable members), and which DEFINE_* macros
 * declare a primitive.
 *
 * The built-ins and the DEFINE_* macros are the kernel primitives' own
 * (../kernel/registry.ts builds a {@link KernelDecls} from them, and compile()
 * takes it: the front end does not import the kernel); the special forms,
 * the internal built-ins and the primitive C types are the dialect's
 * (./builtins.ts).
 */
import type { CType, PrimName } from './ctype.js';
import type { FieldLayout } from './types.js';
import {
  INTERNAL_BUILTINS,
  PRIM_ALIGN,
  PRIM_FIELDS,
  PRIM_SIZE,
  PRIM_SPELLING,
  PRIM_STRUCTS,
  PRIM_TYPEDEFS,
  SPECIAL_FORMS,
} from './builtins.js';

/** Arity (`max` 99: variadic) and result type of a kernel built-in. */
export interface BuiltinSig {
  min: number;
  max: number;
  ret: CType;
}

/** A DEFINE_* / DECLARE_* macro that declares a statically initialised primitive. */
export interface DefineDecl {
  /** The primitive C type of the declared global (`mutex`, `xarray`). */
  prim: PrimName;
  /** Flags its state starts with (an xarray's XA_FLAGS_ALLOC: 1, XA_FLAGS_ALLOC1: 3; else 0). */
  flags: number;
}

/** What the kernel primitives declare to kernel-C: their functions and their DEFINE_* macros. */
export interface KernelDecls {
  /** Every built-in by name, the internal ones lowering emits included. */
  builtins: ReadonlyMap<string, BuiltinSig>;
  defines: ReadonlyMap<string, DefineDecl>;
}

/** A DEFINE_* macro as declarations see it: the global's type and its state's flags. */
export interface DefineMacro {
  type: CType;
  flags: number;
}

/** The kernel's declarations as one compilation asks for them. */
export class KernelApi {
  constructor(private readonly decls: KernelDecls) {}

  /**
   * Signature of the kernel built-in `name` (arity and result type), including
   * the internal ones only lowering emits; undefined if `name` is not built in.
   */
  builtinSig(name: string): BuiltinSig | undefined {
    return this.decls.builtins.get(name);
  }

  /** Signature of a built-in kernel-C may call by name; undefined for internal built-ins and unknown names. */
  callableBuiltinSig(name: string): BuiltinSig | undefined {
    return INTERNAL_BUILTINS.has(name) ? undefined : this.decls.builtins.get(name);
  }

  /** The primitive that `DEFINE_MUTEX(name)`, `DEFINE_XARRAY_ALLOC1(name)`, ... declares; undefined for other names. */
  defineMacro(name: string): DefineMacro | undefined {
    const d = this.decls.defines.get(name);
    return d ? { type: { k: 'prim', name: d.prim }, flags: d.flags } : undefined;
  }
}

/** Is `name` a built-in that only lowering emits (`__wait_prepare`, `__warn`, ...), not callable from kernel-C? */
export function isInternalBuiltin(name: string): boolean {
  return INTERNAL_BUILTINS.has(name);
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
  const p = Object.hasOwn(PRIM_TYPEDEFS, name) ? PRIM_TYPEDEFS[name] : undefined;
  return p ? { k: 'prim', name: p } : undefined;
}

/** The primitive `struct tag` stands for (`struct mutex`, `struct xarray`, ...), or undefined. */
export function primStructTag(tag: string): CType | undefined {
  const p = Object.hasOwn(PRIM_STRUCTS, tag) ? PRIM_STRUCTS[tag] : undefined;
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
