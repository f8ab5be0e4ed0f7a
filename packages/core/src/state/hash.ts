/**
 * A canonical digest of an execution state, for stateful search: two paths
 * that reach the same digest have the same future (same steps, same
 * findings), so the second one can stop.
 *
 * What goes in: the heap (every allocation's fields, freed state, type,
 * size, allocation and free sites, whether a stack block escaped), every
 * thread (frames, pcs, registers, task state, held locks and where they were
 * taken, step count, allocation sequence, the WARN_ON_ONCE sites it passed,
 * the wake-ups it missed while preparing to sleep and where), the clock, the allocation count (the
 * allocation limit), and the detector state that depends on the path:
 * KCSAN's vector clocks and shadow memory, the spin detector. Lockdep's
 * graph is global and only grows, so it needs no place in the digest. The
 * sites are there because finding keys name them.
 *
 * When it is sound: plain depth-first search (strategy `dfs`) with the cache
 * on, and DPOR with the extra machinery of sched/state-cache.ts (sleep sets
 * compared, the pruned prefix's races with the state's future found from a
 * summary: Yang et al., "Efficient Stateful Dynamic Partial Order
 * Reduction", SPIN 2008), which keys a state by this digest without KCSAN's
 * part and by the KCSAN entries the state's future meets instead
 * (sched/projection.ts). Not with preemption bounding (the remaining
 * preemption budget is path state too) nor PCT or random runs.
 *
 * How: 64 bits computed without building text, two 32-bit lanes,
 * murmur3's finaliser as the mixer. Unordered collections (the heap, an
 * allocation's fields, KCSAN's maps) are combined by addition of their
 * entries' mixed hashes, so that no sorting is needed and insertion order
 * does not matter; sequences (threads, frames, registers) are chained.
 *
 * Incremental (docs/scheduler.md, "State hashing"): an allocation's hash is
 * cached on the allocation object (allocations are copy-on-write, state.ts
 * `writable`, which drops the cached hash of an allocation it hands out for
 * mutation), with its fields' sums, which state.ts `setField` adjusts (a
 * value or primitive state is immutable, so its hash is cached for good);
 * the heap's two bag sums are kept on the state and adjusted by the
 * allocations `writable`, `heapSet` and `heapDelete` recorded as changed
 * since; each thread's part is cached on the thread until state.ts
 * `threadChanged`, and each frame below its top on the frame. The digest of
 * a state is the same whatever path built it, and equals
 * {@link stateHashFromScratch}.
 */
import type { Alloc, Frame, HeapDigest, Site, StackFrame, Thread, VmState } from './state.js';
import type { PrimState } from './prim.js';
import type { HeapMap } from './heap-map.js';
import type { Value } from './values.js';

/**
 * murmur3 fmix32, as a signed 32-bit integer: every use combines it with
 * `^`, `|`, `&`, `Math.imul`, or stores it in an Int32Array, which read the
 * same 32 bits either way, and a signed result is a small integer that V8's
 * baseline code need not box (an unsigned one over 2^31 is a heap number).
 * Every int32 is some input's result (it is a bijection), so a marker kept
 * beside its values must not be an int32 ({@link ABSENT}), or must only cost
 * a recomputation when met (KCSAN's cached entry hashes).
 */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const strCache = new Map<string, number>();

/** FNV-1a's state before any character. */
export const FNV_START = 0x811c9dc5;

/** FNV-1a's state `h` carried on over the characters of `s` (strHash(a + b) is fmix(fnvOn(fnvOn(FNV_START, a), b))). */
export function fnvOn(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** FNV-1a of a string, finalised (cached: keys and names repeat). */
export function strHash(s: string): number {
  let h = strCache.get(s);
  if (h !== undefined) return h;
  h = fmix(fnvOn(FNV_START, s));
  if (strCache.size < 1 << 20) strCache.set(s, h);
  return h;
}

/** FNV-1a of a string, finalised, not cached (for text that rarely repeats). */
export function textHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix(h);
}

