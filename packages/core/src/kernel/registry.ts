/**
 * Every kernel primitive, one line each; the VM, the front end and the
 * object reports learn the primitives from here. Adding a primitive is a new
 * file in this folder and one line below (see docs/architecture.md).
 */
import type { KernelDecls } from '../lang/kernel-api.js';
import type { BuiltinTable, Primitive, PrimitiveState } from './api.js';
import { heap } from './heap.js';
import { mutex } from './mutex.js';
import { spinlock } from './spinlock.js';
import { rwlock } from './rwlock.js';
import { refcount } from './refcount.js';
import { atomic } from './atomic.js';
import { fileRef } from './fileref.js';
import { xarray } from './xarray.js';
import { waitqueue } from './waitqueue.js';
import { completion } from './completion.js';
import { ida } from './ida.js';
import { misc } from './misc.js';
import { faultInject } from './fault-inject.js';

export const PRIMITIVES: readonly Primitive[] = [
  heap,
  mutex,
  spinlock,
  rwlock,
  refcount,
  atomic,
  fileRef,
  xarray,
  waitqueue,
  completion,
  ida,
  faultInject,
  misc,
];

/** All built-in functions by name. */
export const BUILTINS: BuiltinTable = Object.assign({}, ...PRIMITIVES.map((p) => p.builtins));

/** The C type names of the primitives held by value (an object holding one is a kernel object). */
export const PRIMITIVE_CTYPES: ReadonlySet<string> = new Set(PRIMITIVES.flatMap((p) => (p.ctype ? [p.ctype] : [])));

/** The state of each primitive type that keeps one, by C type name. */
export const STATE_BY_CTYPE: ReadonlyMap<string, PrimitiveState> = new Map(
  PRIMITIVES.flatMap((p) => (p.ctype && p.state ? [[p.ctype, p.state] as const] : [])),
);

/** The same, by state tag ({@link PrimState}.p). */
export const STATE_BY_TAG: ReadonlyMap<string, PrimitiveState> = new Map(
  PRIMITIVES.flatMap((p) => (p.state ? [[p.state.tag, p.state] as const] : [])),
);

/** What the primitives declare to kernel-C (signatures, DEFINE_* macros): the front end's view, for compile(). */
export const KERNEL_DECLS: KernelDecls = {
  builtins: new Map(PRIMITIVES.flatMap((p) => Object.entries(p.sigs))),
  defines: new Map(
    PRIMITIVES.flatMap((p) =>
      Object.entries(p.defines ?? {}).map(([macro, flags]) => [macro, { prim: p.ctype!, flags }] as const),
    ),
  ),
};
