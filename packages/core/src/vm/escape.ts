/**
 * Escape of a task's stack blocks: whether another task can hold a pointer
 * into one, which decides whether its frame's return is a visible step.
 *
 * A frame's addressable locals live in a stack block (Machine.pushFrame) that
 * goes when the frame returns. Another task that got a pointer into it (a
 * completion or a list node on the stack, published through shared memory)
 * may access it after that, KASAN's stack-use-after-return, so the return is
 * a scheduling point that DPOR orders against such accesses
 * (./lower-visible.ts lowerVisibleReturn). But another task can only reach a
 * block through a pointer its owner let out, and most blocks never let one
 * out (an ioctl's `struct iommu_destroy cmd`, an `XA_STATE` on the stack).
 * The return of such a block's frame touches nothing any other task can
 * touch in any interleaving, so it runs inside the owner's burst like any
 * other private instruction: the thread-local (escape) reduction of explicit
 * state model checkers, decided here dynamically, per block and per
 * execution.
 *
 * A block escapes (Alloc.escaped, in the state digest) when a pointer into it
 * is
 *  - stored anywhere but into one of its owner's own blocks that has not
 *    escaped itself (a store to shared memory, to another task's stack, or
 *    to an escaped block of the owner, which others may read);
 *  - passed to a built-in, unless the built-in declares that argument one it
 *    never keeps ({@link Builtin.noEscape}: it reads or writes through the
 *    pointer but stores neither it nor pointers it reads from there);
 * and with it every block of the owner a pointer stored in it reaches (they
 * become reachable by whoever reads the escaped one). Passing a pointer in a
 * call's arguments or a return value keeps it in registers, which no other
 * task reads. An escaped block stays escaped until its frame returns, so the
 * decision never changes while a task waits at the return: a task that
 * stopped before a visible return finds it visible when scheduled, and one
 * that runs a return privately has a block nobody else can name.
 *
 * What it saves: on the model, the ioctls' argument blocks (9% of the steps
 * of the 3-thread benchmark were their returns; docs/scheduler.md,
 * "Dependencies").
 */
import type { Alloc } from '../state/state.js';
import type { Value } from '../state/values.js';
import { isPrim } from '../state/prim.js';
import type { Builtin } from '../kernel/api.js';
import type { Machine } from './machine.js';

/**
 * Value `v` is about to be stored into allocation `dest`: when it points
 * into a live stack block that has not escaped, and `dest` is not a block
 * of the same owner that has not escaped either, that block escapes.
 */
export function noteStore(m: Machine, dest: Alloc, v: Value): void {
  if (typeof v !== 'object' || v.t !== 'p') return;
  const b = m.state.heap.get(v.a);
  if (b === undefined || b.kind !== 'stack' || b.escaped === true) return;
  if (dest.kind === 'stack' && dest.owner === b.owner && dest.escaped !== true) return;
  escapeBlock(m, b);
}

/**
 * Built-in `impl` is about to run with `args`: every pointer among them into
 * a live stack block that has not escaped escapes, but for the arguments the
 * built-in declares it never keeps.
 */
export function noteBuiltinArgs(m: Machine, impl: Builtin, args: readonly Value[]): void {
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!;
    if (typeof v !== 'object' || v.t !== 'p') continue;
    if (impl.noEscape?.includes(i)) continue;
    const b = m.state.heap.get(v.a);
    if (b !== undefined && b.kind === 'stack' && b.escaped !== true) escapeBlock(m, b);
  }
}

/** Stack block `b` escapes, and so does every block of its owner that a pointer stored in it reaches. */
function escapeBlock(m: Machine, b: Alloc): void {
  const w = m.mut(b);
  w.escaped = true;
  for (const x of w.fields.values()) reachable(m, x, 0);
}

/**
 * The stack blocks a memory cell's content points into escape: a pointer
 * value, or the pointers a primitive's state holds (an xarray's entries),
 * found by walking its properties.
 */
function reachable(m: Machine, x: unknown, depth: number): void {
  if (typeof x !== 'object' || x === null || depth > 8) return;
  const v = x as Value;
  if (typeof v === 'object' && v.t === 'p') {
    const c = m.state.heap.get(v.a);
    if (c !== undefined && c.kind === 'stack' && c.escaped !== true) escapeBlock(m, c);
    return;
  }
  if (!isPrim(x) && !Array.isArray(x)) return;
  for (const y of Object.values(x)) reachable(m, y, depth + 1);
}