/** Hash of a number (integers up to 2^53, and anything else through its text). */
export function numHash(n: number): number {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 53) {
    const lo = n | 0;
    const hi = Math.floor(n / 4294967296) | 0;
    return fmix(Math.imul(lo, 0x9e3779b1) ^ fmix(hi ^ 0x7f4a7c15));
  }
  return strHash(String(n));
}

const objCache = new WeakMap<object, number>();

/** Hash of a VM value or primitive state (immutable objects: cached). */
export function valueHash(x: Value | PrimState | undefined | null): number {
  if (typeof x === 'number') return numHash(x);
  if (x === null || x === undefined) return 0x2545f491;
  const o = x as { t?: string };
  if (o.t === 'p') {
    const p = x as { a: number; o: number };
    return fmix(numHash(p.a) ^ Math.imul(numHash(p.o), 0x27d4eb2f) ^ 0x50);
  }
  return objHash(x);
}

const NULL_HASH = 0x3c6ef372;

/**
 * Hash of plain data as JSON sees it, without building the text: what
 * JSON.stringify leaves out (undefined, functions) is left out, non-finite
 * numbers hash as null, an object with toJSON as what it returns; keys in
 * their order, strings, numbers, booleans, arrays and objects kept apart.
 * Objects are immutable here (values, primitive states and what they hold),
 * so their hashes are cached.
 */
function objHash(o: object): number {
  let h = objCache.get(o);
  if (h !== undefined) return h;
  if (Array.isArray(o)) {
    h = fmix(0x5be0cd19 ^ o.length);
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      const x = v === undefined || typeof v === 'function' || typeof v === 'symbol' ? NULL_HASH : anyHash(v);
      h = fmix((h ^ x) + 0x9e3779b9);
    }
  } else {
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') h = anyHash(toJSON.call(o));
    else {
      h = 0x1f83d9ab;
      for (const k in o) {
        const v: unknown = (o as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        h = fmix((h ^ strHash(k)) + 0x7f4a7c15);
        h = fmix((h ^ anyHash(v)) + 0x9e3779b9);
      }
    }
  }
  objCache.set(o, h);
  return h;
}

/** Hash of any JSON-able datum ({@link objHash}). */
function anyHash(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? numHash(v) : NULL_HASH;
    case 'string':
      return fmix(strHash(v) ^ 0x510e527f);
    case 'boolean':
      return v ? 0x9b05688c : 0x1f83d9ab ^ 0x9b05688c;
    case 'bigint':
      return fmix(strHash(String(v)) ^ 0x6a09e667);
    case 'object':
      return v === null ? NULL_HASH : objHash(v);
    default:
      return NULL_HASH;
  }
}

/** Two-lane accumulator: `seq` chains (order matters), `bag` adds (order does not). */
export class Hash64 {
  h1 = 0x811c9dc5;
  h2 = 0xcbf29ce4;

  /** Chain a 32-bit hash. */
  seq(x: number): this {
    this.h1 = fmix((this.h1 ^ x) + 0x9e3779b9);
    this.h2 = fmix(Math.imul(this.h2, 31) ^ x ^ 0x85ebca6b);
    return this;
  }

  /** Add a 32-bit hash to the unordered part (call seq on the result to end a bag). */
  static bag(h: Hash64, x: number, y: number): void {
    h.h1 = (h.h1 + x) | 0;
    h.h2 = (h.h2 + y) | 0;
  }
}

const siteCache = new WeakMap<Site, number>();

/** A stack frame's text in a site's hash: {@link siteHash} hashes these joined by `/`, outermost first. */
export function frameText(f: StackFrame): string {
  return `${f.fn}@${f.file}:${f.line}:${f.column}`;
}

