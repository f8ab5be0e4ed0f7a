/**
 * The schedule as data, and its serialisation (as shuttle keeps its
 * schedule next to its encoding).
 *
 * A schedule is the thread index (0-based, in the scenario's thread order)
 * of every visible step of one execution, in order. Replaying it
 * (./replay.ts) runs the same execution; after it ends, replay continues
 * without preemption.
 *
 * Replay tokens write a schedule as runs of thread letters with counts:
 * `a3b2a` = thread 0 three steps, thread 1 two steps, thread 0 one step.
 * URL-safe, short, and readable. Threads past the 26th (index 26 and up)
 * are written `_<index>_` (`_26_3` = thread 26 three steps), so a program
 * may have any number of threads and the tokens of up to 26 threads are
 * the plain letters they always were. A lock-order finding is a set of
 * executions; its token is their tokens joined by commas.
 *
 * A finding reached with injected failures (./faults.ts) starts its token
 * with its fault plan: `F`, then thread and call number per failure, then a
 * dot: `Fb1.a3b2a` = thread 1's first call at an armed fault site fails,
 * and the schedule is a3b2a.
 */
import type { InjectedFault } from '../state/fault.js';

/** One thread index (0 = `a`) per visible step of an execution. */
export type Schedule = number[];

/** How a token names thread `t` (0-based): `a`..`z`, then `_26_`, `_27_`, ... */
export function threadToken(t: number): string {
  return t < 26 ? String.fromCharCode(97 + t) : `_${t}_`;
}

/** Encode a schedule as a token. Throws for a negative or fractional thread index (no schedule has one). */
export function encodeSchedule(s: readonly number[]): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const t = s[i]!;
    if (!Number.isInteger(t) || t < 0) throw new Error(`teardown: thread index ${t} cannot be encoded`);
    let j = i;
    while (j < s.length && s[j] === t) j++;
    const n = j - i;
    out += threadToken(t) + (n > 1 ? String(n) : '');
    i = j;
  }
  return out;
}

/**
 * The token of a schedule as it grows, a step at a time: `text()` is
 * `encodeSchedule` of the steps pushed so far, in constant time (the
 * explorer gives each finding of a long execution the token of its prefix).
 */
export class TokenBuilder {
  /** The token of the runs before the current one. */
  private done = '';
  private thread = -1;
  private count = 0;

  /** An independent copy (the explorer's checkpoints). */
  copy(): TokenBuilder {
    const c = new TokenBuilder();
    c.done = this.done;
    c.thread = this.thread;
    c.count = this.count;
    return c;
  }

  push(t: number): void {
    if (t === this.thread) {
      this.count++;
      return;
    }
    if (!Number.isInteger(t) || t < 0) throw new Error(`teardown: thread index ${t} cannot be encoded`);
    this.done = this.text();
    this.thread = t;
    this.count = 1;
  }

  text(): string {
    if (!this.count) return this.done;
    return this.done + threadToken(this.thread) + (this.count > 1 ? String(this.count) : '');
  }
}

/**
 * Decode one token (no commas) into a schedule. Throws a readable error for
 * malformed input or a run longer than a million steps.
 */
export function decodeSchedule(token: string): number[] {
  const t = token.trim();
  if (!/^(([a-z]|_\d{1,6}_)\d*)*$/.test(t))
    throw new Error(`bad schedule token '${token}': expected runs like a3b2a (thread letter, optional count)`);
  const out: number[] = [];
  const re = /(?:([a-z])|_(\d+)_)(\d*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    const n = m[3] ? Number(m[3]) : 1;
    if (n > 1_000_000) throw new Error(`bad schedule token '${token}': run too long`);
    const thread = m[1] ? m[1].charCodeAt(0) - 97 : Number(m[2]);
    for (let k = 0; k < n; k++) out.push(thread);
  }
  return out;
}

/** A fault plan's token prefix (`Fb1.`), or '' for none. */
export function faultsToken(plan: readonly InjectedFault[] | undefined): string {
  if (!plan?.length) return '';
  return `F${plan.map((p) => threadToken(p.tid) + String(p.nth)).join('')}.`;
}

/** The token of a finding: its fault plan, then one schedule's token or a set of executions' tokens joined by commas. */
export function findingToken(f: {
  schedule?: readonly number[];
  schedules?: readonly (readonly number[])[];
  faults?: readonly InjectedFault[];
}): string {
  const s = f.schedules ? f.schedules.map(encodeSchedule).join(',') : encodeSchedule(f.schedule ?? []);
  return faultsToken(f.faults) + s;
}

/** A decoded finding token: the fault plan (empty for none) and one or more schedules. */
export interface DecodedToken {
  faults: InjectedFault[];
  schedules: number[][];
}

/**
 * Decode a finding token (`Fb1.a3b2a`, `a2b,ab2`). Throws a readable error
 * for a malformed one.
 */
export function decodeToken(token: string): DecodedToken {
  const t = token.trim();
  let rest = t;
  const faults: InjectedFault[] = [];
  if (t.startsWith('F')) {
    const m = /^F((?:(?:[a-z]|_\d{1,6}_)\d{1,6})+)\./.exec(t);
    if (!m)
      throw new Error(
        `bad schedule token '${token}': a fault plan is F, thread letters with call numbers, then '.' (Fb1.a3b2a)`,
      );
    const re = /(?:([a-z])|_(\d+)_)(\d+)/g;
    let e: RegExpExecArray | null;
    while ((e = re.exec(m[1]!))) {
      const nth = Number(e[3]);
      if (nth < 1) throw new Error(`bad schedule token '${token}': call numbers start at 1`);
      faults.push({ tid: e[1] ? e[1].charCodeAt(0) - 97 : Number(e[2]), nth });
    }
    rest = t.slice(m[0].length);
  }
  return { faults, schedules: rest.split(',').map(decodeSchedule) };
}
