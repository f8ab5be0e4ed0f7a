/**
 * How a primitive states the C signature of its built-ins: arity and result
 * type, as kernel-C sees them. The front end checks calls against these
 * (lang/kernel-api.ts), fed from the registry.
 */
import type { CType } from '../lang/ctype.js';
import type { BuiltinSig } from '../lang/kernel-api.js';

export type { BuiltinSig };

/** `max` for a variadic built-in (printk and friends). */
export const VARIADIC = 99;

/** A signature: `min` to `max` arguments, result type `ret`. */
export function sig(min: number, max: number, ret: CType): BuiltinSig {
  return { min, max, ret };
}
