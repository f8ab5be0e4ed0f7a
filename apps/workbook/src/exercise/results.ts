/**
 * The results panel: one row per scenario with its verdict, points and
 * coverage; under a failed one, each finding as a kernel-style card with
 * the objects involved and a button that opens its interleaving.
 */
import type { GradeReport, GradedFinding, ScenarioResult } from '@teardown/grader';
import { h } from './dom';

export interface ResultsHandlers {
  /** Open the trace viewer on a finding. */
  showTrace(s: ScenarioResult, f: GradedFinding): void;
  /** Move the editor to a line of the submission. */
  goto(line: number, column: number): void;
}

const KIND_LABEL: Record<string, string> = {
  'use-after-free': 'KASAN',
  'double-free': 'KASAN',
  'invalid-free': 'KASAN',
  'null-deref': 'oops',
  'bad-pointer': 'oops',
  deadlock: 'hung task',
  'lock-order': 'lockdep',
  'lock-misuse': 'lockdep',
  stall: 'hung task',
  refcount: 'refcount_t',
  warn: 'WARN',
  'data-race': 'KCSAN',
  leak: 'kmemleak',
  assert: 'assert',
  livelock: 'livelock',
  oops: 'oops',
  contract: 'selftest',
  invariant: 'invariant',
};

function findingCard(s: ScenarioResult, f: GradedFinding, handlers: ResultsHandlers, charged: boolean): HTMLElement {
  const objects = f.objects.length
    ? h(
        'table',
        { class: 'td-objects-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'object'), h('th', {}, 'state'), h('th', {}, 'fields'))),
        h(
          'tbody',
          {},
          ...f.objects.map((o) =>
            h(
              'tr',
              { class: o.state === 'freed' ? 'td-freed' : undefined },
              h('td', {}, h('code', {}, o.name)),
              h('td', {}, o.state),
              h(
                'td',
                {},
                h(
                  'code',
                  {},
                  Object.entries(o.fields)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', '),
                ),
              ),
            ),
          ),
        ),
      )
    : null;
  const btn =
    f.schedule || f.schedules
      ? h(
          'button',
          { type: 'button', class: 'td-show-trace', 'data-scenario': s.id },
          f.schedules ? 'Show the last interleaving' : 'Show the interleaving',
        )
      : null;
  btn?.addEventListener('click', () => handlers.showTrace(s, f));
  const facts = f.schedule
    ? `${f.schedule.length} steps, ${f.preemptions ?? 0} preemption${f.preemptions === 1 ? '' : 's'}, ${f.switches ?? 0} context switch${f.switches === 1 ? '' : 'es'}`
    : '';
  return h(
    'article',
    { class: `td-finding td-kind-${f.kind}${charged ? '' : ' td-model'}`, 'data-kind': f.kind },
    h(
      'header',
      {},
      h('span', { class: 'td-badge' }, `${KIND_LABEL[f.kind] ?? f.kind} · ${f.kind}`),
      h('strong', { class: 'td-finding-title' }, f.title),
    ),
    h('pre', { class: 'td-splat' }, f.details.join('\n')),
    objects,
    h('p', { class: 'td-finding-foot' }, facts, f.similar ? ` · ${f.similar} more like it` : '', ' ', btn),
  );
}

/** Render a report into `root` (replacing what was there). */
export function renderResults(root: HTMLElement, r: GradeReport, handlers: ResultsHandlers): void {
  root.replaceChildren();
  const passed = r.scenarios.filter((s) => s.status === 'passed').length;
  root.append(
    h(
      'h3',
      { class: 'td-results-title' },
      r.status === 'error'
        ? 'Your code does not compile'
        : `${r.mode === 'quick' ? 'Run' : 'Submit'}: ${r.score}/${r.maxScore} points, ${passed} of ${r.scenarios.length} scenarios passed`,
    ),
  );
  if (r.diagnostics.length) {
    const list = h('ul', { class: 'td-diagnostics' });
    for (const d of r.diagnostics) {
      const a = h('a', { href: '#', class: 'td-diag-link' }, `${d.file}:${d.line}:${d.column}`);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        handlers.goto(d.line, d.column);
      });
      list.append(h('li', {}, a, `: ${d.message}`));
    }
    root.append(list);
    return;
  }
  for (const s of r.scenarios) {
    const ok = s.status === 'passed';
    const det = h(
      'details',
      { class: `td-scenario ${ok ? 'td-pass' : 'td-fail'}`, 'data-scenario': s.id, 'data-status': s.status, open: !ok },
      h(
        'summary',
        {},
        h('span', { class: 'td-verdict', 'aria-label': ok ? 'passed' : 'failed' }, ok ? '✓' : '✗'),
        h('span', { class: 'td-scenario-title' }, s.title),
        h('span', { class: 'td-points' }, `${s.score}/${s.points}`),
        s.visible ? null : h('span', { class: 'td-hidden-tag' }, 'hidden'),
      ),
      h(
        'p',
        { class: 'td-coverage' },
        s.coverage ? s.coverage.text : 'not run',
        s.status === 'failed' && !s.findings.length ? ' · stopped before the exploration finished' : '',
      ),
    );
    for (const f of s.findings) det.append(findingCard(s, f, handlers, true));
    root.append(det);
  }
  const model = r.scenarios.flatMap((s) => s.modelFindings.map((f) => ({ s, f })));
  if (model.length) {
    const seen = new Set<string>();
    const box = h(
      'details',
      { class: 'td-model-findings' },
      h('summary', {}, "In the model's own kernel code (the reference solution shows these too; they cost nothing)"),
    );
    for (const { s, f } of model) {
      if (seen.has(f.title)) continue;
      seen.add(f.title);
      box.append(findingCard(s, f, handlers, false));
    }
    root.append(box);
  }
}
