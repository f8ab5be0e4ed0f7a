/**
 * Oopses: what the kernel prints when it dies on a bad pointer or a bad
 * instruction (arch/x86/mm/fault.c's page-fault reports, "divide error",
 * "kernel BUG at", the stack guard page). All are fatal: the execution ends.
 */
import type { Thread } from '../state/state.js';
import { type Value, showValue } from '../state/values.js';
import { ERRNO_NAME } from '../lang/constants.js';
import type { ReportCtx } from './ctx.js';
import { type FindingKind, finding, where } from './finding.js';

/** `Oops: <msg>` at `t`'s current line (a divide error, an operation the model does not have). */
export function oops(k: ReportCtx, t: Thread, msg: string): void {
  const s = k.site(t);
  k.report(finding(k, 'oops', `Oops: ${msg}`, { sites: [[msg, s]], details: [`at ${where(s.stack)}`], fatal: true }));
}

/** A fatal `kind` finding titled `title` at `t`'s current line (BUG(), BUG_ON(), panic(), a failed assert). */
export function fatalAt(k: ReportCtx, t: Thread, kind: 'oops' | 'assert', title: string, details: string[]): void {
  const s = k.site(t);
  k.report(finding(k, kind, title, { sites: [[title, s]], details, fatal: true }));
}

/** `BUG: stack guard page was hit`: the call depth limit (unbounded recursion). */
export function stackOverflow(k: ReportCtx, t: Thread, depth: number, fn: string): void {
  const s = k.site(t);
  k.report(
    finding(k, 'oops', `BUG: stack guard page was hit (call depth ${depth} in ${fn})`, {
      sites: [[`call ${fn}`, s]],
      details: ['Unbounded recursion.'],
      fatal: true,
      key: ['recursion', fn],
    }),
  );
}

function errAddr(e: number): string {
  return (2n ** 64n + BigInt(e)).toString(16).padStart(16, '0');
}

/** A load or store through NULL, an ERR_PTR, XA_ZERO_ENTRY or a pointer the model cannot follow. */
export function badDeref(k: ReportCtx, t: Thread, v: Value, what: string): void {
  const s = k.site(t);
  const fn = s.stack[0]?.fn ?? '?';
  let kind: FindingKind = 'null-deref';
  let title: string;
  if (v === 0 || (typeof v === 'object' && v.t === 'p' && v.a === 0)) {
    title = `BUG: kernel NULL pointer dereference in ${fn}`;
  } else if (typeof v === 'object' && v.t === 'e') {
    kind = 'bad-pointer';
    const e = v.e < 0 && ERRNO_NAME.has(-v.e) ? '-' + ERRNO_NAME.get(-v.e) : v.e;
    title = `BUG: unable to handle page fault for address: ${errAddr(v.e)} (ERR_PTR(${e})) in ${fn}`;
  } else if (typeof v === 'object' && v.t === 'z') {
    title = `BUG: kernel NULL pointer dereference, address: 0000000000000406 (XA_ZERO_ENTRY) in ${fn}`;
  } else {
    kind = 'bad-pointer';
    title = `BUG: unable to handle page fault (${showValue(v)}) in ${fn}`;
  }
  k.report(
    finding(k, kind, title, { sites: [[`access ${what}`, s]], details: [`while accessing ${what}`], fatal: true }),
  );
}

/** A call through a function pointer that is NULL or no function. */
export function badCall(k: ReportCtx, t: Thread, v: Value, what: string): void {
  const s = k.site(t);
  const fn = s.stack[0]?.fn ?? '?';
  const nul = v === 0;
  const title = nul
    ? `BUG: kernel NULL pointer dereference (call through NULL ${what}) in ${fn}`
    : `BUG: unable to handle page fault (call through ${showValue(v)}) in ${fn}`;
  k.report(
    finding(k, nul ? 'null-deref' : 'bad-pointer', title, {
      sites: [[`call ${what}`, s]],
      details: [`calling ${what}`],
      fatal: true,
      key: ['call', where(s.stack)],
    }),
  );
}
