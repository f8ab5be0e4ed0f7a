/**
 * lockdep: the lock-class dependency graph, built over every explored
 * execution, and its cycle check (Documentation/locking/lockdep-design.rst).
 *
 * A class is what lockdep keys a lock by: the site that initialised it
 * (`mutex_init(&igroup->lock)` gives the class `&igroup->lock`), or the name of
 * a statically defined lock. Acquiring class B while holding class A adds the
 * edge A -> B; an edge that closes a cycle is a possible deadlock even if no
 * explored execution deadlocked, and is reported with lockdep's CPU0/CPU1
 * "Possible unsafe locking scenario" table.
 */
import type { HeldLock, Site } from '../vm/state.js';
import { type Finding, siteToAccess, where } from './finding.js';

interface Edge {
  from: string;
  to: string;
  fromName: string;
  toName: string;
  /** Where the held lock was taken and where the new one was acquired. */
  heldSite: Site;
  acqSite: Site;
  /** The schedule of the execution that showed this dependency, up to the acquisition. */
  schedule: number[];
}

/** The lock dependency graph; one per exploration (it outlives executions). */
export class LockdepGraph {
  private out = new Map<string, Map<string, Edge>>();
  private reported = new Set<string>();

  /** Number of distinct dependencies recorded. */
  get size(): number {
    let n = 0;
    for (const m of this.out.values()) n += m.size;
    return n;
  }

  /**
   * Record `held -> acquiring` for every held lock. Returns a lock-order
   * finding when a new edge closes a cycle that was not reported before.
   */
  acquire(held: readonly HeldLock[], cls: string, name: string, site: Site, origin: (sites: Site[]) => 'learner' | 'model', schedule: () => number[] = () => []): Finding | undefined {
    let found: Finding | undefined;
    for (const h of held) {
      if (h.cls === cls) continue; // recursion is reported by the caller
      let m = this.out.get(h.cls);
      if (!m) { m = new Map(); this.out.set(h.cls, m); }
      if (m.has(cls)) continue;
      const edge: Edge = { from: h.cls, to: cls, fromName: h.name, toName: name, heldSite: h.site, acqSite: site, schedule: schedule() };
      // a path cls ->* h.cls closes a cycle with the new edge
      const path = this.path(cls, h.cls);
      m.set(cls, edge);
      if (path && !found) found = this.report([...path, edge], origin);
    }
    return found;
  }

  /** Edges of a path from `a` to `b` (BFS), or undefined. */
  private path(a: string, b: string): Edge[] | undefined {
    const prev = new Map<string, Edge>();
    const seen = new Set([a]);
    const q = [a];
    while (q.length) {
      const x = q.shift()!;
      if (x === b) {
        const p: Edge[] = [];
        let c = b;
        while (c !== a) { const e = prev.get(c)!; p.unshift(e); c = e.from; }
        return p;
      }
      for (const [y, e] of this.out.get(x) ?? []) {
        if (seen.has(y)) continue;
        seen.add(y);
        prev.set(y, e);
        q.push(y);
      }
    }
    return undefined;
  }

  private report(cycle: Edge[], origin: (sites: Site[]) => 'learner' | 'model'): Finding | undefined {
    const key = 'lock-order:' + cycle.map((e) => e.from).sort().join(',');
    if (this.reported.has(key)) return undefined;
    this.reported.add(key);
    const closing = cycle[cycle.length - 1]!;
    // the new edge: task holds `closing.from`, acquires `closing.to`
    const details: string[] = [];
    details.push(`${closing.acqSite.task} is trying to acquire lock:`);
    details.push(`  (${closing.toName}) at: ${where(closing.acqSite.stack)}`);
    details.push('');
    details.push('but task is already holding lock:');
    details.push(`  (${closing.fromName}) at: ${where(closing.heldSite.stack)}`);
    details.push('');
    details.push('which lock already depends on the new lock.');
    details.push('');
    details.push('the existing dependency chain (in reverse order) is:');
    const chain = cycle.slice(0, -1);
    chain.slice().reverse().forEach((e, i) => {
      details.push(`-> #${chain.length - i} (${e.toName}):`);
      details.push(`       taken while holding ${e.fromName} by ${e.acqSite.task} at ${where(e.acqSite.stack)}`);
    });
    details.push(`-> #0 (${closing.toName}):`);
    details.push(`       taken while holding ${closing.fromName} by ${closing.acqSite.task} at ${where(closing.acqSite.stack)}`);
    details.push('');
    if (cycle.length > 2) {
      details.push('other info that might help us debug this:');
      details.push('Chain exists of:');
      details.push('  ' + [closing.toName, ...chain.map((e) => e.toName)].join(' --> '));
      details.push('');
    }
    // CPU0 holds the chain's first lock and wants the last; CPU1 the reverse
    const a = closing.fromName;
    const b = closing.toName;
    details.push(' Possible unsafe locking scenario:');
    details.push('');
    details.push(pad('       CPU0', 32) + 'CPU1');
    details.push(pad('       ----', 32) + '----');
    details.push(`  lock(${a});`);
    details.push(pad('', 32) + `lock(${b});`);
    details.push(pad('', 32) + `lock(${cycle.length > 2 ? chain[chain.length - 1]!.fromName : a});`);
    details.push(`  lock(${b});`);
    details.push('');
    details.push(' *** DEADLOCK ***');
    const sites = cycle.flatMap((e) => [e.heldSite, e.acqSite]);
    // the counterexample is a set of executions, one per dependency (the closing one last)
    const schedules: number[][] = [];
    for (const e of cycle) if (!schedules.some((x) => x.join() === e.schedule.join())) schedules.push(e.schedule);
    return {
      schedules,
      kind: 'lock-order',
      title: 'WARNING: possible circular locking dependency detected',
      details,
      accesses: cycle.flatMap((e) => [
        siteToAccess(`lock(${e.fromName})`, e.heldSite),
        siteToAccess(`lock(${e.toName}) while holding ${e.fromName}`, e.acqSite),
      ]),
      objects: [],
      fatal: false,
      key,
      origin: origin(sites),
    };
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length);
}
