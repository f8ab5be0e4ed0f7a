/**
 * The state digest's incremental parts (state/hash.ts: the heap's sums kept
 * up to date by `writable`, `heapSet` and `heapDelete`; each thread's part
 * cached until `threadChanged`) give the digest computed from scratch, with
 * no cached hash, after every step of random schedules of random programs,
 * across the explorer's checkpoints (copies of the state and restores); and
 * a VM site's stack hash, kept in a trie of the stacks met, is the hash of
 * its stack's text.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { Machine } from '../../src/vm/machine.js';
import { ABSENT, allocHash, digestHex, frameText, siteHash, strHash } from '../../src/state/hash.js';
import { useParser } from '../helpers.js';
import { programArb } from './genprog.js';

useParser();

/** A sleeper and wakers that leave it behind (missed wake-ups), a timed sleep, a free and a lock. */
const WAITS = `
static DECLARE_WAIT_QUEUE_HEAD(wq);
static int done;
static DEFINE_MUTEX(m);
struct obj { int v; };
static struct obj *o;
void setup(void) { o = kzalloc(sizeof(*o), GFP_KERNEL); }
void thread_waiter(void) { wait_event(wq, READ_ONCE(done)); }
void thread_timed(void) { wait_event_interruptible_timeout(wq, READ_ONCE(done) == 2, 5); mutex_lock(&m); o->v = 1; mutex_unlock(&m); }
void thread_waker(void) { wake_up_interruptible(&wq); WRITE_ONCE(done, 1); wake_up(&wq); mutex_lock(&m); kfree(o); o = NULL; mutex_unlock(&m); WRITE_ONCE(done, 2); wake_up_all(&wq); }
`;

/** Calls several deep, through a function pointer too, with locals in registers and on the stack. */
const CALLS = `
static int x, y;
static DEFINE_MUTEX(m);
static int leaf(int a) { int b = READ_ONCE(x); WRITE_ONCE(y, a + b); return b + 1; }
static int mid(int a) { int loc = a; int *p = &loc; int r = leaf(*p); r += leaf(r); return r + READ_ONCE(y); }
static int (*op)(int) = mid;
void thread_a(void) { int r = op(1); mutex_lock(&m); WRITE_ONCE(x, r); mutex_unlock(&m); r = mid(r); WRITE_ONCE(x, r); }
void thread_b(void) { int r = leaf(2); mutex_lock(&m); r += mid(r); mutex_unlock(&m); WRITE_ONCE(y, r); }
`;

/**
 * Run executions of `src` following `choices` (an index into the enabled
 * threads per step), taking a checkpoint now and then and starting some
 * executions from one; after each step the incremental digest must equal the
 * digest from scratch. Returns the steps checked.
 */
async function walk(
  src: string,
  choices: readonly number[],
  executions: number,
  onStep?: (m: Machine) => void,
): Promise<number> {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const m = new Machine(c.program, programScenario(c.program)!);
  m.init();
  if (m.setupFailed) return 0;
  let k = 0;
  let checked = 0;
  const saved: ReturnType<Machine['checkpoint']>[] = [];
  const choose = () => choices[k++ % choices.length]!;
  for (let e = 0; e < executions; e++) {
    if (saved.length && choose() % 2 === 0) m.restoreCheckpoint(saved[choose() % saved.length]!);
    else m.begin();
    for (let step = 0; step < 400 && !m.fatal; step++) {
      const enabled: number[] = [];
      for (let t = 0; t < m.nworkers; t++) if (m.enabled(t)) enabled.push(t);
      if (!enabled.length) {
        const to = m.fireableTimeout();
        if (to < 0) break;
        enabled.push(to);
      }
      m.step(enabled[choose() % enabled.length]!);
      onStep?.(m);
      if (m.fatal) break;
      // not every step: a digest skipped lets changes pile up between two
      if (choose() % 3 !== 0) {
        expect(digestHex(m.stateDigest())).toBe(digestHex(m.stateDigestFromScratch()));
        checked++;
      }
      if (choose() % 5 === 0) saved.push(m.checkpoint());
      // a VM site is its thread's stack now (made from the trie nodes its frames keep, which must not be stale
      // ones: restored checkpoints, frames run on as the top since), and hashes it without building it
      // (Site.stackHash): the hash of the stack's text, outermost frame first, as siteHash has a plain site's
      for (const t of m.state.threads) {
        const site = m.site(t);
        expect(site.stack).toEqual(t.frames.map((f) => m.frameAt(f.fn, f.pc)).reverse());
        expect(site.stackHash!()).toBe(strHash([...site.stack].reverse().map(frameText).join('/')));
        expect(siteHash({ task: site.task, tid: site.tid, step: site.step, stack: site.stack })).toBe(
          site.stackHash!(),
        );
      }
    }
  }
  return checked;
}

describe('incremental state digest', () => {
  it('equals the digest from scratch after random steps of random programs', { timeout: 600_000 }, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(programArb, fc.array(fc.nat(1000), { minLength: 1, maxLength: 60 }), async (src, choices) => {
        checked += await walk(src, choices, 6);
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(0);
  });

  it('equals it through calls and returns', { timeout: 600_000 }, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1000), { minLength: 1, maxLength: 60 }), async (choices) => {
        checked += await walk(CALLS, choices, 6);
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(0);
  });

  it('equals it through wake-ups, missed wake-ups, timeouts and frees', { timeout: 600_000 }, async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1000), { minLength: 1, maxLength: 60 }), async (choices) => {
        checked += await walk(WAITS, choices, 6);
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(0);
  });

  // An independent review found the heap's sums taking an allocation hashed -1 for one not in the heap (the
  // marker was -1, and every int32 is some allocation's hash: fmix is a bijection), so the digest depended on the
  // path and stateful searches merged fewer states. With g = 1303915545, g's allocation hashes to -1 in this
  // program (found by a search over the int32s); if hashing changes, find another value (the `minusOne` check fails).
  it('keeps an allocation whose hash is -1 apart from one not in the heap', { timeout: 600_000 }, async () => {
    expect(Number.isInteger(ABSENT) && (ABSENT | 0) === ABSENT).toBe(false);
    const src = `
static int g, h, k;
void thread_a(void) { WRITE_ONCE(g, 1303915545); WRITE_ONCE(g, 5); }
void thread_b(void) { WRITE_ONCE(h, 1); WRITE_ONCE(h, 2); }
void thread_c(void) { WRITE_ONCE(k, 1); WRITE_ONCE(k, 2); }
`;
    let minusOne = 0;
    const seen = (m: Machine) => {
      for (const a of m.state.heap.values()) if (a.name === 'g' && allocHash(a) === -1) minusOne++;
    };
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1000), { minLength: 1, maxLength: 60 }), async (choices) => {
        checked += await walk(src, choices, 6, seen);
      }),
      { numRuns: 60, seed: 19 },
    );
    expect(minusOne).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(0);
  });
});
