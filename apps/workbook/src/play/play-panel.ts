/**
 * Play the scheduler (issue 16): the learner picks which thread runs its
 * next visible step until the finding happens. Every thread's code side by
 * side with its next line marked; a blocked thread greyed with the reason
 * (the lock and its holder, the timed sleep and its deadline); undo and
 * restart; the kernel objects after every step, drawn as the trace viewer
 * draws them; a finding in the results panel's card; for a challenge, the
 * win with steps and preemptions against the checker's minimal
 * interleaving, which it offers to replay.
 *
 * The play engine (core's PlaySession) runs in the grading worker; this
 * module only draws and sends moves. Keyboard: a digit runs that thread's
 * next step, Shift+digit runs it to the learner's code, U undoes, R
 * restarts (while the focus is inside the panel).
 */
import type { ObjectSnapshot } from '@teardown/core';
import type { GradedFinding, ScenarioResult } from '@teardown/grader';
import type { GraderClient, PlayMove, PlayOpened, PlayState, PlayTarget } from '../exercise/grader-client';
import { Stopped } from '../exercise/grader-client';
import { h } from '../exercise/dom';
import { drawPicture, layoutPicture } from '../exercise/object-picture';
import { findingCard } from '../exercise/results';

/** What the page hosting a panel provides. */
export interface PlayHost {
  client: GraderClient;
  /** A link that reopens the played interleaving `token`. */
  shareLink(token: string): string;
  /** Heading text for a scenario played from the exercise page. */
  scenarioTitle?: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** Lines of code shown around a thread's next line. */
const CONTEXT = 3;

export class PlayPanel {
  private opened: PlayOpened | null = null;
  private state: PlayState | null = null;
  private before: ObjectSnapshot[] | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly statusEl: HTMLElement;
  private readonly body: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly goalEl: HTMLElement;
  private readonly tokenEl: HTMLElement;
  private readonly undoBtn: HTMLButtonElement;
  private readonly restartBtn: HTMLButtonElement;
  private readonly linkBtn: HTMLButtonElement;
  private won = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: PlayHost,
  ) {
    this.heading = h('h3', { class: 'td-play-title', tabindex: '-1' });
    this.goalEl = h('p', { class: 'td-play-goal' });
    this.undoBtn = h('button', { type: 'button', class: 'td-play-undo', 'aria-keyshortcuts': 'U' }, 'Undo (U)');
    this.restartBtn = h(
      'button',
      { type: 'button', class: 'td-play-restart', 'aria-keyshortcuts': 'R' },
      'Restart (R)',
    );
    this.linkBtn = h('button', { type: 'button', class: 'td-play-link' }, 'Copy link');
    this.tokenEl = h('code', { class: 'td-play-token' });
    this.statusEl = h('p', { class: 'td-play-status', role: 'status', 'aria-live': 'polite' });
    this.body = h('div', { class: 'td-play-body' });
    const keys = h(
      'p',
      { class: 'td-keys' },
      'Keys: ',
      h('kbd', {}, '1'),
      '–',
      h('kbd', {}, '9'),
      ' run that thread’s next step, ',
      h('kbd', {}, 'Shift'),
      '+digit runs it to your code, ',
      h('kbd', {}, 'U'),
      ' undoes, ',
      h('kbd', {}, 'R'),
      ' restarts.',
    );
    root.replaceChildren(
      this.heading,
      this.goalEl,
      h(
        'div',
        { class: 'td-toolbar', role: 'toolbar', 'aria-label': 'Play' },
        this.undoBtn,
        this.restartBtn,
        this.linkBtn,
        h('span', { class: 'td-play-schedule' }, 'Schedule: ', this.tokenEl),
      ),
      keys,
      this.statusEl,
      this.body,
    );
    this.undoBtn.addEventListener('click', () => this.move('undo'));
    this.restartBtn.addEventListener('click', () => this.move('restart'));
    this.linkBtn.addEventListener('click', () => void this.copyLink());
    root.addEventListener('keydown', (e) => this.key(e));
  }

  /** Open `target` (a challenge or a scenario with the learner's code), at `token` if given. */
  async open(target: PlayTarget, token?: string): Promise<void> {
    this.root.hidden = false;
    this.root.dataset.state = 'loading';
    this.status('Compiling the program and starting the play session…');
    try {
      this.opened = await this.host.client.playOpen(target, token);
      const ch = this.opened.challenge;
      this.heading.textContent = ch ? `Challenge: ${ch.title}` : `Play: ${this.host.scenarioTitle ?? 'scenario'}`;
      this.goalEl.textContent = ch
        ? `${ch.text ? `${ch.text} ` : ''}Goal: a ${ch.goal.kind} finding${ch.goal.function ? ` in ${ch.goal.function}` : ''}.`
        : 'You are the scheduler: pick the thread that runs next, and look for the interleaving that breaks.';
      this.won = false;
      this.before = null;
      this.show(this.opened.state, token ? `Opened the interleaving ${token}.` : 'Pick a thread to run.');
      this.heading.focus();
    } catch (e) {
      this.root.dataset.state = 'error';
      this.status(`The play session could not start: ${(e as Error).message}`);
    }
  }

