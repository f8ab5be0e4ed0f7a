/**
 * The workspace's three panes (statement | editor | results and trace): the
 * gutters between them resize by dragging (split-grid) or from the keyboard
 * (a focused gutter moves with ← and →, 5% of the width a press), and the
 * statement pane can be hidden and shown. Sizes are kept as `fr`, so the
 * panes keep their proportions when the window changes size.
 */
import Split from 'split-grid';

/** A gutter moves this share of the workspace's width per key press. */
const STEP = 0.05;
/** No pane narrower than this many pixels (while it is shown). */
const MIN = 160;

export class Panes {
  private readonly gutters: HTMLElement[];

  constructor(private readonly grid: HTMLElement) {
    this.gutters = [...grid.querySelectorAll<HTMLElement>(':scope > .td-gutter')];
    Split({
      columnGutters: this.gutters.map((element) => ({
        element,
        track: element.classList.contains('td-gutter-1') ? 1 : 3,
      })),
      minSize: MIN,
      onDragEnd: () => this.normalise(),
    });
    for (const g of this.gutters) {
      g.setAttribute('aria-valuemin', '0');
      g.setAttribute('aria-valuemax', '100');
      g.addEventListener('keydown', (e) => {
        const d = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
        if (!d) return;
        e.preventDefault();
        this.move(g.classList.contains('td-gutter-1') ? 0 : 1, d * STEP);
      });
    }
    this.syncValues();
  }

  /** Widths of the three panes in pixels. */
  private widths(): number[] {
    const cols = getComputedStyle(this.grid)
      .gridTemplateColumns.split(' ')
      .map((x) => Number.parseFloat(x));
    return [cols[0] ?? 0, cols[2] ?? 0, cols[4] ?? 0];
  }

  private write(w: number[]): void {
    const total = w.reduce((a, b) => a + b, 0) || 1;
    this.grid.style.gridTemplateColumns = w.map((x) => `minmax(0, ${(x / total).toFixed(4)}fr)`).join(' 8px ');
    this.syncValues();
  }

  /** Rewrite the sizes split-grid left in pixels as fractions. */
  private normalise(): void {
    if (!this.statementHidden) this.write(this.widths());
  }

  /** Move gutter `i` (0: after the statement, 1: after the editor) by a share of the total width. */
  move(i: number, share: number): void {
    const w = this.widths();
    const total = w.reduce((a, b) => a + b, 0);
    const dx = share * total;
    const a = w[i]! + dx;
    const b = w[i + 1]! - dx;
    if (a < MIN || b < MIN) return;
    w[i] = a;
    w[i + 1] = b;
    this.write(w);
  }

  private syncValues(): void {
    const w = this.widths();
    const total = w.reduce((a, b) => a + b, 0) || 1;
    this.gutters[0]?.setAttribute('aria-valuenow', String(Math.round((w[0]! / total) * 100)));
    this.gutters[1]?.setAttribute('aria-valuenow', String(Math.round(((w[0]! + w[1]!) / total) * 100)));
  }

  get statementHidden(): boolean {
    return this.grid.dataset.statement === 'hidden';
  }

  /** Hide or show the statement pane. */
  showStatement(show: boolean): void {
    if (show) delete this.grid.dataset.statement;
    else this.grid.dataset.statement = 'hidden';
    this.gutters[0]?.setAttribute('tabindex', show ? '0' : '-1');
  }
}
