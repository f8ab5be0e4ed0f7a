/**
 * Monaco for kernel-C, client-side only (monaco-editor 0.57: tree-shakeable
 * entries, the C tokenizer, the base editor worker). Follows Starlight's
 * light and dark themes.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/cpp/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

// Monaco's own themes, with comments and line numbers dark or light enough for WCAG AA (4.5:1) on their background
monaco.editor.defineTheme('td-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [{ token: 'comment', foreground: '8cba78' }],
  colors: { 'editorLineNumber.foreground': '#a0a0a0' },
});
monaco.editor.defineTheme('td-light', {
  base: 'vs',
  inherit: true,
  rules: [{ token: 'comment', foreground: '00700f' }],
  colors: { 'editorLineNumber.foreground': '#1f6a82' },
});
const themeOf = () => (document.documentElement.dataset.theme === 'dark' ? 'td-dark' : 'td-light');

let observing = false;
function followTheme(): void {
  if (observing) return;
  observing = true;
  new MutationObserver(() => monaco.editor.setTheme(themeOf())).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['data-theme'],
  });
}

/**
 * An editor on `value`. Its model is created here, not by the editor, so
 * that showing another model (a shared trace's code) never disposes it.
 */
export function createEditor(el: HTMLElement, value: string): monaco.editor.IStandaloneCodeEditor {
  followTheme();
  return monaco.editor.create(el, {
    model: monaco.editor.createModel(value, 'c'),
    theme: themeOf(),
    automaticLayout: true,
    minimap: { enabled: false },
    // kernel code is indented with tabs; shown 4 wide, so nested code fits a pane beside the statement and results
    tabSize: 4,
    insertSpaces: false,
    scrollBeyondLastLine: false,
    fontSize: 13,
    renderLineHighlight: 'line',
    glyphMargin: true,
    wordWrap: 'on',
    stickyScroll: { enabled: false },
  });
}

export { monaco };