/**
 * Hash of a call site: its stack (function, file, line, column of each
 * frame, outermost first), which the state digest takes for KCSAN's shadow
 * entries, allocation and free sites and held locks. A site that can give it
 * without building its stack does (Site.stackHash, the VM's sites: their
 * trie hashes the frames in this order, so that a site's stack is its
 * caller's stack and one frame more).
 */
export function siteHash(site: Site | undefined): number {
  if (!site) return 0x6a09e667;
  if (site.stackHash) return site.stackHash();
  let h = siteCache.get(site);
  if (h === undefined) {
    const stack = site.stack;
    const texts = new Array<string>(stack.length);
    for (let i = 0; i < stack.length; i++) texts[i] = frameText(stack[stack.length - 1 - i]!);
    h = strHash(texts.join('/'));
    siteCache.set(site, h);
  }
  return h;
}

/** Forget the cached hash of an allocation about to be mutated in place (state.ts `writable`). */
export function allocChanged(a: Alloc): void {
  a.hash = undefined;
}

/** A field's two parts of its allocation's field sums. */
function fieldPart1(k: number, vh: number): number {
  return fmix(k ^ Math.imul(vh, 0x2c1b3c6d));
}
function fieldPart2(k: number, vh: number): number {
  return fmix(vh ^ Math.imul(k, 0x297a2d39) ^ 0x1b873593);
}

/**
 * Field `off` of `a`, whose field sums are computed ({@link Alloc.hf1}),
 * changes from `old` (undefined: absent) to `v`: adjust the sums
 * (state.ts setField).
 */
export function fieldChanged(a: Alloc, off: number, old: Value | PrimState | undefined, v: Value | PrimState): void {
  const k = numHash(off);
  let f1 = a.hf1!;
  let f2 = a.hf2!;
  if (old !== undefined) {
    const oh = valueHash(old);
    f1 = (f1 - fieldPart1(k, oh)) | 0;
    f2 = (f2 - fieldPart2(k, oh)) | 0;
  }
  const vh = valueHash(v);
  a.hf1 = (f1 + fieldPart1(k, vh)) | 0;
  a.hf2 = (f2 + fieldPart2(k, vh)) | 0;
}

/** The two sums of the fields' hashes (by offset and value), an unordered set. */
function fieldSums(a: Alloc): [number, number] {
  let f1 = 0;
  let f2 = 0;
  for (const [off, v] of a.fields) {
    const vh = valueHash(v);
    const k = numHash(off);
    f1 = (f1 + fieldPart1(k, vh)) | 0;
    f2 = (f2 + fieldPart2(k, vh)) | 0;
  }
  return [f1, f2];
}

/** The part of an allocation's hash that never changes: id, allocation site, size. */
function staticAllocHash(a: Alloc): number {
  return numHash(a.id) ^ Math.imul(siteHash(a.allocSite), 0x27d4eb2f) ^ Math.imul(numHash(a.bytes), 0x165667b1);
}

/** An allocation's hash from its parts. */
function combineAllocHash(a: Alloc, stat: number, f1: number, f2: number): number {
  // the sites: finding keys name them (a use-after-free's free, a leak's allocation); the size: bounds checks
  return fmix(
    stat ^
      Math.imul(fmix(f1), 0x01000193) ^
      fmix(f2 ^ 0x68e31da4) ^
      (a.freeSite ? fmix(siteHash(a.freeSite) ^ 0x5bd1e995) : 0) ^
      // whether a stack block escaped: its task's returns are steps (vm/escape.ts)
      (a.escaped === true ? 0x2f1b3c4d : 0) ^
      strHash(a.type ?? ''),
  );
}

/**
 * Hash of one allocation: id, freed, type, and its fields as an unordered
 * set. Cached on the allocation until `writable` hands it out to be
 * changed; its field sums and its unchanging part are cached too.
 */
