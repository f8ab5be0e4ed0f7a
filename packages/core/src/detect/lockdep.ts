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
import type { Alloc, HeldLock, Site, Thread } from '../state/state.js';
import type { ReportCtx } from './ctx.js';
import { type ChargeCtx, type Finding, finding, where } from './finding.js';

/** A lock-class dependency, with where it was seen (LockdepGraph.edges gives them as plain data). */
export interface Edge {
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
  /** Every edge in the order it was added ({@link edges} hands out the ones after a count). */
  private order: Edge[] = [];
  private reported = new Set<string>();

  /** The dependencies recorded, as [from, to] lock-class pairs (the graph's shape, without its sites). */
  pairs(): [string, string][] {
    const out: [string, string][] = [];
    for (const [from, m] of this.out) for (const to of m.keys()) out.push([from, to]);
    return out;
  }

  /**
   * The dependencies (plain data: sites with their stacks, for another
   * thread) in the order they were added, from the `skip`-th on.
   */
  edges(skip = 0): Edge[] {
    return this.order
      .slice(skip)
      .map((e) => ({ ...e, heldSite: plainSite(e.heldSite), acqSite: plainSite(e.acqSite) }));
  }

  /** The cycles reported so far (their ids), in order. */
  reportedCycles(): string[] {
    return [...this.reported];
  }

  /** Forget everything, then hold `edges` ({@link edges} of another graph) and its reported cycles. */
  seed(edges: readonly Edge[], reported: readonly string[]): void {
    this.out.clear();
    this.order = [];
    this.reported.clear();
    this.add(edges, reported);
  }

