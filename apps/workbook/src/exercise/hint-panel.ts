/**
 * The hints box between the editor and the results: the exercise's hints,
 * one more available after each Submit that does not earn full marks,
 * opened by the learner one at a time ("Show a hint (n of N)"), and kept
 * open across reloads (the state and its storage are in hints.ts).
 *
 * Accessibility: the button is an ordinary button; opening a hint moves the
 * focus to it (the button may have just gone); a polite live region says
 * when a new hint has become available, and nothing else.
 */
import { h } from './dom';
import { afterGrade, inline, loadState, reveal, saveState, type Graded, type HintState } from './hints';

function hintBody(text: string): (Node | string)[] {
  return inline(text).map((s) => {
    switch (s.kind) {
      case 'code':
        return h('code', {}, s.text);
      case 'strong':
        return h('strong', {}, s.text);
      case 'link':
        // a hint's site link is root-relative: under the site's base path when it has one
        return h(
          'a',
          { href: s.href.startsWith('/') ? import.meta.env.BASE_URL.replace(/\/?$/, '') + s.href : s.href },
          s.text,
        );
      default:
        return s.text;
    }
  });
}

export class HintPanel {
  private state: HintState;
  private readonly list = h('ol', { class: 'td-hint-list' });
  private readonly button = h('button', { type: 'button', class: 'td-show-hint', hidden: true });
  private readonly note = h('span', { class: 'td-hint-note' });
  private readonly news = h('p', { class: 'td-hint-news td-sr-only', role: 'status', 'aria-live': 'polite' });

  constructor(
    private readonly root: HTMLElement,
    private readonly id: string,
    private readonly hints: readonly string[],
  ) {
    this.state = loadState(id, hints.length);
    const title = `td-hints-title-${id}`;
    root.setAttribute('aria-labelledby', title);
    root.replaceChildren(
      h('h3', { class: 'td-hints-title', id: title }, 'Hints'),
      this.list,
      h('p', { class: 'td-hint-bar' }, this.button, this.note),
      this.news,
    );
    this.button.addEventListener('click', () => this.open());
    root.hidden = hints.length === 0;
    this.render();
  }

  /** After a grading: a Submit short of full marks makes the next hint available. */
  graded(r: Graded): void {
    const next = afterGrade(this.state, this.hints.length, r);
    if (next === this.state) return;
    this.state = next;
    saveState(this.id, next);
    this.render();
    this.root.dataset.newHint = String(next.available);
    this.news.textContent = `Hint ${next.available} of ${this.hints.length} is available: "Show a hint" below the editor opens it.`;
  }

  /** Open the next available hint and move the focus to it. */
  private open(): void {
    const next = reveal(this.state);
    if (next === this.state) return;
    this.state = next;
    saveState(this.id, next);
    delete this.root.dataset.newHint;
    this.news.textContent = '';
    this.render();
    this.list.querySelector<HTMLElement>(`[data-hint="${next.shown}"]`)?.focus();
  }

  private render(): void {
    const { available, shown } = this.state;
    const total = this.hints.length;
    this.root.dataset.available = String(available);
    this.root.dataset.shown = String(shown);
    this.list.replaceChildren(
      ...this.hints
        .slice(0, shown)
        .map((text, i) => h('li', { class: 'td-hint', 'data-hint': String(i + 1), tabindex: '-1' }, ...hintBody(text))),
    );
    this.list.hidden = shown === 0;
    this.button.hidden = shown >= available;
    this.button.textContent = `Show a hint (${shown + 1} of ${total})`;
    this.note.textContent =
      shown < available
        ? ''
        : available === 0
          ? `${total} hints for this exercise: the first becomes available after a Submit that does not earn full marks (Run does not count).`
          : shown < total
            ? 'The next hint becomes available after your next Submit that does not earn full marks.'
            : `That was the last of the ${total} hints.`;
  }
}
