/**
 * A watch on the rule stateful DPOR's projected key rests on
 * (sched/projection.ts): every KCSAN access of a scenario thread is on one
 * of the dependency keys of the step it is made in, as the step's event
 * records it in a summary (a read, write or addition; not a lock
 * acquisition's own key, not a step that never races), and a plain one is
 * among the step's plain keys too.
 */
import type { Deps } from '../../src/kernel/api.js';

/** The methods the watch wraps (the Machine class, from the sources or a build). */
interface Watched {
  prototype: {
    deps(tid: number, killed?: boolean): Deps;
    kcsanAccess(t: { tid: number }, key: string, ...rest: unknown[]): void;
    kcsanAdd(t: { tid: number }, key: string, ...rest: unknown[]): void;
  };
}

/**
 * Counts of KCSAN accesses on their step's keys (`ok`), not (`bad`, with the first few), and made with no
 * step's dependencies asked for first (`unasked`: the rule could not be checked).
 */
export interface KeyWatch {
  ok: number;
  bad: string[];
  unasked: number;
  /** Put the methods back. */
  stop(): void;
}

/** Watch every machine of class `M` from now until `stop`. */
export function watchKcsanKeys(M: Watched): KeyWatch {
  const p = M.prototype;
  const deps = p.deps;
  const access = p.kcsanAccess;
  const add = p.kcsanAdd;
  const own = (['deps', 'kcsanAccess', 'kcsanAdd'] as const).filter((n) => Object.hasOwn(p, n));
  // per machine and thread, the dependencies of its pending step (the explorer asks for them before it runs it)
  const pending = new WeakMap<object, Map<number, Deps>>();
  const w: KeyWatch = {
    ok: 0,
    bad: [],
    unasked: 0,
    stop() {
      p.deps = deps;
      p.kcsanAccess = access;
      p.kcsanAdd = add;
      // an inherited method goes back to being inherited
      for (const n of ['deps', 'kcsanAccess', 'kcsanAdd'] as const)
        if (!own.includes(n)) delete (p as Partial<typeof p>)[n];
    },
  };
  const check = (m: object & { nworkers?: number }, tid: number, key: string, marked: boolean) => {
    if (tid >= (m.nworkers ?? 0)) return;
    const d = pending.get(m)?.get(tid);
    if (!d) {
      w.unasked++;
      return;
    }
    const on = d.reads.includes(key) || d.writes.includes(key) || (d.adds ?? []).includes(key);
    // a plain access is said to be one (Deps.plain: a marked entry of another thread can race with it)
    if (on && !d.noRace && !(d.acq === key && !d.acqTry) && (marked || (d.plain ?? []).includes(key))) w.ok++;
    else if (w.bad.length < 10) w.bad.push(`${key} (deps ${JSON.stringify(d)})`);
  };
  p.deps = function (this: object, tid: number, killed?: boolean) {
    const d = deps.call(this, tid, killed);
    let m = pending.get(this);
    if (!m) pending.set(this, (m = new Map()));
    m.set(tid, d);
    return d;
  };
  p.kcsanAccess = function (this: object & { nworkers?: number }, t, key, ...rest) {
    // (kcsanAccess(t, key, write, marked, what, value))
    check(this, t.tid, key, rest[1] === true);
    return access.call(this, t, key, ...rest);
  };
  p.kcsanAdd = function (this: object & { nworkers?: number }, t, key, ...rest) {
    check(this, t.tid, key, true);
    return add.call(this, t, key, ...rest);
  };
  return w;
}
