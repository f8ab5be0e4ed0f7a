/**
 * Replay tokens: a schedule (one thread index per visible step) written as
 * runs of thread letters with counts, `a3b2a` = thread 0 three steps, thread
 * 1 two steps, thread 0 one step. URL-safe, short, and readable. After the
 * token ends, replay continues without preemption.
 */

/** Encode a schedule. Throws for more than 26 threads. */
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

/** Decode a token; throws a readable error for malformed input. */
export function decodeSchedule(token: string): number[] {
  const t = token.trim();
  if (!/^([a-z]\d*)*$/.test(t)) throw new Error(`bad schedule token '${token}': expected runs like a3b2a (thread letter, optional count)`);
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
