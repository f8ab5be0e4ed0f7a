/**
 * Runtime values of the VM. Values are immutable, so a state copy can share them.
 *
 * - numbers are C integers and booleans (NULL is 0);
 * - {@link Ptr} is a pointer: an allocation id and a byte offset into it
 *   (struct layouts follow LP64, so `&idev->obj` and `idev` are the same
 *   pointer, as in C); allocation 0 is the NULL page (`&((T *)0)->f`);
 * - {@link ErrPtr} is `ERR_PTR(-errno)`; `XA_ZERO_ENTRY` and `xa_mk_value()`
 *   are the xarray's internal entries;
 * - {@link FnRef} is a function address; {@link Str} a string literal;
 * - {@link BadPtr} is a pointer the model cannot follow (arithmetic on an
 *   ERR_PTR, say); dereferencing it faults.
 */
export interface Ptr {
  readonly t: 'p';
  readonly a: number;
  readonly o: number;
}
export interface FnRef {
  readonly t: 'f';
  readonly fn: number;
}
export interface ErrPtr {
  readonly t: 'e';
  readonly e: number;
}
export interface ZeroEntry {
  readonly t: 'z';
}
export interface XaValue {
  readonly t: 'v';
  readonly v: number;
}
export interface Str {
  readonly t: 's';
  readonly s: string;
}
export interface BadPtr {
  readonly t: 'b';
  readonly why: string;
}

export type Value = number | Ptr | FnRef | ErrPtr | ZeroEntry | XaValue | Str | BadPtr;

export const XA_ZERO: ZeroEntry = Object.freeze({ t: 'z' });

export function ptr(a: number, o: number): Ptr {
  return { t: 'p', a, o };
}

/** C truth value. */
export function truthy(v: Value): boolean {
  return typeof v === 'number' ? v !== 0 : true;
}

/** C `==` on values. */
export function valEq(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a === 'number' || typeof b === 'number') return false;
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'p':
      return a.a === (b as Ptr).a && a.o === (b as Ptr).o;
    case 'f':
      return a.fn === (b as FnRef).fn;
    case 'e':
      return a.e === (b as ErrPtr).e;
    case 'z':
      return true;
    case 'v':
      return a.v === (b as XaValue).v;
    case 's':
      return a.s === (b as Str).s;
    case 'b':
      return false;
  }
}

/** A short, kernel-flavoured rendering for traces and reports; `where` names an allocation and offset. */
export function showValue(
  v: Value,
  where?: (a: number, off: number) => string,
  fnName?: (fn: number) => string,
): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  switch (v.t) {
    case 'p': {
      if (v.a === 0) return v.o ? `(NULL + ${v.o})` : 'NULL';
      if (where) return where(v.a, v.o);
      return v.o ? `obj#${v.a}+${v.o}` : `obj#${v.a}`;
    }
    case 'f':
      return fnName ? fnName(v.fn) : `fn#${v.fn}`;
    case 'e':
      return `ERR_PTR(${v.e})`;
    case 'z':
      return 'XA_ZERO_ENTRY';
    case 'v':
      return `xa_mk_value(${v.v})`;
    case 's':
      return JSON.stringify(v.s);
    case 'b':
      return `<bad pointer: ${v.why}>`;
  }
}
