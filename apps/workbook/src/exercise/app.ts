/**
 * The exercise page: Monaco with the learner's code (autosaved), Run (the
 * visible scenarios, quick budget) and Submit (every scenario, full budget)
 * with Ctrl/Cmd+Enter and Ctrl/Cmd+Shift+Enter, live progress and Cancel,
 * the hints (one more after each Submit short of full marks), the results
 * panel, the trace viewer, share links, reset with a way back.
 *
 * The grader runs in a worker; a runaway grading is stopped by Cancel or by
 * the watchdog (`?watchdog=ms` shortens it), which replaces the worker. The
 * editor and the learner's code are never touched by either.
 */
import type { GradeReport, GradedFinding, ScenarioResult } from '@teardown/grader';
import { findingToken } from '@teardown/core/token';
import { GraderClient, Stopped } from './grader-client';
import * as storage from './storage';
import { readTrace, traceLink, unreachedFinding, type SharedTrace } from './share';
import { ExercisePlay } from '../play/exercise-play';
import { coverageTag, renderResults } from './results';
import { HintPanel } from './hint-panel';
import { TraceViewer } from './trace-view';
import { SharedView } from './shared-view';
import { Panes } from './panes';
import { SUBMISSION } from './names';
import { h } from './dom';

declare global {
  interface Window {
    /** Milliseconds from navigation start until the exercise was interactive (read by the end-to-end suite). */
    __teardownReadyMs?: number;
  }
}

/** Watchdogs: far above the exercise budgets (quick: 3 s per scenario; full: 15 s per scenario). */
const WATCHDOG = { quick: 60_000, full: 240_000 };

function debounce(f: () => void, ms: number): () => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(t);
    t = setTimeout(f, ms);
  };
}

