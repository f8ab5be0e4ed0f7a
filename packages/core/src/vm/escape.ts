/**
 * Escape of a task's stack blocks: whether another task can hold a pointer
 * into one, which decides whether the task's returns are visible steps.
 *
 * A frame's addressable locals live in a stack block (Machine.pushFrame) that
 * goes when the frame returns. Another task that got a pointer into it (a
 * completion or a list node on the stack, published through shared memory)
 * may access it after that, KASAN's stack-use-after-return, so the return is
 * a scheduling point that DPOR orders against such accesses
 * (./lower-visible.ts lowerVisibleReturn). A return is also a point between
 * the task's private accesses to its blocks at which another task's access to
 * one of them can come (every step of the task writes its stack key:
 * sched/events.ts toEvent). But another task can only reach a block through
 * a pointer its owner let out, and most tasks never let one out (an ioctl's
 * `struct iommu_destroy cmd`, an `XA_STATE` on the stack). While none of a
 * task's live blocks has escaped, a return touches nothing any other task can
 * touch in any interleaving and separates nothing another task can observe,
 * so it runs inside the task's burst like any other private instruction: the
 * thread-local (escape) reduction of explicit-state model checkers, decided
 * here dynamically, per task and per execution ({@link stackEscaped}).
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
 * task reads. Only the owner can let the first pointer into its blocks out,
 * so whether a return is a step depends on its own task's history alone, and
 * an escaped block stays escaped until its frame returns: a task that stopped
 * before a visible return finds it visible when scheduled.
 *
 * What it saves: on the model, the returns of the ioctls' argument blocks
 * (8% of the steps of the 3-thread benchmark; docs/scheduler.md,
 * "Dependencies").
 */
import type { Alloc, Thread } from '../state/state.js';
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

/**
 * Has one of `t`'s live stack blocks escaped? Then its returns are steps: an
 * access by another task may come between its private accesses before and
 * after one.
 */
export function stackEscaped(m: Machine, t: Thread): boolean {
  const frames = t.frames;
  for (let i = frames.length - 1; i >= 0; i--) {
    const s = frames[i]!.stack;
    if (s !== 0 && m.state.heap.get(s)?.escaped === true) return true;
  }
  return false;
}

/** Stack block `b` escapes, and so does every stack block a pointer stored in it reaches. */
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
  const v = x as Extract<Value, object>;
  if (v.t === 'p') {
    const c = m.state.heap.get(v.a);
    if (c !== undefined && c.kind === 'stack' && c.escaped !== true) escapeBlock(m, c);
    return;
  }
  if (!isPrim(x) && !Array.isArray(x)) return;
  for (const y of Object.values(x)) reachable(m, y, depth + 1);
}
