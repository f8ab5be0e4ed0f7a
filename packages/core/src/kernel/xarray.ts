/**
 * The xarray (lib/xarray.c, include/linux/xarray.h) as iommufd uses it:
 * indexed slots holding an entry, NULL, or the internal XA_ZERO_ENTRY.
 *
 * - xa_alloc() reserves the lowest free index (from 1 with XA_FLAGS_ALLOC1);
 *   storing NULL there stores XA_ZERO_ENTRY, so the ID stays taken;
 * - xa_load() and xa_for_each() hide zero entries (they read as NULL / are
 *   skipped); xas_load() returns them; xa_empty() counts them;
 * - in an allocating xarray xa_store(NULL) reserves instead of erasing;
 * - xa_cmpxchg() compares against the raw entry, so NULL never matches a
 *   reserved slot, and returns the old entry with zero turned to NULL.
 *
 * The normal API takes the xa_lock itself (it blocks while another task holds
 * it); the __xa_*() and xas_*() calls expect the caller to hold it. Readers
 * (xa_load, xa_for_each) use RCU and take no lock. The whole array is one
 * location for the scheduler and KCSAN (its operations are marked accesses).
 */
import { type Thread, setField } from '../state/state.js';
import { type Value, XA_ZERO, valEq } from '../state/values.js';
import type { Builtin, BuiltinInstr, BuiltinTable, Deps, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, INT, ULONG, VOID, VOIDP } from '../lang/ctype.js';
import type { LockClass, PrimState } from '../state/prim.js';
import { emptyXa, xaLockRef } from './spinlock.js';
import { acquired, holds, initClass, released } from './locking.js';
import { finding, where } from '../detect/finding.js';
import { type DepKey, partKey, syncKey } from '../state/keys.js';
import { callText } from './call-text.js';

/** An xarray: sorted (index, entry) pairs, its flags and its xa_lock. */
export interface XArrayState extends PrimState {
  readonly p: 'xa';
  readonly entries: readonly (readonly [number, Value])[];
  /** XA_FLAGS_ALLOC (1), XA_FLAGS_ALLOC1 (3 = alloc from 1). */
  readonly flags: number;
  readonly lockOwner: number;
  readonly cls?: LockClass;
}

const EBUSY = 16;

const isZero = (v: Value | undefined) => typeof v === 'object' && v.t === 'z';
const zeroToNull = (v: Value | undefined): Value => (v === undefined || isZero(v) ? 0 : v);

interface XaRef {
  m: KernelCtx;
  t: Thread;
  alloc: import('../state/state.js').Alloc;
  off: number;
  key: DepKey;
  s: XArrayState;
}

function xa(m: KernelCtx, t: Thread, p: Value, what: string): XaRef {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<XArrayState>(r.alloc, r.off) ?? emptyXa(m, r.alloc.id, r.off);
  return { m, t, alloc: r.alloc, off: r.off, key: r.key, s };
}

function get(x: XaRef, idx: number): Value | undefined {
  for (const [i, v] of x.s.entries) if (i === idx) return v;
  return undefined;
}

function put(x: XaRef, idx: number, v: Value): void {
  const cur = x.m.getPrim<XArrayState>(x.alloc, x.off) ?? x.s;
  const entries = cur.entries.filter(([i]) => i !== idx);
  if (v !== 0) {
    entries.push([idx, v]);
    entries.sort((a, b) => a[0] - b[0]);
  }
  x.s = { ...cur, entries };
  x.m.setPrim(x.alloc, x.off, x.s);
}

/** include/linux/xarray.h: XA_FLAGS_ALLOC tracks free entries; XA_FLAGS_ALLOC1 also starts at 1. */
const XA_FLAGS_ALLOC = 1;
const XA_FLAGS_ALLOC1 = 3;

const trackFree = (s: XArrayState) => (s.flags & XA_FLAGS_ALLOC) !== 0;
const dataKey = (m: KernelCtx, p: Value) => partKey(m.keyOf(p), 'data');
const lockKey = (m: KernelCtx, p: Value) => partKey(m.keyOf(p), 'lock');

