/**
 * A canonical digest of an execution state, for stateful search: two paths
 * that reach the same digest have the same future (same steps, same
 * findings), so the second one can stop.
 *
 * What goes in: the heap (every allocation's fields, freed state, type),
 * every thread (frames, pcs, registers, task state, held locks, step count,
 * allocation sequence, the WARN_ON_ONCE sites it passed, the wake-ups it
 * missed while preparing to sleep, spin-detector state), the clock, the
 * allocation count (the allocation limit), and the detector state that
 * depends on the path: KCSAN's vector clocks and shadow memory. Lockdep's
 * graph is global and only grows, so it needs no place in the digest.
 *
 * When it is sound: plain depth-first search (strategy `dfs`) with the cache
 * on, and DPOR with the extra machinery of sched/state-cache.ts (sleep sets
 * compared, the pruned prefix's races with the state's future found from a
 * summary: Yang et al., "Efficient Stateful Dynamic Partial Order
 * Reduction", SPIN 2008). Not with preemption bounding (the remaining
 * preemption budget is path state too) nor PCT or random runs.
 */
import type { VmState } from './state.js';
import type { Value } from './values.js';

function v(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (x === null || x === undefined) return '~';
  const o = x as Value & { p?: string };
  if (typeof o === 'object' && 'p' in o) return JSON.stringify(o);
  switch ((o as { t: string }).t) {
    case 'p':
      return `p${(o as unknown as { a: number }).a}+${(o as unknown as { o: number }).o}`;
    default:
      return JSON.stringify(o);
  }
}

/** FNV-1a over a string, two independent 32-bit lanes (a 64-bit digest as hex). */
export function digest(s: string): string {
  let h1 = 0x811c9dc5,
    h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000197) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** Canonical text of a VM state plus detector state (`extra`). */
export function stateText(s: VmState, extra: string): string {
  const parts: string[] = [`j${s.jiffies}`];
  const ids = [...s.heap.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    const a = s.heap.get(id)!;
    const fields = [...a.fields.entries()]
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .map(([k, x]) => `${k}=${v(x)}`)
      .join(',');
    parts.push(`${id}${a.freeSite ? '!' : ''}${a.type ?? ''}{${fields}}`);
  }
  for (const t of s.threads) {
    const frames = t.frames.map((f) => `${f.fn}@${f.pc}(${f.regs.map(v).join(',')})#${f.stack}`).join('/');
    parts.push(
      `T${t.tid}:${t.done ? 'D' : ''}${t.dead ? 'X' : ''}s${t.taskState}n${t.steps}f${t.faultCalls}a${t.allocSeq}:${frames}:h${t.held.map((h) => h.key).join(',')}:w${t.sleepWq ?? ''}:${t.sleepStart ?? ''}:o${[...t.warnedOnce].sort().join(',')}:m${t.missedWakes?.map((w) => w.fn).join(',') ?? '~'}`,
    );
  }
  parts.push(extra);
  return parts.join('|');
}
