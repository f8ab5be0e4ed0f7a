/**
 * A generator of small random kernel-C programs that block: 2 or 3 threads
 * completing and waiting on two completions (timed and untimed waits,
 * try_wait_for_completion, completion_done, complete_all,
 * reinit_completion) and sleeping on a wait queue until a flag has a value
 * (wait_event_timeout, its interruptible variant and wait_event, woken by
 * wake_up and wake_up_interruptible, also on an empty queue), with plain and
 * marked writes between them. Each wait keeps its
 * result in a global of its own (a timed wait's jiffies left), so a final
 * state says which waiter got which completion, which sleep timed out and
 * when the others were woken. For the property tests that
 * compare DPOR with plain DFS where timers fire at quiescence (global
 * events) and waits take what another wait could have taken.
 */
import fc from 'fast-check';

type WaitOp =
  | { k: 'complete'; c: number }
  | { k: 'complete_all'; c: number }
  | { k: 'reinit'; c: number }
  | { k: 'wait'; c: number; t: number }
  | { k: 'wait_untimed'; c: number }
  | { k: 'try_wait'; c: number }
  | { k: 'set_flag'; v: number; val: number; wake: boolean }
  | { k: 'wake'; intr: boolean }
  | { k: 'wait_event'; v: number; val: number; t: number; intr: boolean }
  | { k: 'wait_event_untimed'; v: number; val: number }
  | { k: 'done'; c: number }
  | { k: 'plain_write'; v: number; val: number };

const C = 2;
const F = 2;

const timeout = fc.constantFrom(10, 20);

const waitOp: fc.Arbitrary<WaitOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('complete' as const), c: fc.nat(C - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('complete_all' as const), c: fc.nat(C - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reinit' as const), c: fc.nat(C - 1) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('wait' as const), c: fc.nat(C - 1), t: timeout }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('wait_untimed' as const), c: fc.nat(C - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('try_wait' as const), c: fc.nat(C - 1) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('set_flag' as const),
      v: fc.nat(F - 1),
      val: fc.integer({ min: 1, max: 2 }),
      wake: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('wake' as const), intr: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('wait_event' as const),
      v: fc.nat(F - 1),
      val: fc.integer({ min: 1, max: 2 }),
      t: timeout,
      intr: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('wait_event_untimed' as const),
      v: fc.nat(F - 1),
      val: fc.integer({ min: 1, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('done' as const), c: fc.nat(C - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('plain_write' as const),
      v: fc.nat(F - 1),
      val: fc.integer({ min: 1, max: 2 }),
    }),
  },
);

function renderOp(o: WaitOp, res: string): string {
  switch (o.k) {
    case 'complete':
      return `\tcomplete(&c${o.c});\n`;
    case 'complete_all':
      return `\tcomplete_all(&c${o.c});\n`;
    case 'reinit':
      return `\treinit_completion(&c${o.c});\n`;
    case 'wait':
      return `\t${res} = wait_for_completion_timeout(&c${o.c}, ${o.t});\n`;
    case 'wait_untimed':
      return `\twait_for_completion(&c${o.c});\n\t${res} = 1;\n`;
    case 'try_wait':
      return `\t${res} = try_wait_for_completion(&c${o.c});\n`;
    case 'set_flag':
      return `\tWRITE_ONCE(f${o.v}, ${o.val});\n${o.wake ? '\twake_up(&wq);\n' : ''}`;
    case 'wake':
      return o.intr ? '\twake_up_interruptible(&wq);\n' : '\twake_up(&wq);\n';
    case 'wait_event':
      return `\t${res} = wait_event${o.intr ? '_interruptible' : ''}_timeout(wq, READ_ONCE(f${o.v}) == ${o.val}, ${o.t});\n`;
    case 'wait_event_untimed':
      return `\twait_event(wq, READ_ONCE(f${o.v}) == ${o.val});\n\t${res} = 1;\n`;
    case 'done':
      return `\t${res} = completion_done(&c${o.c});\n`;
    case 'plain_write':
      return `\tf${o.v} = ${o.val};\n`;
  }
}

/** The program of `threads` (each a list of operations). */
export function renderWait(threads: WaitOp[][]): string {
  let s = '';
  for (let c = 0; c < C; c++) s += `static DECLARE_COMPLETION(c${c});\n`;
  s += 'static DECLARE_WAIT_QUEUE_HEAD(wq);\n';
  for (let v = 0; v < F; v++) s += `static int f${v};\n`;
  threads.forEach((ops, i) => {
    const res = ops.map((_, j) => `r${i}_${j}`);
    s += `static int ${res.join(', ')};\nvoid thread_t${i}(void)\n{\n${ops.map((o, j) => renderOp(o, res[j]!)).join('')}}\n`;
  });
  return s;
}

/** 2 or 3 threads of 1 to 3 blocking operations each. */
export const waitProgramArb: fc.Arbitrary<string> = fc
  .array(fc.array(waitOp, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 })
  .map(renderWait);
