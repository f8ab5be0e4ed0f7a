/**
 * Triage of a grade report for the results panel (no DOM): the findings
 * charged to the learner, grouped by root cause across scenarios, ordered so
 * that what the learner can act on comes first, each with the learner's own
 * frame and one sentence on what to look at next.
 *
 * Grouping (one card per root cause):
 * - kmemleak: every leak of the report is one card ("N objects never freed"):
 *   leaks are what a failed teardown leaves behind, one per allocation site;
 * - the scenarios' own checks (contract, invariant, assert): one card per
 *   kind, listing each check that failed;
 * - anything else: one card per finding key (kind and code sites), so the
 *   same WARN or stall in five scenarios is one card "in 5 scenarios".
 *
 * Order: findings whose faulting frame is in the learner's file first, then
 * the model's code failing because of it (most severe first), then the
 * scenarios' checks, then the leaks.
 */
import type { GradeReport, GradedFinding, ScenarioResult } from '@teardown/grader';
import type { FindingKind, StackFrame } from '@teardown/core';

/** One finding of one scenario, as a card shows it. */
export interface Instance {
  scenario: ScenarioResult;
  finding: GradedFinding;
}

/** A root cause: one card. */
export interface Card {
  /** Root-cause key (stable across scenarios). */
  key: string;
  kind: FindingKind;
  /** The card's title: the kernel-style title, or a summary for the grouped kinds. */
  title: string;
  /** Every finding of this root cause, in report order (the first is the one the card shows). */
  instances: Instance[];
  /** Ids of the scenarios it occurs in, in report order. */
  scenarios: string[];
  /** The innermost frame in the learner's file of the shown finding, if any. */
  mine?: StackFrame;
  /** One sentence: what to look at next. */
  advice: string;
  /** The order group: 0 in the learner's code, 1 the model failing, 2 the scenarios' checks, 3 leaks. */
  rank: number;
}

/** Kinds that are the scenario's expectations rather than a kernel tool's report. */
const CHECKS: ReadonlySet<FindingKind> = new Set<FindingKind>(['contract', 'invariant', 'assert']);

/** Most severe first, within a rank. */
const SEVERITY: readonly FindingKind[] = [
  'use-after-free',
  'double-free',
  'invalid-free',
  'null-deref',
  'bad-pointer',
  'oops',
  'deadlock',
  'lock-order',
  'lock-misuse',
  'refcount',
  'livelock',
  'warn',
  'stall',
  'data-race',
  'invariant',
  'contract',
  'assert',
  'leak',
];

/** The innermost frame of `f` in file `learner`: the faulting access first, then the other sites. */
export function learnerFrame(f: GradedFinding, learner: string): StackFrame | undefined {
  for (const a of f.accesses) {
    const fr = a.stack.find((x) => x.file === learner);
    if (fr) return fr;
  }
  for (const a of [f.free, f.alloc]) {
    const fr = a?.stack.find((x) => x.file === learner);
    if (fr) return fr;
  }
  return undefined;
}

function rootKey(f: GradedFinding, mine: StackFrame | undefined): string {
  if (f.kind === 'leak') return 'leak';
  if (CHECKS.has(f.kind)) return f.kind;
  // a learner frame makes findings at one line of the learner's code one cause, whatever model site they end in
  if (mine && f.kind !== 'data-race' && f.kind !== 'lock-order') return `${f.kind}@${mine.fn}:${mine.line}`;
  return f.key;
}

const at = (fr: StackFrame | undefined) => (fr ? ` (your ${fr.fn}, line ${fr.line})` : '');

/** One sentence: what to look at next, for a card of `kind` (with the learner's frame when there is one). */
export function advice(kind: FindingKind, mine: StackFrame | undefined, f?: GradedFinding): string {
  const where = f?.accesses[0]?.stack[0];
  switch (kind) {
    case 'use-after-free':
    case 'double-free':
    case 'invalid-free':
      return `Another path freed this object while the code${at(mine)} still used it: compare the free stack with the access, and hold a reference or the lock that keeps it alive until the last use.`;
    case 'null-deref':
    case 'bad-pointer':
    case 'oops':
      return `A pointer was NULL or an error value where it was used${at(mine)}: find which of your functions should have set it, and on which path it is still unset.`;
    case 'deadlock':
      return 'Every thread waits for another: read the wait-for cycle, then take the locks in one order everywhere, or drop one before you wait.';
    case 'lock-order':
      return 'Two paths take the same locks in opposite orders (the CPU0/CPU1 table shows both): pick one order and keep to it.';
    case 'lock-misuse':
      return `A lock is used against its rules${at(mine)}: pair every lock with its unlock on every path, and hold the lock the code asserts.`;
    case 'stall':
      return 'A wait ran to its timeout: a reference it waits for (wait_cnt, a completion) was never given back. Step to the end of the interleaving, see which count is still up, and find where your code should put it.';
    case 'refcount':
      return `A refcount_t went below zero or up from zero${at(mine)}: a get and a put do not pair up; count them along the interleaving.`;
    case 'warn':
      return `A WARN_ON fired in ${where?.fn ?? 'the kernel'}: the kernel found a state it does not expect there. Step to it in the interleaving and see which of your functions left that state.`;
    case 'data-race':
      return 'Two threads touch this field without a common lock and one writes: take the lock that protects it, or mark both accesses (READ_ONCE/WRITE_ONCE) if the race is meant.';
    case 'livelock':
      return `A thread loops without letting anything change${where ? ` (in ${where.fn}, ${where.file}:${where.line})` : ''}: make the loop wait, or let it end.`;
    case 'leak':
      return 'These objects were never freed. Usually a consequence of a failure above (a teardown that gave up): fix those first, then check that every get has its put.';
    case 'contract':
      return 'A system call returned what the scenario does not allow: step through the interleaving to the call and see which state made it succeed or fail.';
    case 'invariant':
      return 'A rule of the exercise broke (the message says which): step to it and look at what your functions did just before.';
    default:
      return 'Open the interleaving and step to the finding: the objects show what the kernel saw.';
  }
}

