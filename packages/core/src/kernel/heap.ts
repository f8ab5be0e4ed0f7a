/**
 * The slab heap with KASAN-style poisoning: kmalloc/kzalloc allocate, kfree
 * poisons. Freed memory is never reused, so every later access is reported
 * as a use-after-free with the allocation and free stacks, every second free
 * as a double-free, and freeing anything that is not the start of a heap
 * object as an invalid-free (mm/kasan/report.c titles).
 *
 * All memory reads as zero until written (kmalloc included: the model has no
 * uninitialised-memory detector).
 */
import type { Thread } from '../vm/state.js';
import type { Machine } from '../vm/machine.js';
import { type Value, showValue } from '../vm/values.js';
import type { BuiltinImpl, BuiltinInstr, BuiltinTable } from './api.js';
import { Fault } from './api.js';
import { mightSleep } from './locking.js';
import { siteToAccess, where } from '../detect/finding.js';

const __GFP_DIRECT_RECLAIM = 0x400;

function allocImpl(sizeArg: number, countArg: number | null, gfpArg: number): BuiltinImpl {
  return {
    kind: 'pure',
    exec(m, t, a, ins) {
      const gfp = a[gfpArg];
      if (typeof gfp === 'number' && gfp & __GFP_DIRECT_RECLAIM) mightSleep(m, t, `${ins.name}(GFP_KERNEL)`);
      const size = typeof a[sizeArg] === 'number' ? (a[sizeArg] as number) : 0;
      const n = countArg === null ? 1 : typeof a[countArg] === 'number' ? (a[countArg] as number) : 1;
      return m.allocate(t, Math.max(1, size * n), ins.extra?.typeName, ins.name);
    },
  };
}

function freeImpl(name: string): BuiltinImpl {
  return {
    kind: 'step',
    deps: (m, _t, a) => {
      const p = a[0]!;
      if (typeof p === 'object' && p.t === 'p') return { reads: [], writes: [`${p.a}:*`] };
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

function kfree(m: Machine, t: Thread, p: Value, name: string, ins: BuiltinInstr): void {
  const s = m.site(t);
  const fn = s.stack[0]?.fn ?? '?';
  const invalid = (why: string) => {
    m.report({
      kind: 'invalid-free', title: `BUG: KASAN: invalid-free in ${fn}`,
      details: [`${name}(${ins.extra?.argText?.[0] ?? ''}): ${why}`, ...s.stack.map((f) => ` ${f.fn} (${f.file}:${f.line})`)],
      accesses: [siteToAccess(`${name}(${showValue(p, (x) => m.allocName(x))})`, s)], objects: [], fatal: true,
      key: `invalid-free:${where(s.stack)}`, origin: m.originOf([s]),
    });
    throw new Fault('invalid free');
  };
  if (typeof p !== 'object' || p.t !== 'p') return invalid(`${showValue(p)} is not a heap object`);
  const a = m.state.heap.get(p.a);
  if (!a) return invalid('the pointer points into a stack frame that has returned');
  if (a.kind !== 'heap') return invalid(`${a.kind === 'global' ? 'a global variable' : 'a stack variable'} (${a.name}) is not heap memory`);
  if (p.o !== 0) return invalid(`the pointer points inside ${m.allocName(a.id)} (at ${m.where(a.id, p.o)}), not to its start`);
  if (a.freeSite) {
    const sites = [s, a.freeSite];
    m.report({
      kind: 'double-free', title: `BUG: KASAN: double-free in ${fn}`,
      details: [
        `Free of ${m.allocName(a.id)}${a.type ? ` (struct ${a.type})` : ''} by task ${t.name}:`,
        ...s.stack.map((f) => ` ${f.fn} (${f.file}:${f.line})`), '',
        `Allocated by task ${a.allocSite?.task ?? '?'}:`, ...(a.allocSite?.stack ?? []).map((f) => ` ${f.fn} (${f.file}:${f.line})`), '',
        `Freed by task ${a.freeSite.task}:`, ...a.freeSite.stack.map((f) => ` ${f.fn} (${f.file}:${f.line})`),
      ],
      accesses: [siteToAccess(name, s)],
      alloc: a.allocSite ? siteToAccess('kmalloc', a.allocSite) : undefined,
      free: siteToAccess('kfree', a.freeSite),
      objects: [m.snapshot(a.id)!].filter(Boolean), fatal: true,
      key: `double-free:${where(s.stack)}:${where(a.freeSite.stack)}`, origin: m.originOf(sites),
    });
    throw new Fault('double free');
  }
  // lockdep: "held lock freed!"
  for (const th of m.state.threads) {
    const h = th.held.find((x) => x.key.startsWith(`${a.id}:`));
    if (h) {
      m.report({
        kind: 'lock-misuse', title: 'BUG: held lock freed!',
        details: [`${t.name} is freeing memory ${m.allocName(a.id)}, with a lock still held there!`, ` (${h.name}) held by ${th.name}, taken at ${where(h.site.stack)}`],
        accesses: [siteToAccess(name, s), siteToAccess(`lock(${h.name})`, h.site)], objects: [], fatal: false,
        key: `lock-misuse:held-lock-freed:${where(s.stack)}`, origin: m.originOf([s, h.site]),
      });
      break;
    }
  }
  m.mut(a).freeSite = s;
}

export const HEAP: BuiltinTable = {
  kmalloc: allocImpl(0, null, 1),
  kzalloc: allocImpl(0, null, 1),
  kvzalloc: allocImpl(0, null, 1),
  kvmalloc: allocImpl(0, null, 1),
  kcalloc: allocImpl(1, 0, 2),
  kmalloc_array: allocImpl(1, 0, 2),
  kfree: freeImpl('kfree'),
  kvfree: freeImpl('kvfree'),
};
