/**
 * Lowering of the visible side of shared loads and stores: the step itself
 * (Machine.execVisible: KASAN's use-after-free check, the access, the spin
 * detector's notes, KCSAN, smp_load_acquire/smp_store_release
 * happens-before) and its dependency information (Machine.deps), one
 * closure per instruction with its operands captured (see
 * ./lower-closures.ts for why: no megamorphic reads of instruction objects,
 * no generated code).
 */
import { Op, type Instr } from '../lang/ir.js';
import { type Frame, type Thread, setField } from '../state/state.js';
import type { Ptr, Value } from '../state/values.js';
import { isPrim } from '../state/prim.js';
import { allocatingTask, liveKey, memKey, stackKey, syncKey } from '../state/keys.js';
import { Fault } from '../state/fault.js';
import type { Deps } from '../kernel/api.js';
import { isCountAt, zeroKey } from '../kernel/counts.js';
import { useAfterFree, useAfterReturn } from '../detect/kasan.js';
import { conv } from './arith.js';
import { noteStore } from './escape.js';
import type { Machine } from './machine.js';

/** No dependencies (a thread-private or finished step). Shared and never mutated. */
export const NO_DEPS: Deps = { reads: [], writes: [] };

/** Runs the pending visible load or store of `t` (whose top frame is `f`). */
export type VisibleFn = (m: Machine, t: Thread, f: Frame, regs: Value[]) => void;
/**
 * The dependency information of a pending load, store or visible return of
 * thread `tid`, from its frame and the frame's registers.
 */
export type DepsFn = (regs: Value[], f: Frame, m: Machine, tid: number) => Deps;

/** Lower the visible step of a load or store at `pc` (its burst stopped there: the pointer is checked). */
export function lowerVisibleAccess(ins: Extract<Instr, { op: Op.Load | Op.Store }>, pc: number): VisibleFn {
  const next = pc + 1;
  const { base, off, what, marked } = ins;
  const unchecked = ins.unchecked === true;
  if (ins.op === Op.Load) {
    const { dst } = ins;
    const acquire = ins.acquire === true;
    const uaf = `read of ${what}`;
    return (m, t, f, regs) => {
      const b = regs[base] as Ptr;
      const a = m.state.heap.get(b.a);
      if (!a) {
        // another task's stack block, gone since the pointer was checked: that task returned
        useAfterReturn(m, t, b, what);
        throw new Fault('stack uaf');
      }
      const path = b.o + off;
      const key = memKey(b.a, path);
      if (a.freeSite) {
        if (m.refiner !== null) m.freedBefore(t, b.a);
        useAfterFree(m, t, a, uaf);
        throw new Fault('uaf');
      }
      const v0 = a.fields.get(path);
      const v = v0 === undefined || isPrim(v0) ? 0 : v0;
      regs[dst] = v;
      m.spin.noteRead(t.tid, b.a, path, v);
      if (!unchecked) m.kcsanAccess(t, key, false, marked, what, v);
      else if (m.refiner !== null) m.refinerAccess(t, key, false);
      if (acquire) m.hbAcquire(t, syncKey('var', key));
      f.pc = next;
    };
  }
  const { src, conv: c } = ins;
  const release = ins.release === true;
  const uaf = `write of ${what}`;
  return (m, t, f, regs) => {
    const b = regs[base] as Ptr;
    const a = m.state.heap.get(b.a);
    if (!a) {
      useAfterReturn(m, t, b, what);
      throw new Fault('stack uaf');
    }
    const path = b.o + off;
    const key = memKey(b.a, path);
    if (a.freeSite) {
      if (m.refiner !== null) m.freedBefore(t, b.a);
      useAfterFree(m, t, a, uaf);
      throw new Fault('uaf');
    }
    let v = regs[src]!;
    if (c && typeof v === 'number') v = conv(v, c);
    if (release) m.hbRelease(t, syncKey('var', key));
    noteStore(m, a, v);
    setField(m.mut(a), path, v);
    m.spin.noteWrite(t.tid);
    if (!unchecked) m.kcsanAccess(t, key, true, marked, what, v);
    else if (m.refiner !== null) m.refinerAccess(t, key, true);
    f.pc = next;
  };
}

/**
 * Lower the dependency information of a load or store: it reads (a load) or
 * writes (a store) the byte it accesses, and reads the object's liveness;
 * an access to another task's stack block also reads that task's
 * state/keys.ts stackKey (the owner touches the block privately, between
 * its steps). The last answer is kept: an instruction usually sees the same
 * address again (allocation ids repeat across executions), and the
 * scheduler only reads the keys.
 */
export function lowerAccessDeps(ins: Extract<Instr, { op: Op.Load | Op.Store }>): DepsFn {
  const { base, off } = ins;
  const load = ins.op === Op.Load;
  // a plain access KCSAN checks (sched/projection.ts: only it races with a marked one)
  const plain = !ins.marked && ins.unchecked !== true;
  let lastA = -1;
  let lastO = 0;
  let lastOwner = -1;
  let lastCount = false;
  let last: Deps = NO_DEPS;
  return (regs, _f, m, tid) => {
    const b = regs[base]!;
    if (typeof b !== 'object' || b.t !== 'p') return NO_DEPS;
    // another task's stack block (a stack block's owner made it: only another task's allocation is looked up)
    const creator = allocatingTask(b.a);
    const owner = creator >= 0 && creator !== tid && m.state.heap.get(b.a)?.kind === 'stack' ? creator : -1;
    // a store to a registered count's word (through a cast pointer) also writes its zero part (kernel/counts.ts)
    const alloc = load ? undefined : m.state.heap.get(b.a);
    const count = alloc !== undefined && isCountAt(alloc, b.o + off);
    if (b.a === lastA && b.o === lastO && owner === lastOwner && count === lastCount) return last;
    const key = memKey(b.a, b.o + off);
    const live = liveKey(b.a);
    lastA = b.a;
    lastO = b.o;
    lastOwner = owner;
    lastCount = count;
    const reads = owner >= 0 ? [live, stackKey(owner)] : [live];
    last = load ? { reads: [key, ...reads], writes: [] } : { reads, writes: count ? [key, zeroKey(key)] : [key] };
    if (plain) last.plain = [key];
    return last;
  };
}

/**
 * Lower the return of a function whose frame has a stack block (a local
 * whose address is taken): a visible step, since the block goes with the
 * frame and another task may hold a pointer into it (a completion or a
 * list node on the stack, published through shared memory). An access
 * through such a pointer reads the block's liveness (lowerAccessDeps), the
 * return writes it, so DPOR orders the two both ways and reaches the access
 * after the return: KASAN's stack-use-after-return. A return that ran
 * inside the burst would be no event, and DPOR would never try that order.
 */
export function lowerVisibleReturn(ins: Extract<Instr, { op: Op.Ret }>): VisibleFn {
  const src = ins.src;
  return (m, t, _f, regs) => {
    m.popFrame(t, regs[src]!);
  };
}

/** The dependency information of a visible return (lowerVisibleReturn): it writes its stack block's liveness. */
export function lowerReturnDeps(): DepsFn {
  let lastStack = -1;
  let last: Deps = NO_DEPS;
  return (_regs, f) => {
    if (f.stack !== lastStack) {
      lastStack = f.stack;
      last = { reads: [], writes: [liveKey(f.stack)] };
    }
    return last;
  };
}