/** The struct a kmemleak title names (`... (struct iommufd_device) of 80 bytes ...`). */
function leakedType(f: GradedFinding): string {
  return /\((struct \w+)\)/.exec(f.title)?.[1] ?? f.title;
}

function cardTitle(kind: FindingKind, instances: Instance[], mine: StackFrame | undefined): string {
  const first = instances[0]!.finding;
  if (kind === 'leak') {
    const types = [...new Set(instances.map((i) => leakedType(i.finding)))];
    return `kmemleak: ${types.length} object${types.length === 1 ? '' : 's'} never freed (${types.join(', ')})`;
  }
  if (CHECKS.has(kind)) {
    const n = new Set(instances.map((i) => `${i.scenario.id}\u0000${i.finding.key}`)).size;
    if (n === 1) return first.title;
    return `${kind === 'contract' ? 'selftest' : kind}: ${n} checks of the scenarios failed`;
  }
  if (kind === 'livelock') {
    const at = mine ?? first.accesses[0]?.stack[0];
    // the task's name differs per scenario; the loop is the root cause
    const what = first.title.replace(/^livelock: task \S+ /, '');
    return at ? `livelock: ${what}, in ${at.fn} (line ${at.line})` : first.title;
  }
  return first.title;
}

/**
 * The report's charged findings, one card per root cause, in triage order.
 * `learner` is the learner's file name (the report's submission).
 */
export function triage(r: GradeReport, learner: string = r.submission[0] ?? 'submission.c'): Card[] {
  const groups = new Map<string, { instances: Instance[]; mine?: StackFrame; kind: FindingKind }>();
  for (const s of r.scenarios) {
    for (const f of s.findings) {
      const mine = learnerFrame(f, learner);
      const key = rootKey(f, mine);
      const g = groups.get(key);
      if (g) {
        g.instances.push({ scenario: s, finding: f });
        g.mine ??= mine;
      } else groups.set(key, { instances: [{ scenario: s, finding: f }], mine, kind: f.kind });
    }
  }
  const cards: Card[] = [];
  for (const [key, g] of groups) {
    const rank = g.kind === 'leak' ? 3 : CHECKS.has(g.kind) ? 2 : g.mine ? 0 : 1;
    cards.push({
      key,
      kind: g.kind,
      title: cardTitle(g.kind, g.instances, g.mine),
      instances: g.instances,
      scenarios: [...new Set(g.instances.map((i) => i.scenario.id))],
      mine: g.mine,
      advice: advice(g.kind, g.mine, g.instances[0]!.finding),
      rank,
    });
  }
  const sev = (k: FindingKind) => {
    const i = SEVERITY.indexOf(k);
    return i < 0 ? SEVERITY.length : i;
  };
  // stable: report order breaks ties
  return cards
    .map((c, i) => ({ c, i }))
    .sort(
      (a, b) =>
        a.c.rank - b.c.rank ||
        sev(a.c.kind) - sev(b.c.kind) ||
        b.c.scenarios.length - a.c.scenarios.length ||
        a.i - b.i,
    )
    .map(({ c }) => c);
}

/** Where a stack should be folded: each frame is the learner's (`mine`) or not, runs of the others fold. */
export interface StackRun {
  mine: boolean;
  frames: StackFrame[];
}

/** A stack (innermost first) cut into runs of learner and other frames. */
export function stackRuns(stack: readonly StackFrame[], learner: string): StackRun[] {
  const runs: StackRun[] = [];
  for (const fr of stack) {
    const mine = fr.file === learner;
    const last = runs[runs.length - 1];
    if (last && last.mine === mine) last.frames.push(fr);
    else runs.push({ mine, frames: [fr] });
  }
  return runs;
}

/** The iommufd objects a finding is about when its text names none. */
const CENTRAL = ['iommufd_device', 'iommufd_vdevice', 'iommufd_viommu'];

/**
 * The objects a finding involves (named in its title, splat or accesses, or
 * else the iommufd device, vdevice and vIOMMU), and the rest.
 */
export function involvedObjects(f: GradedFinding): {
  involved: GradedFinding['objects'];
  rest: GradedFinding['objects'];
} {
  const text = [f.title, ...f.details, ...f.accesses.map((a) => a.what)].join('\n');
  const named = (n: string) => new RegExp(`(^|[^\\w#])${n.replace(/[#$]/g, '\\$&')}(?![\\w])`).test(text);
  let involved = f.objects.filter((o) => named(o.name));
  if (!involved.length) involved = f.objects.filter((o) => CENTRAL.includes(o.type ?? ''));
  const set = new Set(involved);
  return { involved, rest: f.objects.filter((o) => !set.has(o)) };
}
