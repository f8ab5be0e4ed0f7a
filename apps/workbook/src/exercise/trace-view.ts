/**
 * The trace viewer: a replayed interleaving with one column per thread,
 * stepped back and forth. At the selected step it shows the source line
 * (highlighted in the editor when it is the learner's code, in a source
 * pane otherwise), the kernel objects (idev, vdev, vIOMMU, igroup, files,
 * with users, wait_cnt, locks and xarray slots) with what changed since
 * the previous step highlighted, and the kernel log so far.
 */
import type { ObjectSnapshot } from '@teardown/core';
import type { TraceView } from './grader-client';
import { h } from './dom';
import { SUBMISSION } from './names';

export interface TraceMeta {
  scenarioTitle: string;
  findingTitle?: string;
  findingKind?: string;
}

export interface TraceHost {
  /** Highlight a line of the learner's file, or clear the highlight (null). */
  highlight(line: number | null): void;
  /** A link that reopens this trace, or null when it cannot be shared. */
  shareLink(): string | null;
  /** The viewer was closed. */
  closed(): void;
  /** Said after the location of a step in the graded file (default: that it is the learner's code, highlighted in the editor). */
  submissionNote?: string;
}

function objectCard(o: ObjectSnapshot, prev: ObjectSnapshot | undefined, isNew: boolean): HTMLElement {
  const freed = o.state === 'freed';
  const freedNow = freed && prev?.state === 'live';
  const rows = freed
    ? []
    : Object.entries(o.fields).map(([k, v]) => {
        const changed = !isNew && prev !== undefined && prev.fields[k] !== v;
        return h(
          'tr',
          { class: changed ? 'td-changed' : undefined, 'data-field': k },
          h('th', {}, k),
          h('td', {}, h('code', {}, v)),
          changed ? h('td', { class: 'td-was' }, `was ${prev!.fields[k] ?? '-'}`) : h('td', {}),
        );
      });
  return h(
    'div',
    {
      class: `td-object${isNew ? ' td-new' : ''}${freed ? ' td-gone' : ''}${freedNow ? ' td-freed-now' : ''}`,
      'data-object': o.name,
      'data-state': o.state,
    },
    h(
      'div',
      { class: 'td-object-name' },
      h('code', {}, o.name),
      freedNow ? ' freed at this step' : freed ? ' freed' : isNew ? ' new' : '',
    ),
    rows.length ? h('table', {}, h('tbody', {}, ...rows)) : null,
  );
}

/** iommufd's objects first (the ones the exercise is about), then the rest in allocation order. */
const FIRST = ['iommufd_device', 'iommufd_vdevice', 'iommufd_viommu', 'iommufd_group', 'iommufd_ctx'];
function byInterest(a: ObjectSnapshot, b: ObjectSnapshot): number {
  const ra = FIRST.indexOf(a.type ?? '');
  const rb = FIRST.indexOf(b.type ?? '');
  return (ra < 0 ? FIRST.length : ra) - (rb < 0 ? FIRST.length : rb);
}

