/** `teardown check <program.c>`. */
import { checkProgram, renderFinding, traceTable, formatDiagnostic, type CheckReport } from '@teardown/core';
import { SplitThreads, splitWorkersAvailable } from '@teardown/core/node';
import { type ExplorationCliOptions, parseJobs, parseStateCacheMb, strategyOptions } from '../options.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.js';

export interface CheckCliOptions extends ExplorationCliOptions {
  json?: boolean;
  reproducible?: boolean;
  minimise?: boolean;
  stateCache?: boolean;
  stateCacheMb?: string;
  syncPoints?: boolean;
  timeouts?: 'quiescent' | 'anytime';
  jobs?: string;
}

export async function checkCommand(file: string, text: string, o: CheckCliOptions): Promise<number> {
  const so = strategyOptions(o);
  if (o.stateCache && !['dfs', 'dpor', 'source-dpor'].includes(so.strategy ?? 'portfolio'))
    throw new UsageError(
      '--state-cache needs --strategy dfs, dpor or source-dpor (stateful search: docs/scheduler.md, "Stateful DPOR")',
    );
  const stateCacheBytes = parseStateCacheMb(o.stateCacheMb);
  if (stateCacheBytes !== undefined && !(o.stateCache && ['dpor', 'source-dpor'].includes(so.strategy ?? '')))
    throw new UsageError(
      '--state-cache-mb bounds stateful DPOR: give it with --state-cache and --strategy dpor or source-dpor',
    );
  if (o.stateCache && o.syncPoints)
    throw new UsageError(
      '--sync-points and --state-cache do not go together (docs/scheduler.md, "Synchronisation points")',
    );
  const jobs = parseJobs(o.jobs) ?? 1;
  if (
    jobs > 1 &&
    (o.stateCache || o.syncPoints || !['dpor', 'source-dpor', 'portfolio'].includes(so.strategy ?? 'portfolio'))
  )
    throw new UsageError(
      '--jobs splits a stateless DPOR exploration: --strategy portfolio, dpor or source-dpor, without --state-cache or --sync-points (docs/scheduler.md, "Splitting one exploration")',
    );
  // the workers explore subtrees ahead of this thread; without the worker module (a one-file bundle) it explores alone
  const pool = jobs > 1 && splitWorkersAvailable() ? new SplitThreads(jobs - 1) : null;
  let report: CheckReport;
  try {
    report = await checkProgram(file, text, {
      ...so,
      minimise: o.minimise !== false,
      stateCache: o.stateCache,
      stateCacheBytes,
      syncPoints: o.syncPoints === true,
      reproducible: o.reproducible === true,
      timeouts: o.timeouts,
      ...(pool ? { splitUnits: (p, spec, limits) => pool.runner(p, spec, limits) } : {}),
    });
  } finally {
    await pool?.close();
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(reportJson(report, o.reproducible === true), null, 2) + '\n');
  } else {
    process.stdout.write(
      renderCheckText(report, text, o.timeouts === 'anytime' ? '--timeouts anytime' : '', o.reproducible === true) +
        '\n',
    );
  }
  if (report.diagnostics.length) return EXIT_USAGE;
  return report.findings.length ? EXIT_FINDINGS : EXIT_OK;
}

/** The JSON report (wall-clock time left out when reproducible). */
export function reportJson(r: CheckReport, reproducible: boolean): unknown {
  const stats = r.stats
    ? {
        executions: r.stats.executions,
        blocked: r.stats.blocked,
        traces: r.stats.traces,
        states: r.stats.states,
        steps: r.stats.steps,
        ms: reproducible ? undefined : Math.round(r.stats.ms * 10) / 10,
        complete: r.stats.complete,
      }
    : null;
  return {
    version: r.version,
    file: r.file,
    threads: r.threads,
    findings: r.findings,
    coverage: r.coverage,
    stats,
    diagnostics: r.diagnostics,
    ...(r.omitted ? { omitted: r.omitted } : {}),
  };
}

export function renderDiagnostics(
  r: { diagnostics: { file: string; line: number; column: number; message: string; severity: 'error' | 'warning' }[] },
  text: string,
): string {
  const lines = text.split('\n');
  return r.diagnostics
    .map((d) => {
      const src = lines[d.line - 1] ?? '';
      const pad = src.slice(0, Math.max(0, d.column - 1)).replace(/[^\t]/g, ' ');
      return `${formatDiagnostic(d)}\n  ${src}\n  ${pad}^`;
    })
    .join('\n');
}

/** The text report; `reproducible` leaves the wall-clock time out, as the JSON report does. */
export function renderCheckText(r: CheckReport, text: string, replayFlags = '', reproducible = false): string {
  if (r.diagnostics.length) return renderDiagnostics(r, text);
  const out: string[] = [];
  const s = r.stats!;
  out.push(`${r.file}: ${r.coverage?.text}`);
  out.push(
    `  ${s.executions} executions, ${s.traces} traces, ${s.states} states${reproducible ? '' : `, ${s.ms.toFixed(0)} ms`}`,
  );
  if (!r.findings.length) {
    out.push('  no findings');
    return out.join('\n');
  }
  out.push(`  ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}:`);
  if (r.omitted)
    out.push(
      `  (and ${r.omitted} more not listed: a report lists at most ${r.findings.length}; fix these and check again)`,
    );
  const sources = new Map([[r.file, text]]);
  for (const f of r.findings) {
    out.push('');
    const table =
      f.trace?.length || f.injected?.length
        ? traceTable(f.trace ?? [], r.threads, { sources, injected: f.injected })
        : undefined;
    out.push(renderFinding(f, { trace: table, names: r.threads, replayFlags }));
  }
  return out.join('\n');
}
