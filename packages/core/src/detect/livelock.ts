/**
 * Livelock: a task that can run forever without making progress. Three
 * shapes: a loop over local variables only (the burst limit), a task that
 * never ends (the per-task step limit), and a spin-wait.
 *
 * Spin-waits are detected as Lincheck does (Koval, Alistarh, Elizarov,
 * "Lincheck: A Practical Framework for Testing Concurrent Data Structures on
 * JVM", CAV 2023): at a loop back-edge, an iteration that wrote no shared
 * memory and ended in the same local state, after reading the same shared
 * values, as the previous one is spinning. The task then waits (it is not
 * enabled) until one of the values it read changes; when every unfinished
 * task waits so, nothing can end the spin and it is reported.
 */
import { type Frame, type Thread, copyMap } from '../state/state.js';
import { type Value, valEq } from '../state/values.js';
import { isPrim } from '../state/prim.js';
import { type Hash64, numHash, textHash, valueHash } from '../state/hash.js';
import { type DepKey, memKey, partKey } from '../state/keys.js';
import type { DetectCtx, ReportCtx } from './ctx.js';
import { finding, where } from './finding.js';

/** Forget `t`'s signature of loop `loop` (the map is replaced, not changed: copies of the thread share it). */
function forgetSpin(t: Thread, loop: number): void {
  if (!t.spin.has(loop)) return;
  const m = new Map(t.spin);
  m.delete(loop);
  t.spin = m;
}

/**
 * A shared read of an iteration: allocation, offset, value read; `zero`: a
 * zero test of a registered count (kernel/counts.ts), whose `v` is whether
 * the count is not 0 (1 or 0), and which waits on the count's zero part.
 */
type Read = [alloc: number, off: number, v: Value, zero: boolean];

/** The reads of a thread's pending spin-wait, and per-thread iteration logs. One per execution. */
export class SpinDetector {
  /**
   * Per task, its shared reads in order: the first `logLen[t]` entries of
   * `readLog[t]`. The arrays are shared with clones, append-only: a task's
   * log is pushed to in place only while nobody pushed past this detector's
   * length, else copied first ({@link noteRead}).
   */
  private readLog: Read[][] = [];
  private logLen: number[] = [];
  private writeCount: number[] = [];
  private loopMarks: Map<number, [number, number]>[] = [];
  /** Per spinning thread: the reads whose change ends its wait. */
  private awaiting = new Map<number, Read[]>();

  /** Forget everything (a new execution with `n` tasks). */
  reset(n: number): void {
    this.readLog = Array.from({ length: n }, () => []);
    this.logLen = new Array(n).fill(0);
    this.writeCount = new Array(n).fill(0);
    this.loopMarks = Array.from({ length: n }, () => new Map());
    this.awaiting = new Map();
  }

  /** A copy with the same per-execution state (the explorer's checkpoints: vm/machine.ts snapshot). */
  clone(): SpinDetector {
    const c = new SpinDetector();
    c.readLog = this.readLog.slice();
    c.logLen = this.logLen.slice();
    c.writeCount = this.writeCount.slice();
    c.loopMarks = this.loopMarks.map(copyMap);
    c.awaiting = copyMap(this.awaiting);
    return c;
  }

  /** A shared load by `tid` (`zero`: a zero test, see {@link Read}). */
  noteRead(tid: number, a: number, off: number, v: Value, zero = false): void {
    const n = this.logLen[tid]!;
    if (n >= 4096) return;
    let log = this.readLog[tid]!;
    // a clone pushed past this detector's reads: the log is copied up to them
    if (log.length !== n) this.readLog[tid] = log = log.slice(0, n);
    log.push([a, off, v, zero]);
    this.logLen[tid] = n + 1;
  }

  /** The detector's state as plain data (tests). */
  toJSON(): unknown {
    return {
      readLog: this.readLog.map((l, t) => l.slice(0, this.logLen[t])),
      writeCount: this.writeCount,
      loopMarks: this.loopMarks.map((m) => [...m]),
      awaiting: [...this.awaiting],
    };
  }

  /** A shared store by `tid`. */
  noteWrite(tid: number): void {
    this.writeCount[tid]!++;
  }

  /**
   * At back-edge `loop` of frame `f`: true when `t` now waits for a change
   * (its iteration repeated the previous one). A spin that read no shared
   * memory is reported (fatal): nothing can end it.
   */
  backEdge(k: DetectCtx, t: Thread, f: Frame, loop: number): boolean {
    const marks = this.loopMarks[t.tid]!;
    const len = this.logLen[t.tid]!;
    const writes = this.writeCount[t.tid]!;
    const prev = marks.get(loop);
    marks.set(loop, [len, writes]);
    if (!prev) return false;
    if (writes !== prev[1]) {
      forgetSpin(t, loop);
      return false;
    }
    const reads = this.readLog[t.tid]!.slice(prev[0], len);
    const sig = signature(k, f, reads);
    const last = t.spin.get(loop);
    // replaced, not changed: copies of the thread share it (state.ts writableThread)
    if (last !== sig) t.spin = new Map(t.spin).set(loop, sig);
    if (last !== sig) return false;
    if (reads.length === 0) {
      const s = k.site(t);
      k.report(
        finding(k, 'livelock', `livelock: task ${t.name} spins in a loop that reads no shared memory`, {
          sites: [['spinning', s]],
          details: ['Nothing another task does can end this loop.'],
          fatal: true,
        }),
      );
      return true;
    }
    const uniq = new Map<string, Read>();
    for (const r of reads) uniq.set(`${r[0]}:${r[1]}${r[3] ? 'z' : ''}`, r);
    this.awaiting.set(t.tid, [...uniq.values()]);
    return true;
  }

