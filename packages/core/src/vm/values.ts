/**
 * Runtime values of the VM. Values are immutable, so a state copy can share them.
 *
 * - numbers are C integers and booleans (NULL is 0);
 * - {@link Ptr} is a pointer: an allocation id and a field path inside it
 *   (`obj.users`, `arr[3]`); allocation 0 is the NULL page (`&((T *)0)->f`);
 * - {@link ErrPtr} is `ERR_PTR(-errno)`; `XA_ZERO_ENTRY` and `xa_mk_value()`
 *   are the xarray's internal entries;
 * - {@link FnRef} is a function address; {@link Str} a string literal;
 * - {@link BadPtr} is a pointer the model cannot follow (container_of of the
 *   wrong member); dereferencing it faults.
 */
export interface Ptr { readonly t: 'p'; readonly a: number; readonly o: string }
export interface FnRef { readonly t: 'f'; readonly fn: number }
export interface ErrPtr { readonly t: 'e'; readonly e: number }
export interface ZeroEntry { readonly t: 'z' }
export interface XaValue { readonly t: 'v'; readonly v: number }
export interface Str { readonly t: 's'; readonly s: string }
export interface BadPtr { readonly t: 'b'; readonly why: string }

export type Value = number | Ptr | FnRef | ErrPtr | ZeroEntry | XaValue | Str | BadPtr;

export const XA_ZERO: ZeroEntry = Object.freeze({ t: 'z' });

export function ptr(a: number, o: string): Ptr { return { t: 'p', a, o }; }

/**
 * Join a pointer's path with a static suffix. A path ending in `<-m` is a
 * container_of() result whose member `m` did not match (the list head of a
 * list_for_each_entry loop, say): adding `m` back gives the original
 * pointer, and any other access through it faults.
 */
export function join(o: string, suffix: string): string {
  if (!suffix) return o;
  const k = o.lastIndexOf('<-');
  if (k >= 0) {
    const m = o.slice(k + 2);
    const base = o.slice(0, k);
    if (suffix === m) return base;
    if (suffix.startsWith(`${m}.`)) return join(base, suffix.slice(m.length + 1));
    if (suffix.startsWith(`${m}[`)) return join(base, suffix.slice(m.length));
  }
  if (!o) return suffix;
  return suffix[0] === '[' ? o + suffix : `${o}.${suffix}`;
}

/** A path that only exists as a container_of() of the wrong member: not memory. */
export function isWildPath(o: string): boolean {
  return o.includes('<-');
}

export function isPtr(v: Value): v is Ptr { return typeof v === 'object' && v.t === 'p'; }

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
    case 'p': return a.a === (b as Ptr).a && a.o === (b as Ptr).o;
    case 'f': return a.fn === (b as FnRef).fn;
    case 'e': return a.e === (b as ErrPtr).e;
    case 'z': return true;
    case 'v': return a.v === (b as XaValue).v;
    case 's': return a.s === (b as Str).s;
    case 'b': return false;
  }
}

/** A short, kernel-flavoured rendering for traces and reports. */
export function showValue(v: Value, allocName?: (a: number) => string): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  switch (v.t) {
    case 'p': {
      if (v.a === 0) return v.o ? `&((NULL)->${v.o})` : 'NULL';
      const base = allocName ? allocName(v.a) : `obj#${v.a}`;
      return v.o ? `&${base}.${v.o}` : base;
    }
    case 'f': return `fn#${v.fn}`;
    case 'e': return `ERR_PTR(${v.e})`;
    case 'z': return 'XA_ZERO_ENTRY';
    case 'v': return `xa_mk_value(${v.v})`;
    case 's': return JSON.stringify(v.s);
    case 'b': return `<bad pointer: ${v.why}>`;
  }
}
