/**
 * Play from the exercise page: the toolbar's Play button opens a picker of
 * the exercise's scenarios above the results; Start plays the chosen one
 * with the learner's current code (core's PlaySession in the grading
 * worker). A played interleaving's link is a trace link (exercise/share.ts)
 * whose kind is `play`: it carries the code, the scenario and the token, and
 * reopens the play panel at that interleaving.
 */
import type { GraderClient } from '../exercise/grader-client';
import { h } from '../exercise/dom';
import { PlayPanel } from './play-panel';

/** What the exercise page gives its play area. */
export interface ExercisePlayHost {
  client: GraderClient;
  scenarios: readonly { id: string; title: string }[];
  /** The learner's code now. */
  code(): string;
  /** A link reopening `token` of `scenario` played on `code`. */
  link(scenario: string, token: string, code: string): string;
}

/** The play area of the exercise page (`.td-play-area`): picker and panel. */
export class ExercisePlay {
  private readonly picker: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly panel: PlayPanel;
  private scenario = '';
  private code = '';

  constructor(
    private readonly area: HTMLElement,
    private readonly host: ExercisePlayHost,
  ) {
    this.select = h(
      'select',
      { id: 'td-play-scenario' },
      ...host.scenarios.map((s) => h('option', { value: s.id }, s.title)),
    );
    const start = h('button', { type: 'button', class: 'td-play-start' }, 'Start');
    const close = h('button', { type: 'button', class: 'td-play-close td-secondary' }, 'Close');
    this.picker = h(
      'div',
      { class: 'td-play-picker' },
      h('label', { for: 'td-play-scenario' }, 'Play the scheduler on '),
      this.select,
      ' ',
      start,
      ' ',
      close,
    );
    const panelEl = h('section', { class: 'td-play', hidden: true, 'aria-label': 'Play the scheduler' });
    area.replaceChildren(this.picker, panelEl);
    this.panel = new PlayPanel(panelEl, {
      client: host.client,
      shareLink: (token) => host.link(this.scenario, token, this.code),
      get scenarioTitle() {
        return host.scenarios.find((s) => s.id === (panelEl.dataset.scenario ?? ''))?.title;
      },
    });
    start.addEventListener('click', () => void this.open(this.select.value, this.host.code()));
    close.addEventListener('click', () => {
      area.hidden = true;
    });
  }

  /** Show the picker (the Play button). */
  show(): void {
    this.area.hidden = false;
    this.select.focus();
  }

  /** Play `scenario` on `code`, at `token` if given (a shared link's). */
  async open(scenario: string, code: string, token?: string): Promise<void> {
    this.area.hidden = false;
    this.scenario = scenario;
    this.code = code;
    this.select.value = scenario;
    const el = this.area.querySelector<HTMLElement>('.td-play')!;
    el.dataset.scenario = scenario;
    await this.panel.open({ scenario, code }, token);
  }
}