/** Marked access and ordering of an xarray operation (KCSAN). */
function touched(x: XaRef, write: boolean, what: string): void {
  x.m.kcsanAccess(x.t, partKey(x.key, 'data'), write, true, what, 0);
  if (write) x.m.hbRmw(x.t, syncKey('xa', x.key));
  else x.m.hbAcquire(x.t, syncKey('xa', x.key));
}

const name = callText;

/**
 * xa_alloc() and __xa_alloc() also write the new index through their `id`
 * argument (a plain store, doAlloc): a step that conflicts with a read of it.
 */
function withIdWrite(b: Builtin): Builtin {
  const deps = b.deps!;
  return {
    ...b,
    // the id is written through the pointer, which is not kept (the entry, argument 2, is)
    noEscape: [0, 1],
    deps: (m, t, a, ins) => {
      const d = deps(m, t, a, ins);
      const id = a[1];
      if (typeof id !== 'object' || id === null || id.t !== 'p') return d;
      // (a plain store, as KCSAN sees it: doAlloc)
      const k = m.keyOf(id);
      return { ...d, writes: [...d.writes, k], plain: [...(d.plain ?? []), k] };
    },
  };
}

/** An operation that takes and releases the xa_lock itself. */
function locked(run: (x: XaRef, a: Value[], ins: BuiltinInstr) => Value): Builtin {
  return {
    kind: 'step',
    noEscape: [0],
    deps: (m, _t, a): Deps => ({ reads: [], writes: [dataKey(m, a[0]!), lockKey(m, a[0]!)], acq: lockKey(m, a[0]!) }),
    enabled(m, t, a) {
      const s = m.peek(a[0]!) as XArrayState | undefined;
      return !s || s.lockOwner < 0 || s.lockOwner === t.tid;
    },
    owner: (m, _t, a) => (m.peek(a[0]!) as XArrayState | undefined)?.lockOwner,
    exec(m, t, a, ins) {
      const what = name(ins);
      const l = xaLockRef(m, t, a[0]!, what);
      acquired(m, t, l.key, l.cls, 'spin', what);
      const x = xa(m, t, a[0]!, what);
      const r = run(x, a, ins);
      touched(x, true, what);
      released(m, t, l.key, l.name, what);
      return r;
    },
  };
}

/** An operation that expects the caller to hold the xa_lock. */
const firstArg = (_m: KernelCtx, _t: Thread, a: Value[]): Value => a[0]!;

/** The xarray pointer inside an xa_state, read without side effects (for dependency info). */
function peekXas(m: KernelCtx, a: Value[]): Value {
  return (m.peek(a[0]!) as Value | undefined) ?? 0;
}

function underLock(
  write: boolean,
  run: (x: XaRef, a: Value[], ins: BuiltinInstr) => Value,
  xaArg: (m: KernelCtx, t: Thread, a: Value[]) => Value = firstArg,
): Builtin {
  return {
    kind: 'step',
    // the xarray (or the xa_state naming it) is memory the operation works on: its address is kept nowhere
    noEscape: [0],
    deps: (m, _t, a): Deps => {
      const k = dataKey(m, xaArg === firstArg ? a[0]! : peekXas(m, a));
      return write ? { reads: [], writes: [k] } : { reads: [k], writes: [] };
    },
    exec(m, t, a, ins) {
      const what = name(ins);
      const p = xaArg(m, t, a);
      const x = xa(m, t, p, what);
      if (write && !holds(t, partKey(x.key, 'lock'))) {
        const s = m.site(t);
        m.report(
          finding(m, 'lock-misuse', `WARNING: ${ins.name}() without xa_lock held in ${s.stack[0]?.fn ?? '?'}`, {
            sites: [[what, s]],
            key: ['xa-unlocked', where(s.stack)],
            details: [
              `${what} modifies the xarray, and the caller must hold its xa_lock (xa_lock(xa) ... xa_unlock(xa)).`,
            ],
          }),
        );
      }
      const r = run(x, a, ins);
      touched(x, write, what);
      return r;
    },
  };
}