  /** Queue a move: moves run one after the other, in the order the learner made them. */
  move(m: PlayMove): Promise<void> {
    const run = async () => {
      if (!this.opened) return;
      this.root.dataset.busy = 'true';
      try {
        const before = this.state?.schedule.length ?? 0;
        const s = await this.host.client.playMove(m);
        this.show(s, this.describe(m, s, before));
      } catch (e) {
        this.status(e instanceof Stopped ? `Stopped: ${e.message}` : (e as Error).message.replace(/^teardown: /, ''));
      } finally {
        delete this.root.dataset.busy;
      }
    };
    const p = this.queue.then(run);
    this.queue = p;
    return p;
  }

  private key(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey || !this.state) return;
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (digit) {
      const tid = Number(digit[1]) - 1;
      if (tid >= this.state.names.length) return;
      e.preventDefault();
      void this.move(e.shiftKey ? { toMyCode: tid } : { step: tid });
    } else if (e.key === 'u' || e.key === 'U') {
      e.preventDefault();
      void this.move('undo');
    } else if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      void this.move('restart');
    }
  }

  private status(text: string): void {
    this.statusEl.textContent = text;
  }

  private async copyLink(): Promise<void> {
    if (!this.state) return;
    const link = this.host.shareLink(this.state.token);
    try {
      await navigator.clipboard.writeText(link);
      this.status(`Link copied: ${link}`);
    } catch {
      this.status(`Link: ${link}`);
    }
    this.root.dataset.link = link;
  }

  /** One sentence on what a move did, for the status line (read by screen readers). */
  private describe(m: PlayMove, s: PlayState, before: number): string {
    if (m === 'undo') return `Undone: back at step ${s.schedule.length}.`;
    if (m === 'restart') return 'Restarted from the state after setup.';
    if (typeof m === 'object' && 'load' in m) return `Replaying ${m.load}.`;
    const last = s.steps[s.steps.length - 1];
    if (!last) return '';
    const who = s.names[last.tid] ?? `thread ${last.tid + 1}`;
    if (typeof m === 'object' && 'toMyCode' in m) {
      const t = s.threads[last.tid];
      const at = t && t.status !== 'done' ? `; next: ${t.label} (${t.frame.fn}, line ${t.frame.line})` : '';
      return `${who} ran ${plural(s.schedule.length - before, 'step')}${at}.`;
    }
    return `${who} ran ${last.label} (${last.frame.fn}, ${last.frame.file}:${last.frame.line}).`;
  }

  private show(s: PlayState, said: string): void {
    const prev = this.state;
    this.before = prev && prev.schedule.length < s.schedule.length ? prev.objects : null;
    this.state = s;
    this.tokenEl.textContent = s.token || '(empty)';
    this.root.dataset.token = s.token;
    this.root.dataset.steps = String(s.schedule.length);
    this.root.dataset.state = s.won ? 'won' : s.over ? 'over' : 'playing';
    this.undoBtn.disabled = s.schedule.length === 0;
    this.restartBtn.disabled = s.schedule.length === 0;
    const newly = s.won && !this.won;
    this.won = Boolean(s.won);
    let text = said;
    if (newly) text += ` You won: ${s.won!.finding.title}.`;
    else if (s.over) text += ' The execution is over.';
    else if (s.timeoutOnly) text += ` No thread can run: ${s.names[s.choices[0]!]}'s timeout can fire.`;
    this.status(text.trim());
    this.body.replaceChildren(
      this.winEl(s),
      h('div', { class: 'td-play-threads' }, ...s.threads.map((t) => this.threadEl(s, t.tid))),
      this.objectsEl(s),
      this.findingsEl(s),
    );
  }

  private threadEl(s: PlayState, tid: number): HTMLElement {
    const t = s.threads[tid]!;
    const n = tid + 1;
    const can = s.choices.includes(tid);
    const step = h(
      'button',
      {
        type: 'button',
        class: 'td-play-step',
        'data-tid': String(tid),
        'aria-keyshortcuts': n <= 9 ? String(n) : undefined,
        disabled: !can,
      },
      t.canFire ? `Fire ${t.name}'s timeout (${n})` : `Step ${t.name} (${n})`,
    );
    step.addEventListener('click', () => void this.move({ step: tid }));
    const mine = h(
      'button',
      {
        type: 'button',
        class: 'td-play-mycode td-secondary',
        'data-tid': String(tid),
        'aria-keyshortcuts': n <= 9 ? `Shift+${n}` : undefined,
        disabled: !can,
        title: 'Run this thread through the model until its next line in your code',
      },
      'Run to my code',
    );
    mine.addEventListener('click', () => void this.move({ toMyCode: tid }));
    const state =
      t.status === 'runnable'
        ? `next: ${t.label}`
        : t.status === 'done'
          ? 'finished'
          : `${t.status}: ${t.why ?? t.label}`;
    return h(
      'section',
      {
        class: `td-play-thread td-play-${t.status}`,
        'data-tid': String(tid),
        'data-status': t.status,
        'aria-label': `Thread ${n}: ${t.name}, ${t.status}`,
      },
      h('h4', {}, `${n} · ${t.name}`),
      h('p', { class: 'td-play-why' }, state),
      h('div', { class: 'td-play-buttons' }, step, mine),
      this.codeEl(t.frame.file, t.frame.line, t.frame.fn, t.status !== 'done'),
    );
  }

  /** A few lines of `file` around `line`, the line marked as the thread's next. */
  private codeEl(file: string, line: number, fn: string, live: boolean): HTMLElement {
    const text = this.opened?.sources[file];
    if (!text || !live) return h('p', { class: 'td-play-nocode' }, live ? `${fn} (${file}:${line})` : '');
    const lines = text.split('\n');
    const from = Math.max(1, line - CONTEXT);
    const to = Math.min(lines.length, line + CONTEXT);
    const rows: HTMLElement[] = [];
    for (let i = from; i <= to; i++) {
      const row = h(
        'span',
        { class: 'td-play-line' },
        h('span', { class: 'td-play-ln' }, String(i).padStart(4)),
        ` ${lines[i - 1] ?? ''}`,
      );
      rows.push(i === line ? h('mark', { 'aria-current': 'step', class: 'td-play-next' }, row) : row);
      rows.push(document.createTextNode('\n') as unknown as HTMLElement);
    }
    const mine = this.opened?.learnerFiles.includes(file);
    return h(
      'figure',
      { class: 'td-play-code' },
      h('figcaption', {}, `${fn}, ${mine ? 'your code' : file}, line ${line}`),
      h('pre', { tabindex: '0' }, ...rows),
    );
  }

  private objectsEl(s: PlayState): HTMLElement {
    const pic = layoutPicture(s.objects, this.before);
    const label = `Kernel objects after step ${s.schedule.length}: ${pic.boxes.map((b) => b.title).join(', ') || 'none'}`;
    return h(
      'section',
      { class: 'td-play-objects', 'aria-label': 'Kernel objects' },
      h('h4', {}, `Kernel objects after step ${s.schedule.length}`),
      pic.boxes.length ? drawPicture(pic, label, 'tdplay') : h('p', {}, 'no kernel objects yet'),
    );
  }

  private findingsEl(s: PlayState): HTMLElement {
    const all = [...s.setupFindings, ...s.findings];
    const scenario = { id: 'play', title: 'played interleaving' } as ScenarioResult;
    const learner = this.opened?.learnerFiles[0] ?? 'submission.c';
    return h(
      'section',
      { class: 'td-play-findings', 'aria-label': 'Findings', 'aria-live': 'polite' },
      all.length ? h('h4', {}, `Findings (${all.length})`) : h('p', { class: 'td-muted' }, 'No finding yet.'),
      ...all.map((f, i) =>
        findingCard(f as GradedFinding, scenario, learner, 900 + i, {
          showTrace: (_s, g) => void this.move({ load: g.token ?? s.token }),
          goto: () => {},
        }),
      ),
    );
  }

  private winEl(s: PlayState): HTMLElement | string {
    if (!s.won) return '';
    const { score } = s.won;
    const m = score.minimal;
    const replay = h(
      'button',
      { type: 'button', class: 'td-play-minimal' },
      "Replay the checker's minimal interleaving",
    );
    replay.addEventListener('click', () => void this.move({ load: m.token }));
    return h(
      'section',
      { class: 'td-play-win', 'aria-label': 'Challenge won' },
      h('h4', {}, 'Challenge won'),
      h(
        'p',
        {},
        `You made it happen in ${plural(score.steps, 'step')} with ${plural(score.preemptions, 'preemption')}. `,
        `The checker's minimal interleaving takes ${plural(m.steps, 'step')} with ${plural(m.preemptions, 'preemption')}`,
        score.asGoodAsChecker ? ': yours is as small.' : '.',
      ),
      h('p', {}, replay, ' ', h('code', {}, m.token)),
    );
  }
}
