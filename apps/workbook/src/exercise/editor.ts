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

const themeOf = () => (document.documentElement.dataset.theme === 'dark' ? 'vs-dark' : 'vs');

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
    tabSize: 8,
    insertSpaces: false,
    scrollBeyondLastLine: false,
    fontSize: 13,
    renderLineHighlight: 'line',
    glyphMargin: true,
    wordWrap: 'on',
  });
}

export { monaco };