export function allocHash(a: Alloc): number {
  const h = a.hash;
  if (h !== undefined) return h;
  if (a.hf1 === undefined) [a.hf1, a.hf2] = fieldSums(a);
  a.hstatic ??= staticAllocHash(a);
  return (a.hash = combineAllocHash(a, a.hstatic, a.hf1, a.hf2!));
}

/** {@link allocHash} without any cache read or written. */
function computeAllocHash(a: Alloc): number {
  const [f1, f2] = fieldSums(a);
  return combineAllocHash(a, staticAllocHash(a), f1, f2);
}

/**
 * In {@link HeapDigest.dirty}: the allocation was not in the heap when the
 * sums were last brought up to date. Not a 32-bit integer, so no
 * allocation's hash (an int32, any of them: {@link fmix} is a bijection).
 */
export const ABSENT = 2 ** 32;

/**
 * The heap's two bag sums from scratch: the sum of every allocation's hash,
 * and the sum of every allocation's hash mixed once more.
 */
export function heapSums(heap: HeapMap, uncached = false): [number, number] {
  let b1 = 0;
  let b2 = 0;
  heap.forEach((a) => {
    const x = uncached ? computeAllocHash(a) : allocHash(a);
    b1 = (b1 + x) | 0;
    b2 = (b2 + fmix(x ^ 0x3c6ef372)) | 0;
  });
  return [b1, b2];
}

/**
 * Bring the state's incremental heap sums up to date and return them (the
 * first call computes them from scratch, later ones adjust them by the
 * allocations changed, added or removed since: {@link HeapDigest.dirty}).
 * The sums equal {@link heapSums} of the heap whatever the path.
 */
export function heapDigest(s: VmState): HeapDigest {
  let d = s.heapDigest;
  if (!d) {
    const [b1, b2] = heapSums(s.heap);
    d = s.heapDigest = { b1, b2, dirty: new Map() };
    return d;
  }
  if (d.dirty.size === 0) return d;
  let b1 = d.b1;
  let b2 = d.b2;
  for (const [id, old] of d.dirty) {
    if (old !== ABSENT) {
      b1 = (b1 - old) | 0;
      b2 = (b2 - fmix(old ^ 0x3c6ef372)) | 0;
    }
    const a = s.heap.get(id);
    if (a) {
      const x = allocHash(a);
      b1 = (b1 + x) | 0;
      b2 = (b2 + fmix(x ^ 0x3c6ef372)) | 0;
    }
  }
  d.b1 = b1;
  d.b2 = b2;
  d.dirty.clear();
  return d;
}

/**
 * Note that allocation `id` of state `s` is about to change, be added or be
 * removed (state.ts `writable`, `heapSet`, `heapDelete`): `old` is the
 * version in the heap now (undefined when none). Only the first change
 * since the sums were last brought up to date is recorded: the sums hold the
 * hash of that version. Costs nothing until the state's first digest.
 */
export function heapTouched(s: VmState, id: number, old: Alloc | undefined): void {
  const d = s.heapDigest;
  if (!d || d.dirty.has(id)) return;
  // the version in the sums is unchanged since they were brought up to date, so its cached hash is that one
  d.dirty.set(id, old ? allocHash(old) : ABSENT);
}

/** A state digest: 64 bits as two int32 lanes. */
export interface Digest {
  readonly h1: number;
  readonly h2: number;
}

/** The digest's 16 hex digits (for display and tests). */
export function digestHex(d: Digest): string {
  return (d.h1 >>> 0).toString(16).padStart(8, '0') + (d.h2 >>> 0).toString(16).padStart(8, '0');
}

/** Scratch accumulators of threadHash and frameHash (neither is re-entered). */
const threadAcc = new Hash64();
const frameAcc = new Hash64();

/** Hash of one frame, two lanes (in frameAcc): function, pc, stack block, registers. */
function frameHash(f: Frame): void {
  const x = frameAcc;
  x.h1 = 0x811c9dc5;
  x.h2 = 0xcbf29ce4;
  x.seq(f.fn).seq(f.pc).seq(f.stack).seq(f.regs.length);
  const regs = f.regs;
  for (let i = 0; i < regs.length; i++) x.seq(valueHash(regs[i]));
}