  /** Can spinning `t` go on: did a value it waits on change (or its object go away)? */
  enabled(k: DetectCtx, t: Thread): boolean {
    const reads = this.awaiting.get(t.tid);
    if (!reads) return true;
    for (const [a, p, v, zero] of reads) {
      const al = k.state.heap.get(a);
      if (!al || al.freeSite) return true;
      const raw = al.fields.get(p);
      const cur = raw === undefined || isPrim(raw) ? 0 : raw;
      if (zero ? (cur === 0 ? 0 : 1) !== v : !valEq(cur, v)) return true;
    }
    return false;
  }

  /** The locations a spinning `tid` waits on (its dependency reads). */
  waitKeys(tid: number): DepKey[] {
    return (this.awaiting.get(tid) ?? []).map(([a, p, , zero]) =>
      zero ? partKey(memKey(a, p), 'zero') : memKey(a, p),
    );
  }

  /** `tid` resumes from its spin-wait: the locations it re-reads. */
  resume(tid: number, loop: number, t: Thread): Read[] {
    const reads = this.awaiting.get(tid) ?? [];
    this.awaiting.delete(tid);
    forgetSpin(t, loop);
    return reads;
  }

  /** Is `tid` waiting in a spin? */
  isSpinning(tid: number): boolean {
    return this.awaiting.has(tid);
  }

  /**
   * Add the detector state of every task to a state digest: per task, the
   * lengths of its read and write logs, its loop marks, the signatures of
   * its last iterations (`threads[t].spin`) and the reads a spin-wait waits
   * on; in the order they were recorded.
   */
  hashInto(h: Hash64, threads: readonly Thread[]): void {
    const n = this.readLog.length;
    h.seq(n);
    for (let t = 0; t < n; t++) {
      h.seq(t).seq(this.logLen[t]!).seq(this.writeCount[t]!);
      const marks = this.loopMarks[t]!;
      h.seq(marks.size);
      for (const [k, x] of marks) h.seq(k).seq(x[0]).seq(x[1]);
      const spin = threads[t]!.spin;
      h.seq(spin.size);
      for (const [k, x] of spin) h.seq(k).seq(textHash(x));
      const aw = this.awaiting.get(t);
      if (aw === undefined) h.seq(0x5f3759df);
      else {
        h.seq(aw.length);
        for (const [a, p, v, zero] of aw)
          h.seq(numHash(a))
            .seq(numHash(p) ^ (zero ? 0x2f : 0))
            .seq(valueHash(v));
      }
    }
  }

  /** Every unfinished task spins and none can change what the others wait on. */
  spinsForever(k: DetectCtx, spinning: readonly Thread[]): void {
    const t = spinning[0]!;
    const s = k.site(t);
    const reads = (this.awaiting.get(t.tid) ?? []).map(([a, p, v, zero]) =>
      zero ? `${k.where(a, p)} ${v ? '!=' : '=='} 0` : `${k.where(a, p)} == ${k.show(v)}`,
    );
    const sites = spinning.map((x) => k.site(x));
    k.report(
      finding(k, 'livelock', `livelock: task ${t.name} spins forever in ${s.stack[0]?.fn ?? '?'}`, {
        sites: sites.map((x) => ['spinning', x] as const),
        details: [`It waits for a change to ${reads.join(', ')}, and no other task can make one.`],
        fatal: true,
        key: [
          sites
            .map((x) => where(x.stack))
            .sort()
            .join('|'),
        ],
      }),
    );
  }
}

/** The local state of an iteration: pc, registers, stack locals, and the shared values read. */
function signature(k: DetectCtx, f: Frame, reads: readonly Read[]): string {
  let sig = `${f.pc}|`;
  for (const r of f.regs) sig += sigOf(r) + ',';
  if (f.stack) {
    const s = k.state.heap.get(f.stack);
    if (s) for (const [off, v] of s.fields) sig += `${off}=${isPrim(v) ? JSON.stringify(v) : sigOf(v)};`;
  }
  sig += '|';
  for (const [a, p, v, zero] of reads) sig += `${a}:${p}${zero ? '?0' : ''}=${sigOf(v)};`;
  return sig;
}

function sigOf(v: Value): string {
  if (typeof v === 'number') return String(v);
  switch (v.t) {
    case 'p':
      return `p${v.a}+${v.o}`;
    case 'f':
      return `f${v.fn}`;
    case 'e':
      return `e${v.e}`;
    case 'z':
      return 'z';
    case 'v':
      return `v${v.v}`;
    case 's':
      return `s${v.s}`;
    case 'b':
      return `b${v.why}`;
  }
}

/** A task ran `limit` visible steps without finishing. */
export function tooManySteps(k: ReportCtx, t: Thread, limit: number): void {
  const s = k.site(t);
  k.report(
    finding(k, 'livelock', `livelock: task ${t.name} ran ${limit} steps without finishing`, {
      sites: [['still running', s]],
      fatal: true,
      details: [
        `The task never blocked and never ended; it is at ${where(s.stack)}.`,
        'A loop that waits for another task must sleep or spin on a value another task changes.',
      ],
    }),
  );
}

/** A task ran `limit` thread-private instructions without a visible step. */
export function endlessBurst(k: ReportCtx, t: Thread, limit: number): void {
  const s = k.site(t);
  k.report(
    finding(k, 'livelock', `livelock: task ${t.name} looped ${limit} instructions without a visible step`, {
      sites: [['looping', s]],
      details: ['A loop that only touches local variables never ends.'],
      fatal: true,
    }),
  );
}
