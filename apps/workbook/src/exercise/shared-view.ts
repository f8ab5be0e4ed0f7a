/**
 * A shared trace's code, shown read-only in the editor in place of the
 * learner's own (which stays untouched, in its own model, and is what
 * autosave and grading use). A banner says whose code it is and offers
 * "Copy into my editor" (the learner's code is kept as the previous code)
 * and "Back to my code".
 */
import type * as Monaco from 'monaco-editor/editor';

export interface SharedViewHost {
  /** Replace the learner's code by `code` (keeping theirs as the previous code). */
  copy(code: string): void;
  /** The editor switched between the shared code (true) and the learner's (false). */
  changed(viewing: boolean): void;
}

export class SharedView {
  private shared: Monaco.editor.ITextModel | null = null;

  constructor(
    private readonly editor: Monaco.editor.IStandaloneCodeEditor,
    private readonly monaco: typeof Monaco,
    private readonly mine: Monaco.editor.ITextModel,
    private readonly banner: HTMLElement,
    private readonly host: SharedViewHost,
  ) {
    banner.querySelector('.td-shared-copy')?.addEventListener('click', () => {
      const code = this.shared?.getValue();
      if (code === undefined) return;
      host.copy(code);
      this.back();
    });
    banner.querySelector('.td-shared-back')?.addEventListener('click', () => this.back());
  }

  /** True while the editor shows a shared trace's code. */
  get viewing(): boolean {
    return this.shared !== null;
  }

  /** Show `code` read-only, in place of the learner's code. */
  open(code: string): void {
    this.shared?.dispose();
    this.shared = this.monaco.editor.createModel(code, 'c');
    this.editor.setModel(this.shared);
    this.editor.updateOptions({ readOnly: true });
    this.banner.hidden = false;
    this.host.changed(true);
  }

  /** Show the learner's own code again. */
  back(): void {
    if (!this.shared) return;
    this.editor.setModel(this.mine);
    this.editor.updateOptions({ readOnly: false });
    this.shared.dispose();
    this.shared = null;
    this.banner.hidden = true;
    this.host.changed(false);
  }
}
