/**
 * struct rw_semaphore (kernel/locking/rwsem.c, include/linux/rwsem.h, Linux
 * 6.17): a sleeping lock that many readers or one writer hold. iommufd's
 * io_pagetable takes its domains_rwsem and iova_rwsem this way.
 *
 * down_read() sleeps while a writer holds the semaphore; down_write() while
 * anyone holds it. The model has no queue, so a reader is not held back by a
 * writer that is only waiting (the kernel's handoff can do that): a reader
 * re-taking a semaphore it holds, which deadlocks the kernel when a writer
 * queued in between, is reported as lockdep reports it, possible recursive
 * locking. Readers and writers are one lockdep class, and every operation is
 * a write of the semaphore for the scheduler (readers do not commute with
 * the writer they may block, and treating them as dependent is sound).
 * Happens-before: each release publishes to every later acquisition, so two
 * readers are ordered when one released before the other took it.
 */
import type { Thread } from '../state/state.js';
import type { LockClass, PrimState } from '../state/prim.js';
import type { Ptr, Value } from '../state/values.js';
import type { BuiltinSig } from '../lang/builtins.js';
import { INT, VOID } from '../lang/types.js';
import { mightSleep } from '../detect/lockdep.js';
import type { Builtin, BuiltinTable, Deps, KernelCtx, Primitive } from './api.js';
import { acquired, implicitClass, initClass, released } from './locking.js';

export interface RwSemState extends PrimState {
  readonly p: 'rwsem';
  /** The task holding it for write, or -1. */
  readonly writer: number;
  /** The tasks holding it for read. */
  readonly readers: readonly number[];
  readonly cls?: LockClass;
}

type Mode = 'read' | 'write';

const text = (name: string, ins: { extra?: { argText?: string[] } }) => `${name}(${ins.extra?.argText?.[0] ?? ''})`;

function sem(m: KernelCtx, t: Thread, p: Value, what: string) {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<RwSemState>(r.alloc, r.off);
  return { ...r, s: s ?? { p: 'rwsem' as const, writer: -1, readers: [], cls: implicitClass(m, r.alloc.id, r.off) } };
}

/** The state at `p` without faulting (undefined when it is zeroed, freed or no pointer). */
function peek(m: KernelCtx, p: Value): RwSemState | undefined {
  const al = m.peekAlloc(p);
  return al && !al.freeSite ? m.getPrim<RwSemState>(al, (p as Ptr).o) : undefined;
}

/** Can `t` take the semaphore in `mode` now? (Its own holds count: re-taking is reported when it runs.) */
function free(s: RwSemState | undefined, t: Thread, mode: Mode): boolean {
  if (!s) return true;
  const writer = s.writer >= 0 && s.writer !== t.tid;
  if (mode === 'read') return !writer;
  return !writer && s.readers.every((r) => r === t.tid);
}

const lockDeps = (m: KernelCtx, _t: Thread, a: Value[]): Deps => {
  const k = m.keyOf(a[0]!);
  return { reads: [], writes: [k], acq: k };
};

/** Take it: record the holder, then lockdep and happens-before. */
function take(m: KernelCtx, t: Thread, a: Value[], mode: Mode, what: string): void {
  const { alloc, off, key, s } = sem(m, t, a[0]!, what);
  const next: RwSemState = mode === 'read' ? { ...s, readers: [...s.readers, t.tid] } : { ...s, writer: t.tid };
  m.setPrim(alloc, off, next);
  acquired(m, t, key, s.cls ?? implicitClass(m, alloc.id, off), 'sleep', what);
}

function down(mode: Mode): Builtin {
  return {
    kind: 'step',
    deps: lockDeps,
    enabled: (m, t, a) => free(peek(m, a[0]!), t, mode),
    owner(m, t, a) {
      const s = peek(m, a[0]!);
      if (!s) return undefined;
      if (s.writer >= 0) return s.writer;
      return mode === 'write' ? s.readers.find((r) => r !== t.tid) : undefined;
    },
    exec(m, t, a, ins) {
      const what = text(ins.name, ins);
      mightSleep(m, t, what);
      take(m, t, a, mode, what);
      return 0;
    },
  };
}

function tryDown(mode: Mode): Builtin {
  return {
    kind: 'step',
    deps: (m, t, a) => {
      const k = m.keyOf(a[0]!);
      return free(peek(m, a[0]!), t, mode) ? { reads: [], writes: [k], acq: k, acqTry: true } : { reads: [], writes: [k] };
    },
    exec(m, t, a, ins) {
      const what = text(ins.name, ins);
      if (!free(sem(m, t, a[0]!, what).s, t, mode)) return 0;
      take(m, t, a, mode, what);
      return 1;
    },
  };
}

function up(): Builtin {
  return {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a, ins) {
      const what = text(ins.name, ins);
      const { alloc, off, key, s } = sem(m, t, a[0]!, what);
      if (!released(m, t, key, s.cls?.name ?? m.where(alloc.id, off), what)) return 0;
      // whatever this task held goes (up_read of a write hold included: the kernel warns, the model lets go)
      const i = s.readers.indexOf(t.tid);
      const next: RwSemState = { ...s, writer: s.writer === t.tid ? -1 : s.writer, readers: s.readers.filter((_, k) => k !== i) };
      m.setPrim(alloc, off, next);
      return 0;
    },
  };
}

const RWSEM: BuiltinTable = {
  init_rwsem: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'init_rwsem');
      m.setPrim(r.alloc, r.off, { p: 'rwsem', writer: -1, readers: [], cls: initClass(m, ins, '&sem') });
      return 0;
    },
  },
  down_read: down('read'),
  down_write: down('write'),
  down_read_trylock: tryDown('read'),
  down_write_trylock: tryDown('write'),
  up_read: up(),
  up_write: up(),
};

const sig = (min: number, max: number, ret: BuiltinSig['ret']): BuiltinSig => ({ min, max, ret });

/** struct rw_semaphore. */
export const rwsem: Primitive = {
  name: 'rwsem',
  builtins: RWSEM,
  sigs: {
    init_rwsem: sig(1, 1, VOID), down_read: sig(1, 1, VOID), down_write: sig(1, 1, VOID),
    down_read_trylock: sig(1, 1, INT), down_write_trylock: sig(1, 1, INT), up_read: sig(1, 1, VOID), up_write: sig(1, 1, VOID),
  },
  ctype: 'rw_semaphore',
  state: {
    tag: 'rwsem',
    init: (cls): RwSemState => ({ p: 'rwsem', writer: -1, readers: [], cls }),
    show: (s, _k, task) => {
      const r = s as RwSemState;
      if (r.writer >= 0) return `write-locked by ${task(r.writer)}`;
      return r.readers.length ? `read-locked by ${r.readers.map(task).join(', ')}` : 'unlocked';
    },
  },
};
