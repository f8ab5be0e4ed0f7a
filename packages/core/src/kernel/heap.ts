/**
 * The slab heap with KASAN-style poisoning: kmalloc/kzalloc allocate, kfree
 * poisons. Freed memory is never reused, so every later access is reported
 * as a use-after-free with the allocation and free stacks, every second free
 * as a double-free, and freeing anything that is not the start of a heap
 * object as an invalid-free (mm/kasan/report.c titles).
 *
 * All memory reads as zero until written (kmalloc included: the model has no
 * uninitialised-memory detector).
 *
 * Every allocation is the fault site `kmalloc` (the kernel's failslab): in a
 * scenario that arms it, the explorer makes it return NULL as a fault plan
 * says (sched/faults.ts).
 */
import type { Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import { liveKey } from '../state/keys.js';
import { checkFree } from '../detect/kasan.js';
import { heldLockFreed, mightSleep } from '../detect/lockdep.js';
import type { Builtin, BuiltinInstr, BuiltinTable, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { VOID, VOIDP } from '../lang/ctype.js';
import { Fault } from '../state/fault.js';
import { callText1 } from './call-text.js';

const __GFP_DIRECT_RECLAIM = 0x400;

function allocImpl(sizeArg: number, countArg: number | null, gfpArg: number): Builtin {
  return {
    kind: 'pure',
    exec(m, t, a, ins) {
      const gfp = a[gfpArg];
      if (typeof gfp === 'number' && gfp & __GFP_DIRECT_RECLAIM) mightSleep(m, t, `${ins.name}(GFP_KERNEL)`);
      // failslab: should_failslab() in slab_pre_alloc_hook(), after might_alloc()
      if (m.shouldFail(t, 'kmalloc')) return 0;
      const size = typeof a[sizeArg] === 'number' ? (a[sizeArg] as number) : 0;
      const n = countArg === null ? 1 : typeof a[countArg] === 'number' ? (a[countArg] as number) : 1;
      return m.allocate(t, Math.max(1, size * n), ins.extra?.typeName, ins.name);
    },
  };
}

function freeImpl(name: string): Builtin {
  return {
    kind: 'step',
    deps: (_m, _t, a) => {
      const p = a[0]!;
      if (typeof p === 'object' && p.t === 'p') return { reads: [], writes: [liveKey(p.a)] };
      return { reads: [], writes: [] };
    },
    exec(m, t, a, ins) {
      const p = a[0]!;
      if (p === 0) return 0;
      kfree(m, t, p, name, ins);
      return 0;
    },
  };
}

function kfree(m: KernelCtx, t: Thread, p: Value, name: string, ins: BuiltinInstr): void {
  const a = checkFree(m, t, p, m.peekAlloc(p), name, callText1(ins, name));
  if (!a) throw new Fault('invalid or double free');
  heldLockFreed(m, t, m.threads(), a, name);
  m.mut(a).freeSite = m.site(t);
  m.freed(t, a.id);
}

const HEAP: BuiltinTable = {
  kmalloc: allocImpl(0, null, 1),
  kzalloc: allocImpl(0, null, 1),
  kvzalloc: allocImpl(0, null, 1),
  kvmalloc: allocImpl(0, null, 1),
  kcalloc: allocImpl(1, 0, 2),
  kmalloc_array: allocImpl(1, 0, 2),
  kfree: freeImpl('kfree'),
  kvfree: freeImpl('kvfree'),
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  kmalloc: sig(2, 2, VOIDP),
  kzalloc: sig(2, 2, VOIDP),
  kcalloc: sig(3, 3, VOIDP),
  kmalloc_array: sig(3, 3, VOIDP),
  kvzalloc: sig(2, 2, VOIDP),
  kvmalloc: sig(2, 2, VOIDP),
  kfree: sig(1, 1, VOID),
  kvfree: sig(1, 1, VOID),
};

/** The slab heap: kmalloc() and kfree() with KASAN poisoning. */
export const heap: Primitive = { name: 'heap', builtins: HEAP, sigs: SIGS };
