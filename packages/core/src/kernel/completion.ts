/**
 * struct completion (kernel/sched/completion.c): complete() adds one to
 * `done` and wakes a waiter; complete_all() makes `done` effectively
 * infinite; wait_for_completion() sleeps until `done` is positive and takes
 * one. The timeout variant ends by its timeout only when nothing else can run.
 */
import type { Thread } from '../vm/state.js';
import type { Machine } from '../vm/machine.js';
import type { Value } from '../vm/values.js';
import type { BuiltinImpl, BuiltinTable } from './api.js';
import { COMPLETE_ALL, type CompletionState } from './prim.js';
import { mightSleep } from './locking.js';
import { siteToAccess, where } from '../detect/finding.js';

function comp(m: Machine, t: Thread, p: Value, what: string) {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<CompletionState>(r.alloc, r.off) ?? { p: 'comp' as const, done: 0 };
  return { ...r, s };
}

function peekDone(m: Machine, p: Value): number {
  if (typeof p !== 'object' || p.t !== 'p') return 1;
  const al = m.state.heap.get(p.a);
  if (!al || al.freeSite) return 1;
  return (al.fields.get(p.o) as CompletionState | undefined)?.done ?? 0;
}

function waitImpl(timed: boolean): BuiltinImpl {
  return {
    kind: 'step',
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      return peekDone(m, a[0]!) > 0 ? { reads: [], writes: [k], acq: k } : { reads: [k], writes: [], global: true, noRace: true };
    },
    enabled: (m, _t, a) => peekDone(m, a[0]!) > 0,
    exec(m, t, a, ins) {
      const what = `${ins.name}(${ins.extra?.argText?.[0] ?? ''})`;
      mightSleep(m, t, what);
      const c = comp(m, t, a[0]!, what);
      if (c.s.done <= 0) {
        // only reachable through the timeout (timed) path
        const ms = typeof a[1] === 'number' ? a[1] : 0;
        m.state.jiffies += ms;
        const s = m.site(t);
        m.report({
          kind: 'stall', title: `stall: ${t.name} waited the full ${ms} ms in ${s.stack[0]?.fn ?? '?'}`,
          details: [`${what} returned only through its timeout: nobody called complete().`],
          accesses: [siteToAccess(what, s)], objects: [], fatal: false, key: `stall:${where(s.stack)}`, origin: m.originOf([s]),
        });
        return 0;
      }
      if (c.s.done !== COMPLETE_ALL) m.setPrim(c.alloc, c.off, { p: 'comp', done: c.s.done - 1 });
      m.hbAcquire(t, `comp:${c.key}`);
      return timed ? Math.max(1, typeof a[1] === 'number' ? a[1] : 1) : 0;
    },
  };
}

export const COMPLETION: BuiltinTable = {
  init_completion: {
    kind: 'pure',
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'init_completion');
      m.setPrim(r.alloc, r.off, { p: 'comp', done: 0 });
      return 0;
    },
  },
  reinit_completion: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      const c = comp(m, t, a[0]!, 'reinit_completion');
      m.setPrim(c.alloc, c.off, { p: 'comp', done: 0 });
      return 0;
    },
  },
  complete: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      const c = comp(m, t, a[0]!, 'complete');
      if (c.s.done !== COMPLETE_ALL) m.setPrim(c.alloc, c.off, { p: 'comp', done: c.s.done + 1 });
      m.hbRelease(t, `comp:${c.key}`);
      return 0;
    },
  },
  complete_all: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      const c = comp(m, t, a[0]!, 'complete_all');
      m.setPrim(c.alloc, c.off, { p: 'comp', done: COMPLETE_ALL });
      m.hbRelease(t, `comp:${c.key}`);
      return 0;
    },
  },
  wait_for_completion: waitImpl(false),
  wait_for_completion_interruptible: waitImpl(false),
  wait_for_completion_timeout: waitImpl(true),
  try_wait_for_completion: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      const c = comp(m, t, a[0]!, 'try_wait_for_completion');
      if (c.s.done <= 0) return 0;
      if (c.s.done !== COMPLETE_ALL) m.setPrim(c.alloc, c.off, { p: 'comp', done: c.s.done - 1 });
      m.hbAcquire(t, `comp:${c.key}`);
      return 1;
    },
  },
  completion_done: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [m.keyOf(a[0]!)], writes: [] }),
    exec(m, t, a) {
      return comp(m, t, a[0]!, 'completion_done').s.done > 0 ? 1 : 0;
    },
  },
};
