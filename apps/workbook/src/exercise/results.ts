/**
 * The results panel: what to fix, then the scenarios. The charged findings
 * come as triaged cards (triage.ts: one per root cause across scenarios,
 * what the learner can act on first), each with one sentence on what to
 * look at next, the learner's own frame first with the model's frames
 * folded, the objects the finding names (the rest behind a toggle), the
 * kernel's own text behind another, and buttons that open an interleaving.
 * Below them, one row per scenario with its verdict, points and coverage
 * (marked when it was not exhaustive), and the model's own findings apart.
 */
import type { GradeReport, GradedFinding, ScenarioResult } from '@teardown/grader';
import type { FindingAccess, ObjectSnapshot, StackFrame } from '@teardown/core';
import { h } from './dom';
import { type Card, advice, involvedObjects, learnerFrame, stackRuns, triage } from './triage';

export interface ResultsHandlers {
  /** Open the trace viewer on a finding. */
  showTrace(s: ScenarioResult, f: GradedFinding): void;
  /** Move the editor to a line of the submission. */
  goto(line: number, column: number): void;
  /** Play a (visible) scenario by hand (src/play/); no Play buttons without it. */
  play?(s: ScenarioResult): void;
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

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function objectsTable(objects: readonly ObjectSnapshot[]): HTMLElement {
  return h(
    'table',
    { class: 'td-objects-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'object'), h('th', {}, 'state'), h('th', {}, 'fields'))),
    h(
      'tbody',
      {},
      ...objects.map((o) =>
        h(
          'tr',
          { class: o.state === 'freed' ? 'td-freed' : undefined, 'data-object': o.name },
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
  );
}

/** `fn (file:line)`, as a link into the editor when it is the learner's file. */
function frameEl(fr: StackFrame, mine: boolean, handlers: ResultsHandlers): HTMLElement {
  const text = `${fr.fn} (${fr.file}:${fr.line})`;
  if (!mine) return h('li', {}, h('code', {}, text));
  const a = h('a', { href: '#', class: 'td-frame-mine' }, `${fr.fn}, line ${fr.line}`);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    handlers.goto(fr.line, fr.column || 1);
  });
  return h('li', { class: 'td-mine' }, 'your code: ', a);
}

/** One access's call stack: the learner's frames as links, every run of other frames folded. */
function stackEl(a: FindingAccess, learner: string, handlers: ResultsHandlers): HTMLElement {
  const list = h('ul', { class: 'td-stack' });
  const runs = stackRuns(a.stack, learner);
  for (const [i, run] of runs.entries()) {
    if (run.mine) {
      for (const fr of run.frames) list.append(frameEl(fr, true, handlers));
      continue;
    }
    // the innermost frame stays visible (it says where it happened); the rest of a model run folds
    const [head, ...more] = i === 0 ? run.frames : [undefined, ...run.frames];
    if (head) list.append(frameEl(head, false, handlers));
    if (more.length)
      list.append(
        h(
          'li',
          {},
          h(
            'details',
            { class: 'td-fold' },
            h('summary', {}, `${plural(more.length, 'frame')} in the model and the scenario`),
            h('ul', {}, ...more.map((fr) => frameEl(fr!, false, handlers))),
          ),
        ),
      );
  }
  return h(
    'div',
    { class: 'td-access' },
    h('div', { class: 'td-access-what' }, h('code', {}, `${a.what}`), ` (${a.task})`),
    list,
  );
}

function traceButtons(card: Card, handlers: ResultsHandlers): HTMLElement | null {
  const firsts = new Map<string, { s: ScenarioResult; f: GradedFinding }>();
  for (const { scenario: s, finding: f } of card.instances)
    if ((f.schedule || f.schedules) && !firsts.has(s.id)) firsts.set(s.id, { s, f });
  if (!firsts.size) return null;
  const buttons = [...firsts.values()].map(({ s, f }, i) => {
    const b = h(
      'button',
      { type: 'button', class: `td-show-trace${i ? ' td-secondary' : ''}`, 'data-scenario': s.id, title: s.title },
      i === 0 ? `Show the interleaving${f.schedules ? ' (the last one)' : ''}` : s.id,
    );
    b.addEventListener('click', () => handlers.showTrace(s, f));
    return b;
  });
  const [first, ...others] = buttons;
  const f0 = [...firsts.values()][0]!.f;
  const facts = f0.schedule
    ? ` ${plural(f0.schedule.length, 'step')}, ${plural(f0.preemptions ?? 0, 'preemption')} (${[...firsts.values()][0]!.s.title})`
    : '';
  return h(
    'div',
    { class: 'td-finding-foot' },
    first!,
    h('span', { class: 'td-facts' }, facts),
    others.length ? h('div', { class: 'td-other-traces' }, 'In the other scenarios: ', ...others) : null,
  );
}

function cardEl(card: Card, n: number, learner: string, handlers: ResultsHandlers): HTMLElement {
  const f = card.instances[0]!.finding;
  const where = card.mine
    ? (() => {
        const a = h('a', { href: '#', class: 'td-frame-mine' }, `your ${card.mine.fn}, line ${card.mine.line}`);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          handlers.goto(card.mine!.line, card.mine!.column || 1);
        });
        return h('p', { class: 'td-where' }, 'Where: ', a);
      })()
    : h(
        'p',
        { class: 'td-where td-not-mine' },
        `Not in your code: it happens in ${f.accesses[0]?.stack[0]?.fn ?? 'the model'}, because of what your functions did (or did not do) before.`,
      );
  // the scenarios' checks differ by message: list them (the other kinds share one title, the scenarios are the buttons)
  const checks = [...new Map(card.instances.map((i) => [`${i.scenario.id}\u0000${i.finding.key}`, i])).values()];
  const list =
    (card.kind === 'contract' || card.kind === 'invariant' || card.kind === 'assert') && checks.length > 1
      ? h(
          'ul',
          { class: 'td-instances' },
          ...checks
            .slice(0, 6)
            .map((i) => h('li', {}, `${i.finding.title} `, h('span', { class: 'td-in' }, `(${i.scenario.id})`))),
          checks.length > 6 ? h('li', {}, `and ${checks.length - 6} more`) : null,
        )
      : null;
  const { involved, rest } = involvedObjects(f);
  const stacks = f.accesses.length
    ? h(
        'details',
        { class: 'td-stacks', open: card.mine !== undefined },
        h('summary', {}, card.mine ? 'Call stacks (your frames first)' : 'Call stacks'),
        ...f.accesses.slice(0, 4).map((a) => stackEl(a, learner, handlers)),
      )
    : null;
  return h(
    'article',
    {
      class: `td-finding td-kind-${card.kind}`,
      id: `td-card-${n}`,
      'data-kind': card.kind,
      'data-key': card.key,
      'data-scenarios': card.scenarios.join(' '),
      'aria-labelledby': `td-card-${n}-title`,
    },
    h(
      'header',
      {},
      h('span', { class: 'td-badge' }, `${KIND_LABEL[card.kind] ?? card.kind} · ${card.kind}`),
      h('strong', { class: 'td-finding-title', id: `td-card-${n}-title` }, card.title),
      h('span', { class: 'td-in' }, `in ${plural(card.scenarios.length, 'scenario')}`),
    ),
    h('p', { class: 'td-advice' }, card.advice),
    where,
    list,
    stacks,
    involved.length ? objectsTable(involved) : null,
    rest.length
      ? h(
          'details',
          { class: 'td-more-objects' },
          h('summary', {}, `${plural(rest.length, 'more object')}`),
          objectsTable(rest),
        )
      : null,
    h(
      'details',
      { class: 'td-kernel-text' },
      h('summary', {}, 'What the kernel prints'),
      h('pre', { class: 'td-splat', tabindex: '0' }, f.details.join('\n')),
    ),
    traceButtons(card, handlers),
  );
}

/**
 * One finding's card, as the results panel draws it (the play panel shows
 * a finding reached by hand in it). `n` makes its element ids unique on the page.
 */
export function findingCard(
  f: GradedFinding,
  s: ScenarioResult,
  learner: string,
  n: number,
  handlers: ResultsHandlers,
): HTMLElement {
  const mine = learnerFrame(f, learner);
  const card: Card = {
    key: f.key,
    kind: f.kind,
    title: f.title,
    instances: [{ scenario: s, finding: f }],
    scenarios: [s.id],
    mine,
    advice: advice(f.kind, mine, f),
    rank: 0,
  };
  return cardEl(card, n, learner, handlers);
}

/** A scenario's coverage as a short tag, and whether it was exhaustive. */
export function coverageTag(s: ScenarioResult): { text: string; exhaustive: boolean } {
  if (!s.coverage) return { text: 'not run', exhaustive: false };
  const exhaustive = s.coverage.kind === 'exhaustive' && s.complete;
  return { text: exhaustive ? 'exhaustive' : `not exhaustive: ${s.coverage.text}`, exhaustive };
}

function scenarioRow(s: ScenarioResult, cards: Card[], handlers: ResultsHandlers): HTMLElement {
  const ok = s.status === 'passed';
  const play =
    handlers.play && s.visible
      ? h('button', { type: 'button', class: 'td-play-scenario td-secondary', 'aria-label': `Play ${s.title}` }, 'Play')
      : null;
  play?.addEventListener('click', () => handlers.play!(s));
  const cov = coverageTag(s);
  const mine = cards.map((c, i) => (c.scenarios.includes(s.id) ? i + 1 : 0)).filter((n) => n > 0);
  return h(
    'li',
    {
      class: `td-scenario ${ok ? 'td-pass' : 'td-fail'}`,
      'data-scenario': s.id,
      'data-status': s.status,
      'data-exhaustive': String(cov.exhaustive),
    },
    h('span', { class: 'td-verdict' }, ok ? '✓' : '✗', h('span', { class: 'td-sr-only' }, ok ? ' passed' : ' failed')),
    h('span', { class: 'td-scenario-title' }, s.title),
    h('span', { class: 'td-points' }, `${s.score}/${s.points}`),
    s.visible ? null : h('span', { class: 'td-hidden-tag' }, 'hidden'),
    h(
      'span',
      { class: `td-coverage${cov.exhaustive ? '' : ' td-partial'}`, title: s.coverage?.text ?? 'not run' },
      cov.exhaustive ? (s.coverage?.text ?? '') : cov.text,
    ),
    mine.length
      ? h(
          'span',
          { class: 'td-cards' },
          'findings ',
          ...mine.flatMap((n, i) => [i ? ', ' : '', h('a', { href: `#td-card-${n}` }, String(n))]),
        )
      : s.status === 'failed'
        ? h('span', { class: 'td-cards' }, 'stopped before the exploration finished')
        : null,
    play,
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
  const partial = r.scenarios.filter((s) => s.status === 'passed' && !coverageTag(s).exhaustive);
  if (partial.length)
    root.append(
      h(
        'p',
        { class: 'td-partial-note' },
        `${plural(partial.length, 'scenario')} passed without exhaustive coverage (marked below): the checker stopped at its budget, so a bug may hide in the interleavings it did not reach.`,
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
  const learner = r.submission[0] ?? 'submission.c';
  const cards = triage(r, learner);
  if (cards.length) {
    const findings = cards.reduce((n, c) => n + c.instances.length, 0);
    root.append(
      h('h4', { class: 'td-results-sub' }, `What to fix: ${plural(cards.length, 'root cause')}`),
      h(
        'p',
        { class: 'td-results-note' },
        `${plural(findings, 'finding')} in ${plural(r.scenarios.filter((s) => s.findings.length).length, 'scenario')}, grouped; start with the first.`,
      ),
      ...cards.map((c, i) => cardEl(c, i + 1, learner, handlers)),
    );
  }
  root.append(
    h('h4', { class: 'td-results-sub' }, 'Scenarios'),
    h('ol', { class: 'td-scenarios' }, ...r.scenarios.map((s) => scenarioRow(s, cards, handlers))),
  );
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
      const b =
        f.schedule || f.schedules
          ? h(
              'button',
              { type: 'button', class: 'td-show-trace td-secondary', 'data-scenario': s.id },
              'Show the interleaving',
            )
          : null;
      b?.addEventListener('click', () => handlers.showTrace(s, f));
      box.append(
        h(
          'article',
          { class: `td-finding td-model td-kind-${f.kind}`, 'data-kind': f.kind },
          h(
            'header',
            {},
            h('span', { class: 'td-badge' }, `${KIND_LABEL[f.kind] ?? f.kind} · ${f.kind}`),
            h('strong', { class: 'td-finding-title' }, f.title),
          ),
          h('p', { class: 'td-finding-foot' }, `${s.title} `, b),
        ),
      );
    }
    root.append(box);
  }
}
