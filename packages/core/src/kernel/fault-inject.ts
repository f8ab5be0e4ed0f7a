/**
 * Fault injection points (lib/fault-inject.c, include/linux/uaccess.h): the
 * calls a scenario may make fail. Which calls fail is not decided here: the
 * explorer runs every fault plan of the scenario (sched/faults.ts), and
 * KernelCtx.shouldFail says whether this call is the one a plan names.
 *
 * - `should_fail(site)` is true when the call at fault site `site` is to fail.
 *   Model code puts it where the kernel may fail for a reason the model does
 *   not simulate (a driver op, `iommufd_should_fail()` in the selftest
 *   build). The upstream `should_fail(struct fault_attr *, ssize_t)` takes an
 *   attribute per fault type; here a site name plays that part.
 * - `copy_to_user(to, from, n)` and `copy_from_user(to, from, n)` return the
 *   number of bytes not copied: 0, or `n` when a fault is injected at the
 *   fault site of the same name. Userspace memory is not modelled, so
 *   nothing is copied (model code keeps ioctl results in kernel memory).
 *
 * Every slab allocation is the fault site `kmalloc` (kernel/heap.ts).
 */
import type { BuiltinTable, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, ULONG } from '../lang/ctype.js';
import { showValue } from '../state/values.js';

const FAULT_INJECT: BuiltinTable = {
  should_fail: {
    kind: 'pure',
    exec(m, t, a) {
      const s = a[0]!;
      const site = typeof s === 'object' && s.t === 's' ? s.s : showValue(s);
      return m.shouldFail(t, site) ? 1 : 0;
    },
  },
  copy_to_user: {
    kind: 'pure',
    // the model copies nothing (it only decides whether the copy fails): neither buffer is kept (vm/escape.ts)
    noEscape: [0, 1],
    exec: (m, t, a) => (m.shouldFail(t, 'copy_to_user') ? (typeof a[2] === 'number' ? a[2] : 1) : 0),
  },
  copy_from_user: {
    kind: 'pure',
    // the model copies nothing (it only decides whether the copy fails): neither buffer is kept (vm/escape.ts)
    noEscape: [0, 1],
    exec: (m, t, a) => (m.shouldFail(t, 'copy_from_user') ? (typeof a[2] === 'number' ? a[2] : 1) : 0),
  },
};

const SIGS: Record<string, BuiltinSig> = {
  should_fail: sig(1, 1, BOOL),
  copy_to_user: sig(3, 3, ULONG),
  copy_from_user: sig(3, 3, ULONG),
};

/** Fault injection points: should_fail(), copy_to_user(), copy_from_user(). */
export const faultInject: Primitive = { name: 'fault-inject', builtins: FAULT_INJECT, sigs: SIGS };
