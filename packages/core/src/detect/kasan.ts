/**
 * KASAN (mm/kasan/report.c): accesses to freed memory, outside an object or a
 * returned stack frame, and frees of memory that is not a live heap object.
 * The heap never reuses memory (kernel/heap.ts), so every access after a
 * kfree is caught, with the allocation and free stacks.
 *
 * Each function files the finding; the caller then ends the execution (all
 * KASAN findings are fatal, as with `kasan.fault=panic`).
 */
import type { Alloc, Site, Thread } from '../state/state.js';
import { type Ptr, type Value, showValue } from '../state/values.js';
import type { DetectCtx, ReportCtx } from './ctx.js';
import { finding, where } from './finding.js';

const fnOf = (s: Site) => s.stack[0]?.fn ?? '?';
const frames = (s: Site | undefined) => (s?.stack ?? []).map((f) => ` ${f.fn} (${f.file}:${f.line})`);
const typed = (k: ReportCtx, a: Alloc) => `${k.allocName(a.id)}${a.type ? ` (struct ${a.type})` : ''}`;
const region = (a: Alloc | undefined) => (a?.kind === 'global' ? 'global' : a?.kind === 'stack' ? 'stack' : 'slab');

/** `BUG: KASAN: slab-use-after-free`: `t` accessed freed object `a` (`what`: `read of idev->vdev`). */
export function useAfterFree(k: ReportCtx, t: Thread, a: Alloc, what: string): void {
  const s = k.site(t);
  const details = [
    `${what} by task ${t.name}`,
    '',
    ...frames(s),
    '',
    `Allocated by task ${a.allocSite?.task ?? '?'}:`,
    ...frames(a.allocSite),
    '',
    `Freed by task ${a.freeSite?.task ?? '?'}:`,
    ...frames(a.freeSite),
    '',
    `The buggy address belongs to the object ${typed(k, a)} of ${a.bytes} bytes`,
  ];
  k.report(
    finding(k, 'use-after-free', `BUG: KASAN: slab-use-after-free in ${fnOf(s)}`, {
      sites: [[what, s]],
      details,
      alloc: a.allocSite,
      free: a.freeSite,
      objects: [k.snapshot(a.id)!].filter(Boolean),
      fatal: true,
      key: [where(s.stack), a.freeSite ? where(a.freeSite.stack) : ''],
      charge: [s, ...(a.freeSite ? [a.freeSite] : [])],
    }),
  );
}

/** `BUG: KASAN: stack-use-after-return`: `v` points into a frame that has returned. */
export function useAfterReturn(k: ReportCtx, t: Thread, v: Value, what: string): void {
  const s = k.site(t);
  k.report(
    finding(k, 'use-after-free', `BUG: KASAN: stack-use-after-return in ${fnOf(s)}`, {
      sites: [[what, s]],
      details: [`${what}: the pointer ${showValue(v)} points into a stack frame that has returned`],
      fatal: true,
      keyTag: 'use-after-return',
    }),
  );
}

/** `BUG: KASAN: slab-out-of-bounds`: `size` bytes at `off` lie outside `a` (a bad container_of, an overrun). */
export function outOfRange(k: ReportCtx, t: Thread, a: Alloc, off: number, size: number, what: string): void {
  const s = k.site(t);
  k.report(
    finding(k, 'bad-pointer', `BUG: KASAN: ${region(a)}-out-of-bounds in ${fnOf(s)}`, {
      sites: [[what, s]],
      details: [`${what}: ${size} bytes at offset ${off} of ${typed(k, a)}, which has ${a.bytes} bytes`],
      objects: [k.snapshot(a.id)!].filter(Boolean),
      fatal: true,
      keyTag: 'oob',
    }),
  );
}

/** `BUG: KASAN: ...-out-of-bounds`: index `i` outside an array of `n` elements at `b`. */
export function outOfBounds(k: DetectCtx, t: Thread, b: Ptr, i: number, n: number): void {
  const s = k.site(t);
  k.report(
    finding(k, 'bad-pointer', `BUG: KASAN: ${region(k.state.heap.get(b.a))}-out-of-bounds in ${fnOf(s)}`, {
      sites: [[`index ${i}`, s]],
      details: [`index ${i} is outside the array of ${n} elements (${k.where(b.a, b.o)})`],
      fatal: true,
      keyTag: 'oob',
    }),
  );
}

/**
 * kfree()'s checks: `BUG: KASAN: invalid-free` for anything but the start of
 * a heap object, `BUG: KASAN: double-free` for a freed one. Returns the
 * object to free, or undefined after filing the (fatal) finding.
 * `call` is the call as written (`kfree(idev)`), `name` the function.
 */
export function checkFree(
  k: ReportCtx,
  t: Thread,
  p: Value,
  a: Alloc | undefined,
  name: string,
  call: string,
): Alloc | undefined {
  const s = k.site(t);
  const invalid = (why: string) => {
    k.report(
      finding(k, 'invalid-free', `BUG: KASAN: invalid-free in ${fnOf(s)}`, {
        sites: [[`${name}(${showValue(p, (x) => k.allocName(x))})`, s]],
        details: [`${call}: ${why}`, ...frames(s)],
        fatal: true,
      }),
    );
    return undefined;
  };
  if (typeof p !== 'object' || p.t !== 'p') return invalid(`${showValue(p)} is not a heap object`);
  if (!a) return invalid('the pointer points into a stack frame that has returned');
  if (a.kind !== 'heap')
    return invalid(`${a.kind === 'global' ? 'a global variable' : 'a stack variable'} (${a.name}) is not heap memory`);
  if (p.o !== 0)
    return invalid(`the pointer points inside ${k.allocName(a.id)} (at ${k.where(a.id, p.o)}), not to its start`);
  if (a.freeSite) {
    k.report(
      finding(k, 'double-free', `BUG: KASAN: double-free in ${fnOf(s)}`, {
        sites: [[name, s]],
        details: [
          `Free of ${typed(k, a)} by task ${t.name}:`,
          ...frames(s),
          '',
          `Allocated by task ${a.allocSite?.task ?? '?'}:`,
          ...frames(a.allocSite),
          '',
          `Freed by task ${a.freeSite.task}:`,
          ...frames(a.freeSite),
        ],
        alloc: a.allocSite,
        free: a.freeSite,
        objects: [k.snapshot(a.id)!].filter(Boolean),
        fatal: true,
        key: [where(s.stack), where(a.freeSite.stack)],
        charge: [s, a.freeSite],
      }),
    );
    return undefined;
  }
  return a;
}
