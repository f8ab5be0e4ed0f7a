/**
 * Terminal text rendering: findings as kernel-style splats, and a trace as a
 * table with one column per thread (as Lincheck and OSTEP's simulators show
 * interleavings), each cell the step's operation and source line.
 */
import type { Finding } from '../detect/finding.js';
import type { StepRecord } from '../sched/explorer.js';
import type { Injection } from '../state/fault.js';

/** How traceTable renders a trace. */
export interface TraceTableOptions {
  /** Source text by file name, to show the line of each step. */
  sources?: Map<string, string>;
  /** Maximum width of a column. */
  width?: number;
  /** Mark this step (the finding). */
  mark?: number;
  /** One row for consecutive steps of one thread on one source line (`12-14`). */
  merge?: boolean;
  /** Injected failures: each is a row of its thread, before the step it preceded (marked `F`). */
  injected?: readonly Injection[];
}

/** How an injected failure reads in a trace or a report: `kzalloc fails (fault site kmalloc, call 1 of thread a)`. */
export function injectionText(i: Injection, names: readonly string[]): string {
  const at = i.stack[0];
  const where = at ? ` at ${at.file.replace(/^.*\//, '')}:${at.line}` : '';
  return `injected failure${where}: fault site ${i.site} fails (call ${i.nth} of ${names[i.tid] ?? `T${i.tid}`} at an armed site)`;
}

/** One column per thread; each row is one step. */
export function traceTable(
  steps: readonly StepRecord[],
  names: readonly string[],
  opts: TraceTableOptions = {},
): string {
  const inj = opts.injected ?? [];
  const used = [...new Set([...steps.map((s) => s.tid), ...inj.map((i) => i.tid)])].sort((a, b) => a - b);
  const width = opts.width ?? 44;
  const cell = (s: StepRecord) => {
    const src = opts.sources?.get(s.frame.file)?.split('\n')[s.frame.line - 1]?.trim();
    const loc = `${s.frame.file.replace(/^.*\//, '')}:${s.frame.line}`;
    const text = src ? `${loc} ${src}` : `${loc} ${s.label}`;
    return clip(text, width);
  };
  const header = ['step', ...used.map((t) => names[t] ?? `T${t}`)];
  const rows: string[][] = [];
  const injRow = (x: Injection) => {
    const at = x.stack[0];
    const text = clip(`${at ? `${at.file.replace(/^.*\//, '')}:${at.line} ` : ''}✗ ${x.site} fails (injected)`, width);
    rows.push(['F', ...used.map((t) => (t === x.tid ? text : ''))]);
  };
  let k = 0;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    while (k < inj.length && inj[k]!.step <= s.step) injRow(inj[k++]!);
    let j = i;
    if (opts.merge) {
      while (
        j + 1 < steps.length &&
        steps[j + 1]!.tid === s.tid &&
        !steps[j + 1]!.preemption &&
        steps[j + 1]!.frame.file === s.frame.file &&
        steps[j + 1]!.frame.line === s.frame.line &&
        opts.mark !== steps[j + 1]!.step
      )
        j++;
    }
    const last = steps[j]!;
    const num = j > i ? `${s.step + 1}-${last.step + 1}` : String(s.step + 1);
    rows.push([
      num + (s.preemption ? '*' : '') + (opts.mark === last.step ? '!' : ''),
      ...used.map((t) => (t === s.tid ? cell(s) : '')),
    ]);
    i = j;
  }
  while (k < inj.length) injRow(inj[k++]!);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  const sep = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [line(header), sep, ...rows.map(line)].join('\n');
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** A finding as text: title, splat body, involved objects, and how to replay it. */
export function renderFinding(
  f: Finding,
  opts: { trace?: string; indent?: string; names?: readonly string[]; replayFlags?: string } = {},
): string {
  const ind = opts.indent ?? '';
  const out: string[] = [];
  out.push(`${ind}[${f.kind}]${f.origin === 'model' ? " (in the model's kernel code)" : ''} ${f.title}`);
  for (const d of f.details) out.push(`${ind}  ${d}`);
  if (f.objects.length) {
    out.push(`${ind}  objects:`);
    for (const o of f.objects) {
      const fields = Object.entries(o.fields)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      out.push(`${ind}    ${o.name}${o.type ? ` (struct ${o.type})` : ''} [${o.state}]${fields ? ` ${fields}` : ''}`);
    }
  }
  for (const i of f.injected ?? []) out.push(`${ind}  ${injectionText(i, opts.names ?? [])}`);
  if (f.schedule) {
    out.push(
      `${ind}  schedule: ${f.schedule.length} steps, ${f.preemptions ?? 0} preemption${f.preemptions === 1 ? '' : 's'}, ${f.switches ?? 0} context switch${f.switches === 1 ? '' : 'es'}; replay with --schedule ${f.token || '""'}${opts.replayFlags ? ` ${opts.replayFlags}` : ''}`,
    );
    if (f.minimised === false)
      out.push(`${ind}  not minimised: the budget ran out first (a real counterexample, maybe not the shortest)`);
  }
  if (opts.trace) {
    out.push('');
    for (const l of opts.trace.split('\n')) out.push(`${ind}  ${l}`);
  }
  return out.join('\n');
}
