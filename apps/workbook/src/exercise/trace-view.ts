/**
 * The trace viewer: a replayed interleaving with one column per thread,
 * stepped back and forth. Model-internal steps are folded into the calls
 * that made them (trace-fold.ts; unfold one, or all), a filter keeps only
 * the steps in the learner's code, and kernel log lines are rows at the
 * step that printed them. At the selected step it shows the source line
 * (highlighted in the editor when it is the learner's code, or the
 * learner's call it is inside; in a source pane otherwise), the kernel
 * objects (idev, vdev, vIOMMU, igroup, files, with users, wait_cnt, locks
 * and xarray slots) with what changed since the previous step highlighted,
 * and the kernel log so far, ending at the finding with its title.
 */
import type { ObjectSnapshot } from '@teardown/core';
import type { TraceView } from './grader-client';
import { type Child, h } from './dom';
import { SUBMISSION } from './names';
import { foldCall, foldSteps, inMyCode, owner, type Unit } from './trace-fold';
import { drawPicture, layoutPicture } from './object-picture';

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

/** A row shown in the table, in display order: the steps it stands for. */
interface Shown {
  first: number;
  last: number;
  row: HTMLTableRowElement;
}

/** Options of {@link TraceViewer.show}. */
export interface ShowOptions {
  /** The step to open at (a shared link's), instead of the first. */
  step?: number;
}

