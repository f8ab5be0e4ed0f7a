/**
 * The hung-task detector (kernel/hung_task.c): a task in D state for more
 * than 120 s. In the model a task is hung when every unfinished task is
 * blocked and no timeout can fire: a deadlock, reported with the wait-for
 * cycle over mutex owners when there is one. A timed wait that only its
 * timeout ended is a stall (the kernel would have slept the whole timeout),
 * reported with the wake-ups that did not wake it.
 */
import type { Site, Thread } from '../state/state.js';
import type { DetectCtx, ReportCtx } from './ctx.js';
import { finding, where } from './finding.js';

/** The task `t` waits for (the owner of the lock it blocks on), if any. */
export type WaitsFor = (t: Thread) => number | undefined;

/** The setup or check task blocked with nothing else to run. */
export function blockedAlone(k: DetectCtx, t: Thread): void {
  const s = k.site(t);
  const label = k.pendingLabel(t.tid);
  k.report(
    finding(k, 'deadlock', `INFO: task ${t.name} blocked for more than 120 seconds.`, {
      sites: [[label, s]],
      details: [`${t.name} is blocked in ${label} and no other task can wake it.`],
      fatal: true,
      key: [t.name, where(s.stack)],
    }),
  );
}

/** Every task in `stuck` is blocked (none spins): a deadlock, with its wait-for cycle when there is one. */
export function deadlock(k: DetectCtx, stuck: readonly Thread[], waitsFor: WaitsFor): void {
  const threads = k.state.threads;
  const edges = new Map<number, number>();
  const lines: string[] = [];
  for (const t of stuck) {
    const own = waitsFor(t);
    if (own !== undefined) edges.set(t.tid, own);
    const by = own === undefined ? '' : `, held by ${own >= 0 ? threads[own]!.name : 'nobody'}`;
    lines.push(`task ${t.name} is blocked in ${k.pendingLabel(t.tid)} at ${where(k.site(t).stack)}${by}`);
    for (const h of t.held) lines.push(`   holding ${h.name} (taken at ${where(h.site.stack)})`);
  }
  const cycle = waitCycle(edges);
  const name = (tid: number) => threads[tid]!.name;
  const title =
    cycle.length > 1
      ? `INFO: task ${name(cycle[0]!)} blocked for more than 120 seconds (deadlock: ${cycle.map(name).join(' -> ')} -> ${name(cycle[0]!)})`
      : `INFO: task ${stuck[0]!.name} blocked for more than 120 seconds.`;
  const sites = stuck.map((t) => k.site(t));
  k.report(
    finding(k, 'deadlock', title, {
      sites: stuck.map((t, i) => [k.pendingLabel(t.tid), sites[i]!] as const),
      details: lines,
      fatal: true,
      key: [
        sites
          .map((s) => where(s.stack))
          .sort()
          .join('|'),
      ],
    }),
  );
}

/** The first cycle in a wait-for graph (task -> the task it waits for), or []. */
function waitCycle(edges: ReadonlyMap<number, number>): number[] {
  for (const start of edges.keys()) {
    const seen: number[] = [];
    let c: number | undefined = start;
    while (c !== undefined && !seen.includes(c)) {
      seen.push(c);
      c = edges.get(c);
    }
    if (c !== undefined) return seen.slice(seen.indexOf(c));
  }
  return [];
}

/** A wake-up on the queue a task slept on that did not wake it (a task-state mismatch). */
export interface MissedWake {
  site: Site;
  fn: string;
}

/**
 * A wait_event_timeout() that only its timeout ended: `t` slept `ms` ms in
 * `text`; `missed` are the wake-ups that skipped it because they wake only
 * TASK_INTERRUPTIBLE sleepers.
 */
export function waitStall(k: ReportCtx, t: Thread, ms: number, text: string, missed: readonly MissedWake[]): void {
  const s = k.site(t);
  const details = [`task ${t.name} slept the whole ${ms} ms of ${text}`, `at ${where(s.stack)}`, ''];
  if (missed.length) {
    details.push(
      'These wake-ups on the same queue did not wake it, because they only wake TASK_INTERRUPTIBLE sleepers and wait_event_timeout() sleeps TASK_UNINTERRUPTIBLE:',
    );
    for (const w of missed) details.push(`  ${w.fn}() by ${w.site.task} at ${where(w.site.stack)}`);
  } else {
    details.push('No task woke it before the timeout.');
  }
  k.report(
    finding(k, 'stall', `stall: ${t.name} waited the full ${ms} ms in ${s.stack[0]?.fn ?? '?'}`, {
      sites: [[text, s], ...missed.map((w) => [`${w.fn}()`, w.site] as const)],
      details,
      key: [where(s.stack), [...new Set(missed.map((w) => where(w.site.stack)))].sort().join(',')],
    }),
  );
}

/** A wait_for_completion_timeout() that only its timeout ended: nobody called complete(). */
export function completionStall(k: ReportCtx, t: Thread, ms: number, what: string): void {
  const s = k.site(t);
  k.report(
    finding(k, 'stall', `stall: ${t.name} waited the full ${ms} ms in ${s.stack[0]?.fn ?? '?'}`, {
      sites: [[what, s]],
      details: [`${what} returned only through its timeout: nobody called complete().`],
    }),
  );
}
