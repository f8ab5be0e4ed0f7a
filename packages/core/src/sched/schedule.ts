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
 * URL-safe, short, and readable. A lock-order finding is a set of
 * executions; its token is their tokens joined by commas.
 */

/** One thread index (0 = `a`) per visible step of an execution. */
export type Schedule = number[];

/** Encode a schedule as a token. Throws for a thread index outside 0..25 (more than 26 threads). */
export function encodeSchedule(s: readonly number[]): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const t = s[i]!;
    if (t < 0 || t > 25) throw new Error(`teardown: thread index ${t} cannot be encoded`);
    let j = i;
    while (j < s.length && s[j] === t) j++;
    const n = j - i;
    out += String.fromCharCode(97 + t) + (n > 1 ? String(n) : '');
    i = j;
  }
  return out;
}

/**
 * Decode one token (no commas) into a schedule. Throws a readable error for
 * malformed input or a run longer than a million steps.
 */
export function decodeSchedule(token: string): number[] {
  const t = token.trim();
  if (!/^([a-z]\d*)*$/.test(t))
    throw new Error(`bad schedule token '${token}': expected runs like a3b2a (thread letter, optional count)`);
  const out: number[] = [];
  const re = /([a-z])(\d*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t))) {
    const n = m[2] ? Number(m[2]) : 1;
    if (n > 1_000_000) throw new Error(`bad schedule token '${token}': run too long`);
    for (let k = 0; k < n; k++) out.push(m[1]!.charCodeAt(0) - 97);
  }
  return out;
}

/** The token of a finding: one schedule's token, or a set of executions' tokens joined by commas. */
export function findingToken(f: { schedule?: readonly number[]; schedules?: readonly (readonly number[])[] }): string {
  return f.schedules ? f.schedules.map(encodeSchedule).join(',') : encodeSchedule(f.schedule ?? []);
}