function doAlloc(x: XaRef, a: Value[]): Value {
  const [, idp, entry0, limit] = a;
  const max = typeof limit === 'number' ? limit : 0x7fffffff;
  const min = (x.s.flags & 2) !== 0 ? 1 : 0;
  const taken = new Set(x.s.entries.map(([i]) => i));
  let idx = -1;
  for (let i = min; i <= max; i++)
    if (!taken.has(i)) {
      idx = i;
      break;
    }
  if (idx < 0) return -EBUSY;
  const entry = entry0 === 0 || entry0 === undefined ? XA_ZERO : entry0;
  put(x, idx, entry);
  const r = x.m.resolve(x.t, idp!, 'xa_alloc(id)');
  setField(x.m.mut(r.alloc), r.off, idx);
  x.m.kcsanAccess(x.t, r.key, true, false, 'xa_alloc(&id)', idx);
  return 0;
}

function doStore(x: XaRef, a: Value[]): Value {
  const idx = a[1] as number;
  let entry = a[2]!;
  const old = get(x, idx);
  if (entry === 0 && trackFree(x.s)) entry = XA_ZERO;
  put(x, idx, entry);
  return zeroToNull(old);
}

function doErase(x: XaRef, a: Value[]): Value {
  const idx = a[1] as number;
  const old = get(x, idx);
  put(x, idx, 0);
  return zeroToNull(old);
}

function doCmpxchg(x: XaRef, a: Value[]): Value {
  const idx = a[1] as number;
  const oldWanted = a[2]!;
  const entry = a[3]!;
  const curr = get(x, idx);
  if (valEq(curr ?? 0, oldWanted)) put(x, idx, entry);
  return zeroToNull(curr);
}

function doInsert(x: XaRef, a: Value[]): Value {
  const idx = a[1] as number;
  if (get(x, idx) !== undefined) return -EBUSY;
  put(x, idx, a[2] === 0 ? XA_ZERO : a[2]!);
  return 0;
}

/** The xarray an on-stack xa_state (`XA_STATE(xas, &xa, index)`) refers to. */
function xasArray(m: KernelCtx, t: Thread, a: Value[]): Value {
  const r = m.resolve(t, a[0]!, 'xa_state');
  const v = r.alloc.fields.get(r.off);
  return (v as Value | undefined) ?? 0;
}

function xasIndex(m: KernelCtx, t: Thread, a: Value[]): number {
  const r = m.resolve(t, a[0]!, 'xa_state');
  const v = r.alloc.fields.get(r.off + 8);
  return typeof v === 'number' ? v : 0;
}