export async function mountExercise(root: HTMLElement): Promise<void> {
  const id = root.dataset.exercise!;
  const q = <T extends Element>(sel: string) => root.querySelector<T>(sel)!;
  const runBtn = q<HTMLButtonElement>('.td-run');
  const submitBtn = q<HTMLButtonElement>('.td-submit');
  const cancelBtn = q<HTMLButtonElement>('.td-cancel');
  const resetBtn = q<HTMLButtonElement>('.td-reset');
  const restoreBtn = q<HTMLButtonElement>('.td-restore');
  const statusEl = q<HTMLElement>('.td-status');
  const editorEl = q<HTMLElement>('.td-editor');
  const resultsEl = q<HTMLElement>('.td-results');
  const traceEl = q<HTMLElement>('.td-trace');
  const hintsEl = q<HTMLElement>('.td-hints');
  const outputEl = q<HTMLElement>('.td-output');
  const statementBtn = q<HTMLButtonElement>('.td-toggle-statement');
  const panes = new Panes(q<HTMLElement>('.td-panes'));
  // the statement pane: the learner's choice, and whether opening a trace hid it (closing brings it back)
  let traceHidStatement = false;
  const showStatement = (show: boolean) => {
    panes.showStatement(show);
    statementBtn.setAttribute('aria-pressed', String(show));
  };
  statementBtn.addEventListener('click', () => {
    traceHidStatement = false;
    showStatement(panes.statementHidden);
  });
  const status = (text: string, kind: 'info' | 'busy' | 'error' = 'info') => {
    statusEl.textContent = text;
    statusEl.dataset.kind = kind;
  };

  const params = new URLSearchParams(location.search);
  const watchdogParam = Number(params.get('watchdog'));
  const client = new GraderClient(id);
  status('Loading the editor and the checker…', 'busy');
  const [{ createEditor, monaco }, info] = await Promise.all([import('./editor'), client.init()]);

  // the learner's code (autosaved, graded) lives in its own model; a shared trace's code is shown read-only beside it
  const saved = storage.load(id);
  editorEl.replaceChildren();
  const editor = createEditor(editorEl, saved ?? info.starter);
  const mine = editor.getModel()!;
  const persist = () => {
    if (!storage.save(id, mine.getValue()))
      status('This browser refused to save your code (storage full or disabled): copy it somewhere safe.', 'error');
  };
  mine.onDidChangeContent(debounce(persist, 300));
  addEventListener('pagehide', persist);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') persist();
  });

  const hints = new HintPanel(hintsEl, id, info.hints);

  const syncRestore = () => {
    restoreBtn.hidden = storage.load(id, 'previous') === null;
  };
  syncRestore();

  // the line of the trace step in the learner's file
  let current: SharedTrace | null = null;
  const stepLine = editor.createDecorationsCollection();
  const viewer: TraceViewer = new TraceViewer(traceEl, {
    highlight: (line) => {
      if (line === null) {
        stepLine.clear();
        return;
      }
      stepLine.set([
        {
          range: new monaco.Range(line, 1, line, 1),
          options: { isWholeLine: true, className: 'td-step-line', glyphMarginClassName: 'td-step-glyph' },
        },
      ]);
      editor.revealLineInCenterIfOutsideViewport(line);
    },
    shareLink: (): string | null =>
      current ? traceLink({ ...current, v: 2, step: viewer.step }, info.shareDictionary) : null,
    closed: () => viewerClosed(),
  });
  function viewerClosed(): void {
    current = null;
    delete root.dataset.trace;
    if (traceHidStatement) showStatement(true);
    traceHidStatement = false;
  }

  const sharedView = new SharedView(editor, monaco, mine, q<HTMLElement>('.td-shared-banner'), {
    copy: (code) => {
      storage.save(id, mine.getValue(), 'previous');
      mine.setValue(code);
      persist();
      syncRestore();
      status('Copied the shared code into your editor; "Restore my previous code" brings yours back.');
    },
    changed: (viewing) => {
      root.dataset.shared = String(viewing);
      // back to the learner's code: a trace of other code closes, a trace of this code stays (highlighted again)
      if (!viewing && current) {
        if (current.code === mine.getValue()) viewer.go(viewer.step);
        else {
          viewer.hide();
          viewerClosed();
        }
      }
      setBusy(false);
    },
  });

  const setBusy = (busy: boolean) => {
    // grading and resetting act on the learner's code: not while a shared trace's code is shown
    runBtn.disabled = busy || sharedView.viewing;
    submitBtn.disabled = busy || sharedView.viewing;
    resetBtn.disabled = busy || sharedView.viewing;
    cancelBtn.hidden = !busy;
    root.dataset.busy = String(busy);
  };

  const showDiagnostics = (r: GradeReport) => {
    monaco.editor.setModelMarkers(
      mine,
      'teardown',
      r.diagnostics
        .filter((d) => d.file === SUBMISSION)
        .map((d) => ({
          startLineNumber: d.line,
          startColumn: d.column,
          endLineNumber: d.line,
          endColumn: d.column + 1,
          message: d.message,
          severity: d.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
        })),
    );
  };

  async function openTrace(
    t: SharedTrace,
    meta: { scenarioTitle: string; findingTitle?: string; findingKind?: string },
  ) {
    status('Replaying the interleaving…', 'busy');
    try {
      const v = await client.trace(t.code, t.scenario, t.token);
      if ('diagnostics' in v) {
        status("That trace's code does not compile any more.", 'error');
        return;
      }
      current = t;
      // a shared link names the finding's kind only: its title comes from the replay
      meta.findingTitle ??= v.trace.findings.find((f) => f.kind === t.kind)?.title;
      // the trace needs the width: below 1500 px the statement makes room for it until the trace closes
      if (!panes.statementHidden && innerWidth < 1500 && innerWidth > 800) {
        showStatement(false);
        traceHidStatement = true;
      }
      root.dataset.trace = 'open';
      viewer.show(v, meta, { step: t.step });
      outputEl.scrollTop = 0;
      // a token from another version of the checker may replay another execution: say so rather than show it as
      // the finding's
      const unreached = unreachedFinding(t, v.trace.findings);
      if (unreached) status(unreached, 'error');
      else status(`Showing ${v.trace.steps.length} steps. Step with ← and →; End jumps to the finding.`);
    } catch (e) {
      status(
        e instanceof Stopped ? `The replay was ${e.message}.` : `The replay failed: ${(e as Error).message}`,
        'error',
      );
    }
  }

  let gradedCode = '';
  const showTrace = (s: ScenarioResult, f: GradedFinding) => {
    const schedule = f.schedules ? f.schedules[f.schedules.length - 1]! : (f.schedule ?? []);
    // the fault plan too: a finding reached through an injected failure replays only under its plan
    const token = findingToken({ schedule, faults: f.faults });
    // the results are the learner's own: their code shows in the editor
    sharedView.back();
    void openTrace(
      { v: 2, ex: id, scenario: s.id, token, code: gradedCode, title: f.title, kind: f.kind },
      { scenarioTitle: s.title, findingTitle: f.title, findingKind: f.kind },
    );
  };

  // each grading's number: progress from an earlier one (still queued after a cancel) is ignored
  let generation = 0;
  async function run(mode: 'quick' | 'full') {
    if (client.busy) return;
    const gen = ++generation;
    if (sharedView.viewing) return;
    const code = mine.getValue();
    persist();
    setBusy(true);
    status(mode === 'quick' ? 'Running the visible scenarios…' : 'Grading every scenario…', 'busy');
    const t0 = performance.now();
    try {
      const r = await client.grade(code, mode, watchdogParam > 0 ? watchdogParam : WATCHDOG[mode], (p) => {
        if (gen !== generation || !client.busy) return;
        status(
          `Exploring ${p.scenario} (${p.index + 1}/${p.total}): ${p.executions} executions, ${p.states} states`,
          'busy',
        );
      });
      gradedCode = code;
      root.dataset.workers = String(client.lastWorkers);
      showDiagnostics(r);
      renderResults(resultsEl, r, {
        showTrace,
        goto: (line, column) => {
          editor.setPosition({ lineNumber: line, column });
          editor.revealLineInCenter(line);
          editor.focus();
        },
        play: (s) => void play.open(s.id, gradedCode),
      });
      root.dataset.result = r.status;
      hints.graded(r);
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      const partial = r.scenarios.filter((s) => s.status === 'passed' && !coverageTag(s).exhaustive).length;
      status(
        r.status === 'error'
          ? 'Your code does not compile: see the messages below.'
          : `${r.score}/${r.maxScore} points in ${secs} s${partial ? `; ${partial} scenario${partial === 1 ? '' : 's'} passed without exhaustive coverage` : ''}.`,
        r.status === 'passed' ? 'info' : 'error',
      );
    } catch (e) {
      if (e instanceof Stopped) {
        root.dataset.result = e.reason;
        resultsEl.replaceChildren(
          h(
            'p',
            { class: 'td-stopped' },
            e.reason === 'cancelled'
              ? 'Grading cancelled. Your code is unchanged.'
              : `Grading ${e.message}: it ran far longer than the scenarios' budgets allow. Your code is unchanged; look for a loop that never ends.`,
          ),
        );
        status(e.reason === 'cancelled' ? 'Cancelled.' : `Stopped: ${e.message}.`, 'error');
      } else {
        root.dataset.result = 'crashed';
        status(`The grader failed: ${(e as Error).message}`, 'error');
      }
    } finally {
      generation++;
      setBusy(false);
    }
  }

  runBtn.addEventListener('click', () => void run('quick'));
  submitBtn.addEventListener('click', () => void run('full'));
  cancelBtn.addEventListener('click', () => client.cancel());
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => void run('quick'));
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.Enter, () => void run('full'));
  root.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && !editorEl.contains(e.target as Node)) {
      e.preventDefault();
      void run(e.shiftKey ? 'full' : 'quick');
    }
  });

  resetBtn.addEventListener('click', () => {
    const code = mine.getValue();
    if (code === info.starter) {
      status('This is already the starter code.');
      return;
    }
    if (
      !confirm(
        'Replace your code with the starter? Your current code is kept: "Restore my previous code" brings it back.',
      )
    )
      return;
    storage.save(id, code, 'previous');
    mine.setValue(info.starter);
    persist();
    syncRestore();
    status('Reset to the starter. "Restore my previous code" brings yours back.');
  });
  restoreBtn.addEventListener('click', () => {
    const prev = storage.load(id, 'previous');
    if (prev === null) return;
    sharedView.back();
    storage.save(id, mine.getValue(), 'previous');
    mine.setValue(prev);
    persist();
    status('Restored your previous code (the code it replaced is now the previous one).');
  });

  // the page's "Skip to the editor" link lands in Monaco itself
  for (const a of document.querySelectorAll<HTMLAnchorElement>('a[href="#td-editor"]'))
    a.addEventListener('click', (e) => {
      e.preventDefault();
      editor.focus();
    });

  // play the scheduler on a scenario with the learner's code (src/play/exercise-play.ts)
  const playBtn = q<HTMLButtonElement>('.td-play-btn');
  const play = new ExercisePlay(q<HTMLElement>('.td-play-area'), {
    client,
    scenarios: info.scenarios,
    code: () => mine.getValue(),
    link: (scenario, token, code) =>
      traceLink({ v: 2, ex: id, scenario, token, code, kind: 'play' }, info.shareDictionary),
  });
  playBtn.addEventListener('click', () => play.show());
  playBtn.disabled = false;

  setBusy(false);
  root.dataset.ready = 'true';
  window.__teardownReadyMs = Math.round(performance.now());
  status('Ready. Run (Ctrl+Enter) checks the visible scenarios; Submit (Ctrl+Shift+Enter) grades them all.');

  // a shared trace: its code read-only beside the learner's, the trace at the sharer's step
  const link = readTrace(location.hash, { [id]: info.shareDictionary });
  if (link && 'error' in link) status(link.error, 'error');
  else if (link && link.ex === id && link.kind === 'play') {
    // a played interleaving: the play panel at its token, on the sharer's code
    await play.open(link.scenario, link.code, link.token);
  } else if (link && link.ex === id) {
    sharedView.open(link.code);
    const scenarioTitle = info.scenarios.find((s) => s.id === link.scenario)?.title ?? link.scenario;
    await openTrace(link, { scenarioTitle, findingTitle: link.title, findingKind: link.kind });
  }
}