export class TraceViewer {
  private view: TraceView | null = null;
  private meta: TraceMeta = { scenarioTitle: '' };
  private at = 0;
  private units: Unit[] = [];
  /** First steps of the folds the learner opened. */
  private readonly expanded = new Set<number>();
  private shown: Shown[] = [];
  private used: number[] = [];
  private readonly label: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly source: HTMLElement;
  private readonly objects: HTMLElement;
  private readonly picture: HTMLElement;
  private readonly log: HTMLElement;
  private readonly title: HTMLElement;
  private readonly finding: HTMLElement;
  private readonly shareOut: HTMLInputElement;
  private readonly mineOnly: HTMLInputElement;
  private readonly unfold: HTMLInputElement;
  private readonly filters: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: TraceHost,
  ) {
    const btn = (act: string, text: string, title: string) => {
      const b = h('button', { type: 'button', 'data-act': act, title }, text);
      b.addEventListener('click', () => this.act(act));
      return b;
    };
    const check = (cls: string, text: string) => {
      const input = h('input', { type: 'checkbox', class: cls });
      input.addEventListener('change', () => this.render());
      return { input, el: h('label', {}, input, ` ${text}`) };
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
    const mine = check('td-filter-mine', 'Only steps in my code');
    const unfold = check('td-unfold-all', 'Unfold every model call');
    this.mineOnly = mine.input;
    this.unfold = unfold.input;
    this.filters = h('div', { class: 'td-trace-filters' }, mine.el, unfold.el);
    this.grid = h('div', { class: 'td-trace-grid', tabindex: '0', role: 'region', 'aria-label': 'Steps' });
    this.source = h('div', { class: 'td-trace-source' });
    this.objects = h('div', { class: 'td-trace-objects' });
    this.picture = h('div', { class: 'td-trace-picture' });
    this.log = h('div', { class: 'td-trace-log', tabindex: '0', role: 'region', 'aria-label': 'Kernel log' });
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
          btn('prev', '◀ Back', 'Previous row (←)'),
          this.label,
          btn('next', 'Forward ▶', 'Next row (→); a folded call is one row'),
          btn('finding', 'Jump to the finding ▶▶', 'The step where the finding fires (End)'),
          btn('share', 'Copy link', 'A link that reopens this trace at this step'),
          btn('close', 'Close', 'Close the trace viewer and go back to the results'),
        ),
        this.filters,
        this.shareOut,
      ),
      h(
        'div',
        { class: 'td-trace-body' },
        this.grid,
        h(
          'div',
          { class: 'td-trace-side' },
          h('div', { class: 'td-trace-pic-wrap' }, h('h4', {}, 'The objects at this step'), this.picture),
          h('div', {}, h('h4', {}, 'Source'), this.source, h('h4', {}, 'Kernel log'), this.log),
          h('div', {}, h('h4', {}, 'Every kernel object'), this.objects),
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

  /** Show a trace, at its first step (or at `opts.step`), with model calls folded. */
  show(view: TraceView, meta: TraceMeta, opts: ShowOptions = {}): void {
    this.view = view;
    this.meta = meta;
    this.root.hidden = false;
    this.title.textContent = `Interleaving: ${meta.scenarioTitle}`;
    this.finding.textContent = meta.findingTitle
      ? `${meta.findingKind ? `[${meta.findingKind}] ` : ''}${meta.findingTitle}`
      : '';
    this.shareOut.hidden = true;
    const { steps } = view.trace;
    const injected = view.trace.injections ?? [];
    this.used = [...new Set([...steps.map((s) => s.tid), ...injected.map((x) => x.tid)])].sort((a, b) => a - b);
    this.units = foldSteps(steps, view.trace.stacks, SUBMISSION);
    this.expanded.clear();
    const anyMine = steps.some((s, i) => inMyCode(s, view.trace.stacks?.[i], SUBMISSION));
    this.mineOnly.checked = false;
    this.mineOnly.disabled = !anyMine;
    this.unfold.checked = false;
    this.at = Math.max(0, Math.min(steps.length - 1, opts.step ?? 0));
    this.render();
    this.root.scrollIntoView({ block: 'nearest' });
    this.grid.focus({ preventScroll: true });
  }

  hide(): void {
    this.root.hidden = true;
    this.view = null;
    this.host.highlight(null);
  }

  /** Rebuild the table from the folds, the learner's choices (unfolded calls, the filter) and the log. */
  private render(): void {
    const v = this.view;
    if (!v) return;
    const { steps } = v.trace;
    const stacks = v.trace.stacks;
    const mineOnly = this.mineOnly.checked;
    const unfoldAll = this.unfold.checked;
    const last = steps.length - 1;
    const head = h('tr', {}, h('th', {}, 'step'), ...this.used.map((t) => h('th', {}, v.threads[t] ?? `T${t}`)));
    const cells = (tid: number, content: () => Child[], attrs: Record<string, string> = {}) =>
      this.used.map((t) => (t === tid ? h('td', { class: 'td-cell', ...attrs }, ...content()) : h('td', {})));
    const stepRow = (i: number) => {
      const s = steps[i]!;
      const text = v.sources[s.frame.file]?.split('\n')[s.frame.line - 1]?.trim() || s.label;
      const loc = `${s.frame.file.replace(/^.*\//, '')}:${s.frame.line}`;
      const row = h(
        'tr',
        {
          'data-step': String(i),
          'data-owner': owner(s.frame, SUBMISSION),
          class: s.preemption ? 'td-preempt' : undefined,
        },
        h('td', { class: 'td-step-no' }, `${i + 1}${s.preemption ? '*' : ''}`),
        ...cells(s.tid, () => [h('span', { class: 'td-loc' }, loc), ' ', h('code', {}, text)], {
          title: `${s.frame.fn} (${loc})`,
        }),
      );
      row.addEventListener('click', () => this.go(i));
      return row;
    };
    const foldRow = (u: Extract<Unit, { kind: 'fold' }>) => {
      const open = unfoldAll || this.expanded.has(u.first);
      const toggle = h(
        'button',
        { type: 'button', class: 'td-fold-toggle', 'aria-expanded': String(open), title: open ? 'Fold' : 'Unfold' },
        open ? '▾' : '▸',
      );
      toggle.addEventListener('click', (e) => {
        e.stopPropagation();
        if (this.expanded.has(u.first)) this.expanded.delete(u.first);
        else this.expanded.add(u.first);
        this.render();
      });
      const from = u.caller ? ` from ${u.caller.fn}, line ${u.caller.line}` : '';
      const row = h(
        'tr',
        { class: 'td-fold', 'data-fold': `${u.first}-${u.last}` },
        h('td', { class: 'td-step-no' }, `${u.first + 1}–${u.last + 1}`),
        ...cells(u.tid, () => [
          toggle,
          h('code', {}, `${u.call}()`),
          `${from}: ${u.last - u.first + 1} steps in the model`,
        ]),
      );
      row.addEventListener('click', () => this.go(u.last));
      return row;
    };
    const body: HTMLElement[] = [];
    this.shown = [];
    const push = (first: number, lastStep: number, row: HTMLTableRowElement) => {
      this.shown.push({ first, last: lastStep, row });
      body.push(row);
    };
    // kernel log lines and injected failures after the step they happened in (log step n: printed by step n - 1)
    const logs = v.trace.log;
    const injected = v.trace.injections ?? [];
    let li = 0;
    let ii = 0;
    const extrasUpTo = (step: number) => {
      while (ii < injected.length && injected[ii]!.step <= step + 1) body.push(this.injectedRow(injected[ii++]!));
      while (li < logs.length && logs[li]!.step <= step + 1) body.push(this.logRow(logs[li++]!));
    };
    extrasUpTo(-1);
    for (const u of this.units) {
      const mine = (i: number) => i === last || inMyCode(steps[i]!, stacks?.[i], SUBMISSION);
      if (u.kind === 'step') {
        if (!mineOnly || mine(u.first)) push(u.first, u.first, stepRow(u.first));
      } else if (!mineOnly) {
        const open = unfoldAll || this.expanded.has(u.first);
        if (unfoldAll) {
          for (let i = u.first; i <= u.last; i++) push(i, i, stepRow(i));
        } else {
          push(open ? u.first : u.first, open ? u.first - 1 : u.last, foldRow(u));
          if (open) for (let i = u.first; i <= u.last; i++) push(i, i, stepRow(i));
        }
      }
      extrasUpTo(u.last);
    }
    while (li < logs.length) body.push(this.logRow(logs[li++]!));
    if (this.meta.findingTitle)
      body.push(
        h(
          'tr',
          { class: 'td-finding-row' },
          h('td', { class: 'td-step-no' }, '✗'),
          ...cells(steps[last]?.tid ?? 0, () => [this.meta.findingTitle!]),
        ),
      );
    this.grid.replaceChildren(h('table', { class: 'td-trace-table' }, h('thead', {}, head), h('tbody', {}, ...body)));
    this.go(this.at);
  }

  private injectedRow(x: NonNullable<TraceView['trace']['injections']>[number]): HTMLTableRowElement {
    const v = this.view!;
    const at = x.stack[0];
    const loc = at ? `${at.file.replace(/^.*\//, '')}:${at.line}` : '';
    return h(
      'tr',
      { class: 'td-injected' },
      h('td', { class: 'td-step-no', title: 'an injected failure' }, 'F'),
      ...this.used.map((t) =>
        t === x.tid
          ? h(
              'td',
              { class: 'td-cell', title: `call ${x.nth} of ${v.threads[t] ?? `T${t}`} at an armed fault site` },
              h('span', { class: 'td-loc' }, loc),
              ' ',
              h('code', {}, `✗ ${x.site} fails (injected)`),
            )
          : h('td', {}),
      ),
    );
  }

  private logRow(l: TraceView['trace']['log'][number]): HTMLTableRowElement {
    const tid = this.view!.threads.indexOf(l.task);
    return h(
      'tr',
      { class: `td-logrow td-log-${l.level}`, 'data-log-step': String(l.step) },
      h('td', { class: 'td-step-no', title: 'kernel log' }, 'log'),
      ...this.used.map((t) =>
        t === tid || (tid < 0 && t === this.used[0]) ? h('td', {}, `${l.level}: ${l.text}`) : h('td', {}),
      ),
    );
  }

  private act(a: string): void {
    if (!this.view) return;
    const last = this.view.trace.steps.length - 1;
    const cur = this.shownIndex();
    switch (a) {
      case 'first':
        this.go(this.shown[0]?.last ?? 0);
        break;
      case 'prev': {
        // the row before the current one (a folded call: its last step, the state after the call)
        const k = cur < 0 ? this.shown.findLastIndex((s) => s.last < this.at) : cur - 1;
        if (k >= 0) this.go(this.shown[k]!.last);
        break;
      }
      case 'next': {
        const k = cur < 0 ? this.shown.findIndex((s) => s.first > this.at) : cur + 1;
        if (k >= 0 && k < this.shown.length) this.go(this.shown[k]!.last);
        break;
      }
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

  /** The shown row the current step belongs to (the innermost: an open fold's step rather than the fold), or -1. */
  private shownIndex(): number {
    let best = -1;
    this.shown.forEach((s, k) => {
      if (
        s.first <= this.at &&
        this.at <= s.last &&
        (best < 0 || s.last - s.first <= this.shown[best]!.last - this.shown[best]!.first)
      )
        best = k;
    });
    return best;
  }

  /** Select step i (clamped). */
  go(i: number): void {
    const v = this.view;
    if (!v?.trace.steps.length) return;
    const n = v.trace.steps.length;
    this.at = Math.max(0, Math.min(n - 1, i));
    const s = v.trace.steps[this.at]!;
    const stack = v.trace.stacks?.[this.at];
    const inCall = owner(s.frame, SUBMISSION) === 'model' && stack ? foldCall(stack, SUBMISSION).call : null;
    this.label.textContent = `step ${this.at + 1} of ${n}${this.at === n - 1 ? ' (the finding)' : ''} · ${v.threads[s.tid] ?? `T${s.tid}`}${inCall && this.at !== n - 1 ? ` · in ${inCall}()` : ''}`;
    this.root.dataset.step = String(this.at);
    const cur = this.shownIndex();
    for (const [k, r] of this.shown.entries()) r.row.classList.toggle('td-current', k === cur);
    this.shown[cur]?.row.scrollIntoView({ block: 'nearest' });

    // the editor: this step's line when it is the learner's, else the learner's call it is inside
    const file = s.frame.file;
    const mineFrame = file === SUBMISSION ? s.frame : stack?.find((f) => f.file === SUBMISSION);
    this.host.highlight(mineFrame ? mineFrame.line : null);
    this.showSource(file, s.frame, s.label, mineFrame);
    this.showObjects();
    this.showLog();
  }

  private showSource(
    file: string,
    frame: { fn: string; line: number },
    label: string,
    mine: { fn: string; line: number } | undefined,
  ): void {
    const v = this.view!;
    const lines = v.sources[file]?.split('\n') ?? [];
    const from = Math.max(1, frame.line - 3);
    const to = Math.min(lines.length, frame.line + 3);
    const pre = h('pre', { class: 'td-source-lines', tabindex: '0' });
    for (let l = from; l <= to; l++) {
      pre.append(
        h(
          'div',
          { class: l === frame.line ? 'td-source-current' : undefined },
          `${String(l).padStart(4)}  ${lines[l - 1] ?? ''}`,
        ),
      );
    }
    this.source.replaceChildren(
      h(
        'div',
        { class: 'td-source-where' },
        h('code', {}, `${frame.fn}`),
        ` in ${file}:${frame.line}`,
        file === SUBMISSION
          ? (this.host.submissionNote ?? ' (your code, highlighted in the editor)')
          : mine
            ? this.host.submissionNote
              ? ` (called from ${mine.fn}, line ${mine.line})`
              : ` (called from your ${mine.fn}, line ${mine.line}, highlighted in the editor)`
            : '',
      ),
      h('div', { class: 'td-source-what' }, label),
      ...(file === SUBMISSION ? [] : [pre]),
    );
  }

  private showObjects(): void {
    const v = this.view!;
    // live objects first (iommufd's before the rest), freed ones after them
    const now = [...(v.trace.states[this.at] ?? [])].sort((a, b) =>
      a.state === b.state ? byInterest(a, b) : a.state === 'live' ? -1 : 1,
    );
    const before = this.at > 0 ? (v.trace.states[this.at - 1] ?? []) : now;
    const prevByName = new Map(before.map((o) => [o.name, o]));
    const cards = now.map((o) => objectCard(o, prevByName.get(o.name), this.at > 0 && !prevByName.has(o.name)));
    this.objects.replaceChildren(...(cards.length ? cards : [h('p', {}, 'no kernel objects yet')]));
    const pic = layoutPicture(now, this.at > 0 ? before : null);
    const changed = pic.boxes.filter((b) => b.changed).map((b) => b.title);
    const label = `The iommufd objects after step ${this.at + 1}: ${pic.boxes.map((b) => `${b.title} (${b.lines.map((l) => l.text).join('; ')})`).join(', ') || 'none yet'}.${changed.length ? ` Changed at this step: ${changed.join(', ')}.` : ''}`;
    this.picture.replaceChildren(
      pic.boxes.length ? drawPicture(pic, label, 'tdpic') : h('p', {}, 'no iommufd objects yet'),
    );
  }

  /** The kernel log so far, the lines this step printed marked; at the finding, what the kernel prints for it. */
  private showLog(): void {
    const v = this.view!;
    const last = v.trace.steps.length - 1;
    const logs = v.trace.log.filter((l) => l.step <= this.at + 1);
    const lines: HTMLElement[] = logs.map((l) =>
      h(
        'div',
        { class: `td-log-${l.level}${l.step === this.at + 1 ? ' td-log-current' : ''}` },
        `[${l.task}] ${l.level}: ${l.text}`,
      ),
    );
    if (this.at === last && this.meta.findingTitle)
      lines.push(h('div', { class: 'td-log-crit td-log-current td-log-finding' }, this.meta.findingTitle));
    this.log.replaceChildren(...(lines.length ? lines : [h('p', {}, `nothing printed up to step ${this.at + 1}`)]));
  }
}
