/**
 * Everything else kernel code calls: printk, ERR_PTR and friends, WARN/BUG,
 * lockdep assertions, might_sleep, time, container_of, and the scenario
 * helpers EXPECT_RET (contract findings) and INVARIANT (invariant findings).
 */
import type { Thread } from '../state/state.js';
import { type Value, ptr, showValue, truthy } from '../state/values.js';
import type { Builtin, BuiltinInstr, BuiltinTable, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig, VARIADIC } from './sig.js';
import { BOOL, INT, LONG, UINT, ULONG, VOID, VOIDP } from '../lang/ctype.js';
import { Fault } from '../state/fault.js';
import { finding, where } from '../detect/finding.js';
import { fatalAt } from '../detect/oops.js';
import { assertHeld as lockdepAssertHeld, mightSleep } from '../detect/lockdep.js';
import { memKey, partKey } from '../state/keys.js';
import { formatRet } from '../lang/constants.js';

const pure = (f: (m: KernelCtx, t: Thread, a: Value[], ins: BuiltinInstr) => Value): Builtin => ({
  kind: 'pure',
  exec: f,
});
const noop = pure(() => 0);
const sleeper = (what: string) =>
  pure((m, t) => {
    mightSleep(m, t, what);
    return 0;
  });

/** printf-style formatting of kernel log messages (%d %u %x %s %p and friends). */
export function format(m: KernelCtx, fmt: string, args: Value[]): string {
  let i = 0;
  return fmt.replace(
    /%([-+ 0#]*\d*(?:\.\d+)?)(hh|h|ll|l|z|t)?([diouxXscpe%])([a-zA-Z]*)/g,
    (all, _flags, _len, conv: string, ext: string) => {
      if (conv === '%') return '%';
      const v = args[i++];
      if (v === undefined) return all;
      switch (conv) {
        case 'd':
        case 'i':
        case 'u':
          return typeof v === 'number' ? String(v) + ext : showValue(v) + ext;
        case 'x':
        case 'X':
          return typeof v === 'number' ? (v >>> 0).toString(16) + ext : showValue(v) + ext;
        case 'o':
          return typeof v === 'number' ? v.toString(8) + ext : showValue(v) + ext;
        case 's':
          return (typeof v === 'object' && v.t === 's' ? v.s : showValue(v)) + ext;
        case 'c':
          return typeof v === 'number' ? String.fromCharCode(v) + ext : '?';
        case 'p':
          return showValue(v, (a) => m.allocName(a));
        default:
          return all;
      }
    },
  );
}

function printk(level: string, fmtArg = 0): Builtin {
  return pure((m, t, a) => {
    const f = a[fmtArg];
    const fmt = typeof f === 'object' && f.t === 's' ? f.s : showValue(f ?? 0);
    m.log(t, level, format(m, fmt, a.slice(fmtArg + 1)).replace(/\n$/, ''));
    return 0;
  });
}

function fatal(m: KernelCtx, t: Thread, kind: 'oops' | 'assert', title: string, details: string[]): never {
  fatalAt(m, t, kind, title, details);
  throw new Fault(title);
}

function warn(m: KernelCtx, t: Thread, ins: BuiltinInstr, once: boolean): void {
  const s = m.site(t);
  const f = s.stack[0];
  const text = ins.extra?.text ?? '';
  const w = finding(m, 'warn', `WARNING: CPU: 0 PID: ${t.tid + 1} at ${f?.file}:${f?.line} ${f?.fn}`, {
    sites: [[`WARN_ON(${text})`, s]],
    details: [
      `${once ? 'WARN_ON_ONCE' : 'WARN_ON'}(${text})`,
      'Call Trace:',
      ...s.stack.map((x) => ` ${x.fn} (${x.file}:${x.line})`),
    ],
  });
  if (once && m.findings.some((x) => x.key === w.key)) return;
  m.report(w);
}

/** The memory keys a lockdep_assert_held() argument may name: a lock, or the xa_lock at the start of an xarray. */
function lockKeys(v: Value): string[] {
  if (typeof v !== 'object' || v.t !== 'p') return [];
  return [memKey(v.a, v.o), partKey(memKey(v.a, v.o), 'lock')];
}

function assertHeld(want: boolean): Builtin {
  return pure((m, t, a, ins) => {
    const keys = lockKeys(a[0]!);
    const held = t.held.some((h) => keys.includes(h.key));
    if (held !== want) lockdepAssertHeld(m, t, want, ins.extra?.text ?? '');
    return 0;
  });
}

const MISC: BuiltinTable = {
  printk: printk('info'),
  pr_emerg: printk('emerg'),
  pr_alert: printk('alert'),
  pr_crit: printk('crit'),
  pr_err: printk('err'),
  pr_warn: printk('warn'),
  pr_notice: printk('notice'),
  pr_info: printk('info'),
  pr_debug: printk('debug'),
  dev_err: printk('err', 1),
  dev_warn: printk('warn', 1),
  dev_info: printk('info', 1),
  dev_dbg: printk('debug', 1),
  IS_ERR: pure((_m, _t, a) => (typeof a[0] === 'object' && a[0].t === 'e' ? 1 : 0)),
  IS_ERR_OR_NULL: pure((_m, _t, a) => (a[0] === 0 || (typeof a[0] === 'object' && a[0].t === 'e') ? 1 : 0)),
  PTR_ERR: pure((_m, _t, a) =>
    typeof a[0] === 'object' && a[0].t === 'e' ? a[0].e : typeof a[0] === 'number' ? a[0] : 0,
  ),
  PTR_ERR_OR_ZERO: pure((_m, _t, a) => (typeof a[0] === 'object' && a[0].t === 'e' ? a[0].e : 0)),
  ERR_PTR: pure((_m, _t, a) => (typeof a[0] === 'number' && a[0] !== 0 ? { t: 'e', e: a[0] } : 0)),
  ERR_CAST: pure((_m, _t, a) => a[0]!),
  msecs_to_jiffies: pure((_m, _t, a) => (typeof a[0] === 'number' ? a[0] : 0)),
  jiffies_to_msecs: pure((_m, _t, a) => (typeof a[0] === 'number' ? a[0] : 0)),
  __jiffies: pure((m) => m.jiffies),
  /** The running task's number (the model's `current`, for per-task state such as task_work). */
  __current_task: pure((_m, t) => t.tid),
  /**
   * How many tasks of the scenario's process exist (the model's files->count):
   * setup and check run on the main task alone (1); the thread bodies are
   * threads it created after setup and waits for before check, so while they
   * run there are at least two (counted as the main task plus all of them,
   * exited or not). Constant per task, so it adds no dependency.
   */
  __nr_tasks: pure((m, t) => {
    const n = m.threads().length;
    return t.tid === n - 1 ? 1 : n;
  }),
  might_sleep: sleeper('might_sleep()'),
  msleep: sleeper('msleep()'),
  usleep_range: sleeper('usleep_range()'),
  synchronize_rcu: sleeper('synchronize_rcu()'),
  cond_resched: sleeper('cond_resched()'),
  schedule: sleeper('schedule()'),
  cpu_relax: noop,
  udelay: noop,
  BUG: pure((m, t) => {
    const f = m.site(t).stack[0];
    return fatal(m, t, 'oops', `kernel BUG at ${f?.file}:${f?.line}!`, ['invalid opcode: 0000 [#1] PREEMPT SMP']);
  }),
  panic: pure((m, t, a) =>
    fatal(
      m,
      t,
      'oops',
      `Kernel panic - not syncing: ${typeof a[0] === 'object' && a[0].t === 's' ? format(m, a[0].s, a.slice(1)) : ''}`,
      [],
    ),
  ),
  __bug_on: pure((m, t, a, ins) => {
    if (!truthy(a[0]!)) return 0;
    const f = m.site(t).stack[0];
    return fatal(m, t, 'oops', `kernel BUG at ${f?.file}:${f?.line}!`, [`BUG_ON(${ins.extra?.text ?? ''})`]);
  }),
  __assert: pure((m, t, a, ins) => {
    if (truthy(a[0]!)) return 0;
    const f = m.site(t).stack[0];
    return fatal(m, t, 'assert', `assertion failed: ${ins.extra?.text ?? ''} (${f?.fn}, ${f?.file}:${f?.line})`, []);
  }),
  __warn: pure((m, t, a, ins) => {
    if (!truthy(a[0]!)) return 0;
    warn(m, t, ins, false);
    return 1;
  }),
  __warn_once: pure((m, t, a, ins) => {
    if (!truthy(a[0]!)) return 0;
    warn(m, t, ins, true);
    return 1;
  }),
  __lockdep_assert_held: assertHeld(true),
  __lockdep_assert_not_held: assertHeld(false),
  __container_of: pure((m, _t, a, ins) => {
    // container_of(p, T, member): p minus the member's offset; NULL and
    // ERR_PTR pass through unchanged when the member is at offset 0
    const p = a[0]!;
    const off = ins.extra?.offset ?? 0;
    if (typeof p === 'object' && p.t === 'p') {
      // an allocation made with a computed size (_iommufd_object_alloc) learns its type here
      const al = p.o - off === 0 ? m.peekAlloc(p) : undefined;
      const tn = ins.extra?.typeName;
      if (al && !al.type && al.kind === 'heap' && typeof tn === 'string') m.mut(al).type = tn;
      return ptr(p.a, p.o - off);
    }
    if (off === 0) return p;
    if (p === 0) return ptr(0, -off);
    return { t: 'b', why: `container_of(${showValue(p)}, ..., ${ins.extra?.text ?? '?'})` };
  }),
  EXPECT_RET: pure((m, t, a) => {
    const label = typeof a[0] === 'object' && a[0].t === 's' ? a[0].s : 'call';
    const ret = a[1]!;
    const allowed = a.slice(2);
    if (allowed.some((x) => x === ret)) return 0;
    const s = m.site(t);
    const show = (v: Value) => (typeof v === 'number' ? formatRet(v) : showValue(v));
    m.report(
      finding(
        m,
        'contract',
        `contract: ${label} returned ${show(ret)}; the scenario allows ${allowed.map(show).join(' or ')}`,
        {
          sites: [[label, s]],
          details: [`in ${t.name} at ${where(s.stack)}`],
          key: [label, show(ret), where(s.stack)],
          charge: 'learner',
        },
      ),
    );
    return 0;
  }),
  __invariant: pure((m, t, a, ins) => {
    if (truthy(a[0]!)) return 0;
    const s = m.site(t);
    m.report(
      finding(m, 'invariant', `invariant violated: ${ins.extra?.text ?? ''}`, {
        sites: [['INVARIANT', s]],
        details: [`checked by ${t.name} at ${where(s.stack)}`],
        key: [String(ins.extra?.text), where(s.stack)],
        charge: 'learner',
      }),
    );
    return 0;
  }),
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  IS_ERR: sig(1, 1, BOOL),
  IS_ERR_OR_NULL: sig(1, 1, BOOL),
  PTR_ERR: sig(1, 1, LONG),
  ERR_PTR: sig(1, 1, VOIDP),
  ERR_CAST: sig(1, 1, VOIDP),
  PTR_ERR_OR_ZERO: sig(1, 1, INT),
  msecs_to_jiffies: sig(1, 1, ULONG),
  jiffies_to_msecs: sig(1, 1, UINT),
  might_sleep: sig(0, 0, VOID),
  cpu_relax: sig(0, 0, VOID),
  cond_resched: sig(0, 0, VOID),
  schedule: sig(0, 0, VOID),
  msleep: sig(1, 1, VOID),
  usleep_range: sig(2, 2, VOID),
  udelay: sig(1, 1, VOID),
  synchronize_rcu: sig(0, 0, VOID),
  printk: sig(1, VARIADIC, INT),
  pr_emerg: sig(1, VARIADIC, VOID),
  pr_alert: sig(1, VARIADIC, VOID),
  pr_crit: sig(1, VARIADIC, VOID),
  pr_err: sig(1, VARIADIC, VOID),
  pr_warn: sig(1, VARIADIC, VOID),
  pr_notice: sig(1, VARIADIC, VOID),
  pr_info: sig(1, VARIADIC, VOID),
  pr_debug: sig(1, VARIADIC, VOID),
  dev_err: sig(2, VARIADIC, VOID),
  dev_warn: sig(2, VARIADIC, VOID),
  dev_info: sig(2, VARIADIC, VOID),
  dev_dbg: sig(2, VARIADIC, VOID),
  BUG: sig(0, 0, VOID),
  panic: sig(1, VARIADIC, VOID),
  __bug_on: sig(1, 1, VOID),
  EXPECT_RET: sig(3, VARIADIC, VOID),
  __invariant: sig(1, 1, VOID),
  __jiffies: sig(0, 0, ULONG),
  __container_of: sig(1, 1, VOIDP),
  __current_task: sig(0, 0, INT),
  __nr_tasks: sig(0, 0, INT),
  __assert: sig(1, 1, VOID),
  __warn: sig(1, 1, INT),
  __warn_once: sig(1, 1, INT),
  __lockdep_assert_held: sig(1, 1, VOID),
  __lockdep_assert_not_held: sig(1, 1, VOID),
};

/** printk, ERR_PTR, WARN/BUG, lockdep assertions, time, container_of, the scenario helpers. */
export const misc: Primitive = { name: 'misc', builtins: MISC, sigs: SIGS };
