/**
 * Marked and unchecked accesses, as include/asm-generic/rwonce.h,
 * include/linux/compiler.h and include/asm-generic/barrier.h define them:
 * READ_ONCE, WRITE_ONCE, data_race, smp_load_acquire, smp_store_release, and
 * the barriers smp_mb/smp_rmb/smp_wmb/barrier (no-ops: the model is
 * sequentially consistent).
 */
import type { Syn } from '../syntax.js';
import { UNKNOWN, VOID } from '../types.js';
import { Op } from '../ir.js';
import { type LowerCtx, type SpecialForm, type Val, takes } from './context.js';

/** `READ_ONCE(x)`: the load of `x` is marked (KCSAN does not report it against other marked accesses). */
function readOnce(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 1)) return cx.zero();
  return cx.marked(() => cx.value(args[0]!));
}

/** `data_race(expr)`: accesses in `expr` are not checked at all. */
function dataRace(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 1)) return cx.zero();
  return cx.unchecked(() => cx.value(args[0]!));
}

/** `smp_load_acquire(p)`: a marked acquire load of `*p`. */
function loadAcquire(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 1)) return cx.zero();
  return cx.marked(() => {
    const p = cx.value(args[0]!);
    const r = cx.newReg(null);
    const size = p.type.k === 'ptr' ? cx.size(p.type.to) : 8;
    const what = `*${cx.text(args[0]!)}`;
    cx.emit({ op: Op.Load, dst: r, base: p.reg, off: 0, size, marked: true, what, acquire: true });
    return { reg: r, type: p.type.k === 'ptr' ? p.type.to : UNKNOWN };
  });
}

/** `WRITE_ONCE(x, v)`: a marked store of `v` to `x`. */
function writeOnce(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 2)) return cx.zero();
  return cx.marked(() => {
    const lv = cx.lvalue(args[0]!);
    const v = cx.convertTo(cx.value(args[1]!), lv.type, args[1]!);
    cx.storeLV(lv, v);
    return { reg: v, type: VOID };
  });
}

/** `smp_store_release(p, v)`: a marked release store of `v` to `*p`. */
function storeRelease(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 2)) return cx.zero();
  return cx.marked(() => {
    const p = cx.value(args[0]!);
    const v = cx.value(args[1]!);
    const size = p.type.k === 'ptr' ? cx.size(p.type.to) : 8;
    const what = `*${cx.text(args[0]!)}`;
    cx.emit({ op: Op.Store, base: p.reg, off: 0, size, src: v.reg, marked: true, what, release: true });
    return { reg: v.reg, type: VOID };
  });
}

/** Memory barriers: no code (every interleaving the model explores is sequentially consistent). */
const barrier: SpecialForm = (cx) => cx.zero();

/** The marked-access forms by name. */
export const ONCE_FORMS: Record<string, SpecialForm> = {
  READ_ONCE: readOnce,
  data_race: dataRace,
  smp_load_acquire: loadAcquire,
  WRITE_ONCE: writeOnce,
  smp_store_release: storeRelease,
  smp_mb: barrier,
  smp_rmb: barrier,
  smp_wmb: barrier,
  barrier,
};
