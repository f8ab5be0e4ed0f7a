/**
 * The upstream-findings page: for each finding, run its reproducer in the
 * grading worker on the model as upstream has it (Linux 6.17) or with the
 * fix (a model variant, `iommufd-6.17+<patch>`), show what the checker
 * reports and open the minimised interleaving in the trace viewer. A link
 * to the island's anchor, `#trace-<finding id>` (or `#trace-<finding id>-fixed`,
 * its patched button), runs it on arrival, so the chapters can link straight
 * to a trace.
 */
import type { GradeReport, GradedFinding } from '@teardown/grader';
import { findingToken } from '@teardown/core/token';
import { GraderClient, Stopped } from './grader-client';
import { TraceViewer } from './trace-view';
import { h } from './dom';
import { UPSTREAM_EXERCISE, UPSTREAM_FILES } from './upstream-bundle';

interface FindingEntry {
  id: string;
  kind: string;
  scenario: string;
  scenarioTitle: string;
  fixedBy: string;
}

const MODEL = 'iommufd-6.17';
/** One worker for every finding on the page, started on the first click. */
let shared: GraderClient | null = null;
let solution: Promise<string> | null = null;
const client = () => (shared ??= new GraderClient(UPSTREAM_EXERCISE));
const ready = () =>
  (solution ??= client()
    .init()
    .then((info) => info.solution));

function manifestEntry(id: string): FindingEntry {
  const m = JSON.parse(UPSTREAM_FILES['findings.json']!) as { findings: FindingEntry[] };
  const f = m.findings.find((x) => x.id === id);
  if (!f) throw new Error(`no upstream finding ${id} in this build`);
  return { ...f, scenario: f.scenario.replace(/^.*\//, '').replace(/\.c$/, '') };
}

/** Mount one finding's island (`<td-upstream data-finding="...">`). */
export async function mountUpstream(root: HTMLElement): Promise<void> {
  const f = manifestEntry(root.dataset.finding!);
  const q = <T extends Element>(sel: string) => root.querySelector<T>(sel)!;
  const statusEl = q<HTMLElement>('.td-status');
  const out = q<HTMLElement>('.td-upstream-result');
  const buttons = [...root.querySelectorAll<HTMLButtonElement>('button[data-model]')];
  const status = (text: string, kind: 'info' | 'busy' | 'error' = 'info') => {
    statusEl.textContent = text;
    statusEl.dataset.kind = kind;
  };
  const viewer = new TraceViewer(q<HTMLElement>('.td-trace'), {
    highlight: () => {},
    shareLink: () => `${location.origin}${location.pathname}#trace-${f.id}${current === MODEL ? '' : '-fixed'}`,
    closed: () => {},
    submissionNote: " (upstream's code: the exercise's reference solution)",
  });
  let current = MODEL;

  const openTrace = async (code: string, model: string, x: GradedFinding) => {
    const schedule = x.schedules ? x.schedules[x.schedules.length - 1]! : (x.schedule ?? []);
    const v = await client().trace(code, f.scenario, findingToken({ schedule, faults: x.faults }), model);
    if ('diagnostics' in v) throw new Error('the reproducer does not compile in this build');
    viewer.show(v, { scenarioTitle: f.scenarioTitle, findingTitle: x.title, findingKind: x.kind });
  };

  const run = async (which: 'base' | 'fixed') => {
    const model = which === 'base' ? MODEL : `${MODEL}+${f.fixedBy}`;
    current = model;
    for (const b of buttons) b.disabled = true;
    root.dataset.state = 'running';
    status(`Exploring every interleaving of the reproducer on ${model}…`, 'busy');
    try {
      const code = await ready();
      const r: GradeReport = await client().grade(code, 'full', 120_000, () => {}, { only: [f.scenario], model });
      const s = r.scenarios[0];
      if (!s) throw new Error(r.diagnostics.map((d) => d.message).join('; ') || 'the reproducer did not run');
      const shown = s.findings.find((x) => x.kind === f.kind) ?? s.findings[0];
      out.replaceChildren(
        h('p', {}, h('strong', {}, model), `: ${s.coverage?.text ?? 'not run'}`),
        s.findings.length
          ? h(
              'ul',
              {},
              ...s.findings.map((x) => h('li', { 'data-kind': x.kind }, h('code', {}, `[${x.kind}]`), ` ${x.title}`)),
            )
          : h('p', { class: 'td-upstream-clean' }, 'No finding in any interleaving.'),
      );
      root.dataset.state = s.findings.some((x) => x.kind === f.kind) ? 'reproduced' : 'clean';
      root.dataset.model = model;
      if (shown) {
        status('Replaying the minimised interleaving…', 'busy');
        await openTrace(code, model, shown);
        status(`Showing the interleaving that reaches ${shown.kind}. Step with ← and →; End jumps to the finding.`);
      } else status(`On ${model} the reproducer is clean in every interleaving.`);
    } catch (e) {
      root.dataset.state = 'error';
      status(e instanceof Stopped ? `Stopped: ${e.message}.` : `The checker failed: ${(e as Error).message}`, 'error');
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  };

  for (const b of buttons) b.addEventListener('click', () => void run(b.dataset.model === 'fixed' ? 'fixed' : 'base'));
  for (const b of buttons) b.disabled = false;
  status('Ready: run the reproducer on 6.17, or with the patch.');
  root.dataset.ready = 'true';

  if (location.hash === `#trace-${f.id}` || location.hash === `#trace-${f.id}-fixed`) {
    root.scrollIntoView({ block: 'start' });
    await run(location.hash.endsWith('-fixed') ? 'fixed' : 'base');
  }
}