export class TraceViewer {
  private view: TraceView | null = null;
  private at = 0;
  private rows: HTMLTableRowElement[] = [];
  private readonly label: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly source: HTMLElement;
  private readonly objects: HTMLElement;
  private readonly log: HTMLElement;
  private readonly title: HTMLElement;
  private readonly finding: HTMLElement;
  private readonly shareOut: HTMLInputElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: TraceHost,
  ) {
    const btn = (act: string, text: string, title: string) => {
      const b = h('button', { type: 'button', 'data-act': act, title }, text);
      b.addEventListener('click', () => this.act(act));
      return b;
    };
    this.title = h('h3', { class: 'td-trace-title' });
    this.finding = h('p', { class: 'td-trace-finding' });
    this.label = h('span', { class: 'td-step-label', 'aria-live': 'polite' });
    this.shareOut = h('input', {
      class: 'td-share-url',
      readonly: true,
      hidden: true,
      'aria-label': 'Link to this trace',
    });
    this.grid = h('div', { class: 'td-trace-grid', tabindex: '0' });
    this.source = h('div', { class: 'td-trace-source' });
    this.objects = h('div', { class: 'td-trace-objects' });
    this.log = h('div', { class: 'td-trace-log' });
    root.replaceChildren(
      h(
        'header',
        { class: 'td-trace-head' },
        this.title,
        this.finding,
        h(
          'div',
          { class: 'td-trace-controls' },
          btn('first', '◀◀ First', 'First step (Home)'),
          btn('prev', '◀ Back', 'Previous step (←)'),
          this.label,
          btn('next', 'Forward ▶', 'Next step (→)'),
          btn('finding', 'Jump to the finding ▶▶', 'The step where the finding fires (End)'),
          btn('share', 'Copy link', 'A link that reopens this trace'),
          btn('close', 'Close', 'Close the trace viewer'),
        ),
        this.shareOut,
      ),
      h(
        'div',
        { class: 'td-trace-body' },
        this.grid,
        h(
          'aside',
          { class: 'td-trace-side' },
          this.source,
          h('h4', {}, 'Kernel objects'),
          this.objects,
          h('h4', {}, 'Kernel log'),
          this.log,
        ),
      ),
    );
    root.addEventListener('keydown', (e) => {
      const k = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'finding' }[e.key];
      if (k && !(e.target instanceof HTMLInputElement)) {
        e.preventDefault();
        this.act(k);
      }
    });
  }

  get step(): number {
    return this.at;
  }

  get length(): number {
    return this.view?.trace.steps.length ?? 0;
  }

  /** Show a trace, at its first step. */
  show(view: TraceView, meta: TraceMeta): void {
    this.view = view;
    this.root.hidden = false;
    this.title.textContent = `Interleaving: ${meta.scenarioTitle}`;
    this.finding.textContent = meta.findingTitle
      ? `${meta.findingKind ? `[${meta.findingKind}] ` : ''}${meta.findingTitle}`
      : '';
    this.shareOut.hidden = true;
    const { steps } = view.trace;
    const injected = view.trace.injections ?? [];
    const used = [...new Set([...steps.map((s) => s.tid), ...injected.map((x) => x.tid)])].sort((a, b) => a - b);
    const head = h('tr', {}, h('th', {}, 'step'), ...used.map((t) => h('th', {}, view.threads[t] ?? `T${t}`)));
    this.rows = steps.map((s, i) => {
      const text = view.sources[s.frame.file]?.split('\n')[s.frame.line - 1]?.trim() || s.label;
      const loc = `${s.frame.file.replace(/^.*\//, '')}:${s.frame.line}`;
      const row = h(
        'tr',
        { 'data-step': String(i), class: s.preemption ? 'td-preempt' : undefined },
        h('td', { class: 'td-step-no' }, `${i + 1}${s.preemption ? '*' : ''}`),
        ...used.map((t) =>
          t === s.tid
            ? h(
                'td',
                { class: 'td-cell', title: `${s.frame.fn} (${loc})` },
                h('span', { class: 'td-loc' }, loc),
                ' ',
                h('code', {}, text),
              )
            : h('td', {}),
        ),
      );
      row.addEventListener('click', () => this.go(i));
      return row;
    });
    // an injected failure is a row of its own, before the step it preceded (not a step: it cannot be selected)
    const body: HTMLElement[] = [];
    let k = 0;
    const injectedRow = (x: (typeof injected)[number]) => {
      const at = x.stack[0];
      const loc = at ? `${at.file.replace(/^.*\//, '')}:${at.line}` : '';
      return h(
        'tr',
        { class: 'td-injected' },
        h('td', { class: 'td-step-no', title: 'an injected failure' }, 'F'),
        ...used.map((t) =>
          t === x.tid
            ? h(
                'td',
                { class: 'td-cell', title: `call ${x.nth} of ${view.threads[t] ?? `T${t}`} at an armed fault site` },
                h('span', { class: 'td-loc' }, loc),
                ' ',
                h('code', {}, `✗ ${x.site} fails (injected)`),
              )
            : h('td', {}),
        ),
      );
    };
    this.rows.forEach((row, i) => {
      while (k < injected.length && injected[k]!.step <= i) body.push(injectedRow(injected[k++]!));
      body.push(row);
    });
    while (k < injected.length) body.push(injectedRow(injected[k++]!));
    this.grid.replaceChildren(h('table', { class: 'td-trace-table' }, h('thead', {}, head), h('tbody', {}, ...body)));
    this.go(0);
    this.root.scrollIntoView({ block: 'start', behavior: 'smooth' });
    this.grid.focus({ preventScroll: true });
  }

  hide(): void {
    this.root.hidden = true;
    this.view = null;
    this.host.highlight(null);
  }

  private act(a: string): void {
    if (!this.view) return;
    const last = this.view.trace.steps.length - 1;
    switch (a) {
      case 'first':
        this.go(0);
        break;
      case 'prev':
        this.go(this.at - 1);
        break;
      case 'next':
        this.go(this.at + 1);
        break;
      case 'finding':
        this.go(last);
        break;
      case 'share': {
        const link = this.host.shareLink();
        if (!link) break;
        this.shareOut.value = link;
        this.shareOut.hidden = false;
        this.shareOut.select();
        void navigator.clipboard?.writeText(link).catch(() => undefined);
        break;
      }
      case 'close':
        this.hide();
        this.host.closed();
        break;
    }
  }

  /** Select step i (clamped). */
  go(i: number): void {
    const v = this.view;
    if (!v?.trace.steps.length) return;
    const n = v.trace.steps.length;
    this.at = Math.max(0, Math.min(n - 1, i));
    const s = v.trace.steps[this.at]!;
    this.label.textContent = `step ${this.at + 1} of ${n}${this.at === n - 1 ? ' (the finding)' : ''} · ${v.threads[s.tid] ?? `T${s.tid}`}`;
    this.root.dataset.step = String(this.at);
    for (const [k, r] of this.rows.entries()) r.classList.toggle('td-current', k === this.at);
    this.rows[this.at]?.scrollIntoView({ block: 'nearest' });

    // source: the editor for the learner's file, the source pane for the model and the scenario
    const file = s.frame.file;
    const lines = v.sources[file]?.split('\n') ?? [];
    this.host.highlight(file === SUBMISSION ? s.frame.line : null);
    const from = Math.max(1, s.frame.line - 3);
    const to = Math.min(lines.length, s.frame.line + 3);
    const pre = h('pre', { class: 'td-source-lines' });
    for (let l = from; l <= to; l++) {
      pre.append(
        h(
          'div',
          { class: l === s.frame.line ? 'td-source-current' : undefined },
          `${String(l).padStart(4)}  ${lines[l - 1] ?? ''}`,
        ),
      );
    }
    this.source.replaceChildren(
      h(
        'div',
        { class: 'td-source-where' },
        h('code', {}, `${s.frame.fn}`),
        ` in ${file}:${s.frame.line}`,
        file === SUBMISSION ? (this.host.submissionNote ?? ' (your code, highlighted in the editor)') : '',
      ),
      h('div', { class: 'td-source-what' }, s.label),
      pre,
    );

    // objects, and what changed since the previous step
    // live objects first (iommufd's before the rest), freed ones after them
    const now = [...(v.trace.states[this.at] ?? [])].sort((a, b) =>
      a.state === b.state ? byInterest(a, b) : a.state === 'live' ? -1 : 1,
    );
    const before = this.at > 0 ? (v.trace.states[this.at - 1] ?? []) : now;
    const prevByName = new Map(before.map((o) => [o.name, o]));
    const cards = now.map((o) => objectCard(o, prevByName.get(o.name), this.at > 0 && !prevByName.has(o.name)));
    this.objects.replaceChildren(...(cards.length ? cards : [h('p', {}, 'no kernel objects yet')]));

    const logs = v.trace.log.filter((l) => l.step <= this.at + 1);
    this.log.replaceChildren(
      ...(logs.length
        ? logs.map((l) => h('div', { class: `td-log-${l.level}` }, `[${l.task}] ${l.level}: ${l.text}`))
        : [h('p', {}, 'empty')]),
    );
  }
}