const XARRAY: BuiltinTable = {
  xa_init: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'xa_init');
      m.setPrim(r.alloc, r.off, {
        p: 'xa',
        entries: [],
        flags: 0,
        lockOwner: -1,
        cls: { key: initClass(m, ins, '').key, name: '&xa->xa_lock' },
      });
      return 0;
    },
  },
  xa_init_flags: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'xa_init_flags');
      m.setPrim(r.alloc, r.off, {
        p: 'xa',
        entries: [],
        flags: typeof a[1] === 'number' ? a[1] : 0,
        lockOwner: -1,
        cls: { key: initClass(m, ins, '').key, name: '&xa->xa_lock' },
      });
      return 0;
    },
  },
  xa_alloc: withIdWrite(locked((x, a) => doAlloc(x, a))),
  xa_store: locked(doStore),
  xa_erase: locked(doErase),
  xa_cmpxchg: locked(doCmpxchg),
  xa_insert: locked(doInsert),
  xa_destroy: locked((x) => {
    x.s = { ...x.s, entries: [] };
    x.m.setPrim(x.alloc, x.off, x.s);
    return 0;
  }),
  __xa_alloc: withIdWrite(underLock(true, doAlloc)),
  __xa_store: underLock(true, doStore),
  __xa_erase: underLock(true, doErase),
  __xa_cmpxchg: underLock(true, doCmpxchg),
  xa_load: underLock(false, (x, a) => zeroToNull(get(x, a[1] as number))),
  xa_empty: underLock(false, (x) => (x.s.entries.length === 0 ? 1 : 0)),
  __xa_find: underLock(false, (x, a, ins) => {
    // xa_find()/xa_find_after(): the next present entry, skipping XA_ZERO_ENTRY
    const from = (a[1] as number) + ((a[2] as number) ? 1 : 0);
    for (const [i, v] of x.s.entries) {
      if (i < from || isZero(v)) continue;
      const f = x.t.frames[x.t.frames.length - 1]!;
      if (ins.dst2 !== undefined) f.regs[ins.dst2] = i;
      return v;
    }
    const f = x.t.frames[x.t.frames.length - 1]!;
    if (ins.dst2 !== undefined) f.regs[ins.dst2] = a[1] as number;
    return 0;
  }),
  xas_load: underLock(false, (x, a) => get(x, xasIndex(x.m, x.t, a)) ?? 0, xasArray),
  xas_store: underLock(
    true,
    (x, a) => {
      const idx = xasIndex(x.m, x.t, a);
      const old = get(x, idx) ?? 0;
      put(x, idx, a[1]!);
      return old;
    },
    xasArray,
  ),
  xa_is_zero: { kind: 'pure', exec: (_m, _t, a) => (isZero(a[0]) ? 1 : 0) },
  xa_is_err: { kind: 'pure', exec: (_m, _t, a) => (typeof a[0] === 'number' && a[0] < 0 && a[0] > -4096 ? 1 : 0) },
  xa_err: { kind: 'pure', exec: (_m, _t, a) => (typeof a[0] === 'number' && a[0] < 0 && a[0] > -4096 ? a[0] : 0) },
  xa_mk_value: { kind: 'pure', exec: (_m, _t, a) => ({ t: 'v', v: typeof a[0] === 'number' ? a[0] : 0 }) },
  xa_to_value: { kind: 'pure', exec: (_m, _t, a) => (typeof a[0] === 'object' && a[0].t === 'v' ? a[0].v : 0) },
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  xa_init: sig(1, 1, VOID),
  xa_init_flags: sig(2, 2, VOID),
  xa_alloc: sig(5, 5, INT),
  xa_load: sig(2, 2, VOIDP),
  xa_store: sig(4, 4, VOIDP),
  xa_erase: sig(2, 2, VOIDP),
  xa_cmpxchg: sig(5, 5, VOIDP),
  xa_insert: sig(4, 4, INT),
  __xa_store: sig(4, 4, VOIDP),
  __xa_erase: sig(2, 2, VOIDP),
  __xa_cmpxchg: sig(5, 5, VOIDP),
  __xa_alloc: sig(5, 5, INT),
  xa_empty: sig(1, 1, BOOL),
  xa_destroy: sig(1, 1, VOID),
  xa_is_zero: sig(1, 1, BOOL),
  xa_err: sig(1, 1, INT),
  xa_is_err: sig(1, 1, BOOL),
  xas_load: sig(1, 1, VOIDP),
  xas_store: sig(2, 2, VOIDP),
  xa_mk_value: sig(1, 1, VOIDP),
  xa_to_value: sig(1, 1, ULONG),
  __xa_find: sig(3, 3, VOIDP),
};

/** struct xarray, with XA_ZERO_ENTRY reservations (xa_alloc) and tombstones. */
export const xarray: Primitive = {
  name: 'xarray',
  builtins: XARRAY,
  sigs: SIGS,
  defines: { DEFINE_XARRAY: 0, DEFINE_XARRAY_ALLOC: XA_FLAGS_ALLOC, DEFINE_XARRAY_ALLOC1: XA_FLAGS_ALLOC1 },
  ctype: 'xarray',
  state: {
    tag: 'xa',
    init: (cls, flags): XArrayState => ({ p: 'xa', entries: [], flags, lockOwner: -1, cls }),
    show: (s, k) => `{${(s as XArrayState).entries.map(([i, e]) => `${i}: ${k.show(e)}`).join(', ')}}`,
  },
};
