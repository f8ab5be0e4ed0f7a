/**
 * Findings: what the kernel's own tools would print, with the accesses and
 * call stacks involved and (filled in by the explorer) the schedule that
 * reaches them.
 */
import type { InjectedFault, Injection } from '../state/fault.js';
import type { Site, StackFrame } from '../state/state.js';

/** Finding kinds. See docs/findings.md for the kernel analogue of each. */
export type FindingKind =
  | 'use-after-free'
  | 'double-free'
  | 'invalid-free'
  | 'null-deref'
  | 'bad-pointer'
  | 'deadlock'
  | 'lock-order'
  | 'lock-misuse'
  | 'stall'
  | 'refcount'
  | 'warn'
  | 'data-race'
  | 'leak'
  | 'assert'
  | 'livelock'
  | 'oops'
  | 'contract'
  | 'invariant';

export const FINDING_KINDS: readonly FindingKind[] = [
  'use-after-free',
  'double-free',
  'invalid-free',
  'null-deref',
  'bad-pointer',
  'deadlock',
  'lock-order',
  'lock-misuse',
  'stall',
  'refcount',
  'warn',
  'data-race',
  'leak',
  'assert',
  'livelock',
  'oops',
  'contract',
  'invariant',
];

/** One access (or event) involved in a finding, with its call stack. */
export interface FindingAccess {
  /** What happened, e.g. `read of idev->vdev`, `kfree`, `mutex_lock(&igroup->lock)`. */
  what: string;
  task: string;
  tid: number;
  /** Visible step number in the execution (0-based), or -1 when unknown. */
  step: number;
  stack: StackFrame[];
}

/** An object involved in a finding, as it was at the finding's step. */
export interface ObjectSnapshot {
  name: string;
  type?: string;
  state: 'live' | 'freed';
  /** Refcounts and other interesting fields (users, wait_cnt, ...). */
  fields: Record<string, string>;
}

export interface Finding {
  kind: FindingKind;
  /** Kernel-style first line, e.g. `BUG: KASAN: slab-use-after-free in iommufd_vdevice_destroy`. */
  title: string;
  /** Further report lines (the splat body). */
  details: string[];
  accesses: FindingAccess[];
  /** KASAN: where the object was allocated and freed. */
  alloc?: FindingAccess;
  free?: FindingAccess;
  objects: ObjectSnapshot[];
  /** Execution stops at a fatal finding (an oops). */
  fatal: boolean;
  /** Deduplication key: kind plus the source sites involved. */
  key: string;
  /** Who is charged: learner code, or the model's kernel code (reported apart): see {@link chargedTo}. */
  origin: Origin;
  /** Filled by the explorer: the schedule (thread ids, one per visible step) reaching it. */
  schedule?: number[];
  /**
   * lock-order only: the executions whose dependencies form the cycle (the
   * closing one last). Replaying them in order rebuilds lockdep's graph.
   */
  schedules?: number[][];
  /**
   * The fault plan of the exploration that found it (absent: no failure was
   * injected). Replaying needs it as much as the schedule.
   */
  faults?: InjectedFault[];
  /** The failures injected on the way to it (the text report and the trace show each as a row). */
  injected?: Injection[];
  /** Replay token of `schedule` (for lock-order: of `schedules`, comma-separated), after the fault plan if any. */
  token?: string;
  /** Preemptions and context switches in `schedule`. */
  preemptions?: number;
  switches?: number;
  /**
   * Present (false) when the budget ran out before this finding's schedule was
   * minimised: it is a real counterexample, maybe not the smallest
   * (docs/scheduler.md, "Budgets").
   */
  minimised?: false;
}

export function siteToAccess(what: string, s: Site): FindingAccess {
  return { what, task: s.task, tid: s.tid, step: s.step, stack: s.stack };
}

/** `fn (file:line)` of the innermost frame. */
export function where(stack: StackFrame[]): string {
  const f = stack[0];
  return f ? `${f.fn} (${f.file}:${f.line})` : '?';
}

/** Who is charged for a finding: the learner, or the model's kernel code (reported apart). */
export type Origin = 'learner' | 'model';

/** What the charging rule needs to know: which files are the learner's. */
export interface ChargeCtx {
  isLearnerFile(name: string): boolean;
}

/**
 * The charging rule, in one place: a finding is the model's only when the
 * innermost frame of every site involved lies in model (prelude or harness)
 * code; a site with no frame, or whose innermost frame is in a learner file,
 * charges the learner. See docs/grading.md ("who is charged").
 */