  /**
   * Add `edges` (new ones, in the order another graph that started from this
   * one added them) and reported cycles: that graph's state, here (sched/split.ts).
   */
  add(edges: readonly Edge[], reported: readonly string[]): void {
    for (const e of edges) {
      let m = this.out.get(e.from);
      if (!m) this.out.set(e.from, (m = new Map()));
      if (m.has(e.to)) continue;
      m.set(e.to, e);
      this.order.push(e);
    }
    for (const r of reported) this.reported.add(r);
  }

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
  acquire(
    ctx: ChargeCtx,
    held: readonly HeldLock[],
    cls: string,
    name: string,
    site: Site,
    schedule: () => number[] = () => [],
  ): Finding | undefined {
    let found: Finding | undefined;
    for (const h of held) {
      if (h.cls === cls) continue; // recursion is reported by the caller
      let m = this.out.get(h.cls);
      if (!m) {
        m = new Map();
        this.out.set(h.cls, m);
      }
      if (m.has(cls)) continue;
      const edge: Edge = {
        from: h.cls,
        to: cls,
        fromName: h.name,
        toName: name,
        heldSite: h.site,
        acqSite: site,
        schedule: schedule(),
      };
      // a path cls ->* h.cls closes a cycle with the new edge
      const path = this.path(cls, h.cls);
      m.set(cls, edge);
      this.order.push(edge);
      if (path && !found) found = this.report(ctx, [...path, edge]);
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
        while (c !== a) {
          const e = prev.get(c)!;
          p.unshift(e);
          c = e.from;
        }
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

  private report(ctx: ChargeCtx, cycle: Edge[]): Finding | undefined {
    const id = cycle
      .map((e) => e.from)
      .sort()
      .join(',');
    if (this.reported.has(id)) return undefined;
    this.reported.add(id);
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
    chain
      .slice()
      .reverse()
      .forEach((e, i) => {
        details.push(`-> #${chain.length - i} (${e.toName}):`);
        details.push(`       taken while holding ${e.fromName} by ${e.acqSite.task} at ${where(e.acqSite.stack)}`);
      });
    details.push(`-> #0 (${closing.toName}):`);
    details.push(
      `       taken while holding ${closing.fromName} by ${closing.acqSite.task} at ${where(closing.acqSite.stack)}`,
    );
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
    // the counterexample is a set of executions, one per dependency (the closing one last)
    const schedules: number[][] = [];
    for (const e of cycle) if (!schedules.some((x) => x.join() === e.schedule.join())) schedules.push(e.schedule);
    const f = finding(ctx, 'lock-order', 'WARNING: possible circular locking dependency detected', {
      sites: cycle.flatMap((e) => [
        [`lock(${e.fromName})`, e.heldSite] as const,
        [`lock(${e.toName}) while holding ${e.fromName}`, e.acqSite] as const,
      ]),
      details,
      key: [
        cycle
          .map((e) => e.from)
          .sort()
          .join(','),
      ],
    });
    return { schedules, ...f };
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length);
}

// ------------------------------------------------------------------ lock misuse (lockdep's other splats)

/** `BUG: sleeping function called from invalid context` (CONFIG_DEBUG_ATOMIC_SLEEP): `what` may sleep under a spinlock. */
export function mightSleep(k: ReportCtx, t: Thread, what: string): void {
  const spin = t.held.find((h) => h.kind === 'spin');
  if (!spin) return;
  const s = k.site(t);
  k.report(
    finding(
      k,
      'lock-misuse',
      `BUG: sleeping function called from invalid context at ${s.stack[0]?.file}:${s.stack[0]?.line}`,
      {
        sites: [
          [what, s],
          [`lock(${spin.name})`, spin.site],
        ],
        details: [
          `${what} may sleep, but ${t.name} holds ${spin.name} (a spinlock, taken at ${where(spin.site.stack)})`,
          'in_atomic(): 1, irqs_disabled(): 0',
        ],
        key: ['sleep-in-atomic', where(s.stack)],
      },
    ),
  );
}

/**
 * `WARNING: possible recursive locking detected`: `t` takes `clsName` while
 * holding `h`, the same lock (`same`: fatal, the task waits for itself) or
 * another lock of its class. A `reader` reading an rwlock_t it reads (both
 * acquisitions shared) is reported and not fatal: it gets in unless a writer
 * queued between the two.
 */
export function recursiveLock(
  k: ReportCtx,
  t: Thread,
  h: HeldLock,
  same: boolean,
  clsName: string,
  what: string,
  reader = false,
): void {
  const s = k.site(t);
  k.report(
    finding(k, 'lock-misuse', 'WARNING: possible recursive locking detected', {
      sites: [
        [`lock(${h.name})`, h.site],
        [what, s],
      ],
      details: [
        `${t.name} is trying to acquire lock:`,
        `  (${clsName}) at: ${where(s.stack)}`,
        '',
        'but task is already holding lock:',
        `  (${h.name}) at: ${where(h.site.stack)}`,
        '',
        ' Possible unsafe locking scenario:',
        '',
        '       CPU0',
        '       ----',
        `  lock(${h.name});`,
        `  lock(${clsName});`,
        '',
        ' *** DEADLOCK ***',
        '',
        same && !reader
          ? 'The task takes a lock it already holds and waits for itself forever.'
          : same
            ? 'A reader taking the lock again waits for itself once a writer queues between the two.'
            : ' May be due to missing lock nesting notation',
      ],
      fatal: same && !reader,
      key: ['recursive', where(s.stack)],
    }),
  );
}

/** `WARNING: bad unlock balance detected!`: `t` releases `name`, which it does not hold. */
export function badUnlock(k: ReportCtx, t: Thread, name: string, what: string): void {
  const s = k.site(t);
  k.report(
    finding(k, 'lock-misuse', 'WARNING: bad unlock balance detected!', {
      sites: [[what, s]],
      details: [
        `${t.name} is trying to release lock (${name}) at:`,
        `  ${where(s.stack)}`,
        'but there are no more locks to release!',
      ],
      key: ['bad-unlock', where(s.stack)],
    }),
  );
}

/** `WARNING: lock held when returning to user space!`: one finding per lock `t` still holds as it ends. */
export function heldOnReturn(k: ReportCtx, t: Thread): void {
  for (const h of t.held) {
    k.report(
      finding(k, 'lock-misuse', 'WARNING: lock held when returning to user space!', {
        sites: [[`lock(${h.name})`, h.site]],
        details: [
          `${t.name} is leaving the kernel with locks still held!`,
          `1 lock held by ${t.name}:`,
          ` #0: (${h.name}) taken at ${where(h.site.stack)}`,
        ],
        key: ['held-on-return', where(h.site.stack)],
      }),
    );
  }
}

/** `BUG: held lock freed!` (debug_check_no_locks_freed): `t` frees `a` while some task holds a lock inside it. */
export function heldLockFreed(k: ReportCtx, t: Thread, threads: readonly Thread[], a: Alloc, name: string): void {
  for (const th of threads) {
    const h = th.held.find((x) => x.key.startsWith(`${a.id}:`));
    if (!h) continue;
    const s = k.site(t);
    k.report(
      finding(k, 'lock-misuse', 'BUG: held lock freed!', {
        sites: [
          [name, s],
          [`lock(${h.name})`, h.site],
        ],
        details: [
          `${t.name} is freeing memory ${k.allocName(a.id)}, with a lock still held there!`,
          ` (${h.name}) held by ${th.name}, taken at ${where(h.site.stack)}`,
        ],
        key: ['held-lock-freed', where(s.stack)],
      }),
    );
    return;
  }
}

/** lockdep_assert_held() (`want`) or lockdep_assert_not_held() failed for `text`. */
export function assertHeld(k: ReportCtx, t: Thread, want: boolean, text: string): void {
  const s = k.site(t);
  const f = s.stack[0];
  const macro = want ? 'lockdep_assert_held' : 'lockdep_assert_not_held';
  k.report(
    finding(
      k,
      'lock-misuse',
      `WARNING: CPU: 0 PID: ${t.tid + 1} at ${f?.file}:${f?.line} ${f?.fn} (${macro}(${text}))`,
      {
        sites: [[`lockdep_assert_held(${text})`, s]],
        details: [
          `${t.name} ${want ? 'does not hold' : 'holds'} ${text}`,
          `locks held by ${t.name}: ${t.held.map((h) => h.name).join(', ') || 'none'}`,
        ],
        key: ['assert-held', where(s.stack)],
      },
    ),
  );
}

/** A site as plain data (a lazily built one's stack made). */
function plainSite(s: Site): Site {
  return { task: s.task, tid: s.tid, step: s.step, stack: s.stack };
}