/**
 * Hash of one thread, two lanes: frames, pcs, registers, task state, held
 * locks and where they were taken, step count, fault calls, allocation
 * sequence, sleep, WARN_ON_ONCE sites passed, missed wake-ups. Cached on the
 * thread until state.ts `threadChanged`, and each frame below the top one
 * on the frame until the frame is the top one again (a frame below the top
 * does not change: only the thread's running function writes its frame, and
 * a return writes the caller's, which is then the top). `uncached`: no cache
 * read or written.
 */
function threadHash(h: Hash64, t: Thread, uncached = false): void {
  if (t.hashed && !uncached) {
    h.seq(t.hash1).seq(t.hash2);
    return;
  }
  const x = threadAcc;
  x.h1 = 0x811c9dc5;
  x.h2 = 0xcbf29ce4;
  x.seq(t.tid)
    .seq((t.done ? 1 : 0) | (t.dead ? 2 : 0) | (t.taskState << 2))
    .seq(numHash(t.steps))
    .seq(numHash(t.rets))
    .seq(numHash(t.faultCalls))
    .seq(numHash(t.allocSeq));
  const frames = t.frames;
  const top = frames.length - 1;
  x.seq(frames.length);
  for (let i = 0; i <= top; i++) {
    const f = frames[i]!;
    if (i < top && f.hashed && !uncached) {
      x.seq(f.hash1).seq(f.hash2);
      continue;
    }
    frameHash(f);
    if (i < top && !uncached) {
      f.hash1 = frameAcc.h1;
      f.hash2 = frameAcc.h2;
      f.hashed = true;
    }
    x.seq(frameAcc.h1).seq(frameAcc.h2);
  }
  x.seq(t.held.length);
  for (const l of t.held) x.seq(strHash(l.key)).seq(siteHash(l.site));
  x.seq(strHash(t.sleepWq ?? '~')).seq(t.sleepStart === undefined ? 0x7fffffff : numHash(t.sleepStart));
  let o = 0;
  for (const w of t.warnedOnce) o = (o + strHash(w)) | 0;
  x.seq(o);
  if (t.missedWakes === undefined) x.seq(0x1234567);
  else for (const w of t.missedWakes) x.seq(strHash(w.fn)).seq(siteHash(w.site));
  if (!uncached) {
    t.hash1 = x.h1;
    t.hash2 = x.h2;
    t.hashed = true;
  }
  h.seq(x.h1).seq(x.h2);
}

/**
 * Digest of a VM state: the clock, the heap, every thread; `extra` adds the
 * detector state. The heap's part is kept up to date incrementally
 * ({@link heapDigest}).
 */
export function stateHash(s: VmState, extra: (h: Hash64) => void): Digest {
  const h = new Hash64();
  h.seq(numHash(s.jiffies));
  const d = heapDigest(s);
  h.seq(fmix(d.b1)).seq(fmix(d.b2));
  for (const t of s.threads) threadHash(h, t);
  extra(h);
  h.h1 |= 0;
  h.h2 |= 0;
  return h;
}

/**
 * {@link stateHash} computed from scratch (every allocation hashed again,
 * no cached hash used, the incremental sums neither read nor written): what
 * the incremental digest must equal (tests).
 */
export function stateHashFromScratch(s: VmState, extra: (h: Hash64) => void): Digest {
  const h = new Hash64();
  h.seq(numHash(s.jiffies));
  const [b1, b2] = heapSums(s.heap, true);
  h.seq(fmix(b1)).seq(fmix(b2));
  for (const t of s.threads) threadHash(h, t, true);
  extra(h);
  h.h1 |= 0;
  h.h2 |= 0;
  return h;
}

export { DigestSet } from './digest-table.js';