export function chargedTo(ctx: ChargeCtx, sites: readonly Site[]): Origin {
  for (const s of sites) {
    const f = s.stack[0];
    if (!f || ctx.isLearnerFile(f.file)) return 'learner';
  }
  return 'model';
}

/** How a detector or primitive describes a finding; {@link finding} derives the rest. */
export interface FindingSpec {
  /** The accesses or events involved, each as `[what, site]`; the first is the one that faulted. */
  sites: readonly (readonly [what: string, site: Site])[];
  /** The report body, line by line. */
  details: string[];
  /** Objects as they were at the finding's step. */
  objects?: ObjectSnapshot[];
  /** KASAN: where the object was allocated and freed (shown as `kmalloc` and `kfree`). */
  alloc?: Site;
  free?: Site;
  /** Ends the execution (an oops). Default false. */
  fatal?: boolean;
  /**
   * What tells this finding apart from others of its kind (deduplication):
   * default, the innermost frame of the first site.
   */
  key?: readonly string[];
  /** The key's first part when it is not the kind (`oob`, `use-after-return`). */
  keyTag?: string;
  /**
   * The sites that decide who is charged (default: every site of `sites`), or
   * `'learner'` for findings about what the scenario's harness checks.
   */
  charge?: readonly Site[] | 'learner';
}

/** The deduplication key of a finding: its kind (or key tag) and the key parts, joined by ':'. */
export function findingKey(tag: string, parts: readonly string[]): string {
  return [tag, ...parts].join(':');
}

/**
 * Build a finding: accesses from the sites, the deduplication key
 * (`<kind or keyTag>:<key parts joined by ':'>`) and the origin by
 * {@link chargedTo}. Every finding the checker reports is made here.
 */
export function finding(ctx: ChargeCtx, kind: FindingKind, title: string, spec: FindingSpec): Finding {
  const sites = spec.sites.map(([, s]) => s);
  const key = spec.key ?? [spec.sites[0] ? where(spec.sites[0][1].stack) : '?'];
  return {
    kind,
    title,
    details: spec.details,
    accesses: spec.sites.map(([what, s]) => siteToAccess(what, s)),
    alloc: spec.alloc ? siteToAccess('kmalloc', spec.alloc) : undefined,
    free: spec.free ? siteToAccess('kfree', spec.free) : undefined,
    objects: spec.objects ?? [],
    fatal: spec.fatal ?? false,
    key: findingKey(spec.keyTag ?? kind, key),
    origin: spec.charge === 'learner' ? 'learner' : chargedTo(ctx, spec.charge ?? sites),
  };
}

/**
 * Is `a`'s counterexample simpler than `b`'s? Fewer preemptions, then fewer
 * context switches, then fewer steps: the rule by which the explorer keeps
 * one schedule per key, applied across keys.
 */
export function simplerCounterexample(a: Finding, b: Finding): boolean {
  const pa = a.preemptions ?? 0;
  const pb = b.preemptions ?? 0;
  if (pa !== pb) return pa < pb;
  const sa = a.switches ?? 0;
  const sb = b.switches ?? 0;
  if (sa !== sb) return sa < sb;
  return (a.schedule?.length ?? 0) < (b.schedule?.length ?? 0);
}

/**
 * Findings in report order, except that in each group of one kind and title
 * the simplest counterexample ({@link simplerCounterexample}; ties keep the
 * order) takes the group's first place, the others following in order.
 *
 * The first finding of a group is the one a reader (and the grader, which
 * shows one per kind and title) takes for the bug, and report order breaks
 * ties by key, that is alphabetically by code site. One statement can fault
 * on different objects in different interleavings:
 * `mutex_unlock(&a->b->c->lock)` after another thread freed b and c reads
 * `->c` out of the freed b, or, when the thread loaded the pointer to c
 * before the frees, unlocks the freed c's mutex. Both are use-after-frees in
 * the same function, told apart by their free sites; the read through b is
 * the first bad access the bug allows and needs the shorter schedule, and
 * it leads.
 */
export function simplestFirst(findings: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = `${f.kind}\u0000${f.title}`;
    const g = groups.get(k);
    if (g) g.push(f);
    else groups.set(k, [f]);
  }
  const next = new Map<string, Finding[]>();
  for (const [k, g] of groups) {
    let best = 0;
    for (let i = 1; i < g.length; i++) if (simplerCounterexample(g[i]!, g[best]!)) best = i;
    next.set(k, [g[best]!, ...g.filter((_, i) => i !== best)]);
  }
  return findings.map((f) => next.get(`${f.kind}\u0000${f.title}`)!.shift()!);
}
