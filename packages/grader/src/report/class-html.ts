/**
 * The class report (`teardown report results.json --out class.html`): one
 * self-contained HTML page, with no script and no network request, in four
 * sections: the score histogram, the pass rate per scenario (both inline SVG
 * from report/charts.ts), the findings most common across the class with one
 * example trace each, and a row per submission linking to its text report
 * (the files `teardown batch` writes beside the results; links are relative
 * to the page, which is why the page should sit beside the results file).
 */
import { histogramSvg, passRateSvg } from './charts.js';
import type { ClassStats } from './class-stats.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A link href for a relative file path: each segment percent-encoded, so odd file names stay one link. */
const href = (path: string) => path.split('/').map(encodeURIComponent).join('/');

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 24px auto; max-width: 1180px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
.summary { color: #555; margin-bottom: 8px; } .charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } figcaption { color: #555; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; position: sticky; top: 0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.c { text-align: center; width: 18px; padding: 3px 1px; } .p { color: #2e7d32; } .f { color: #c62828; } .e { color: #999; }
.kind { font-family: ui-monospace, monospace; font-size: 12px; background: #eef; padding: 0 4px; border-radius: 3px; }
pre { background: #f8f8f8; border: 1px solid #e5e5e5; padding: 8px; overflow: auto; max-height: 420px; font-size: 12px; line-height: 1.3; }
ol.findings > li { margin-bottom: 6px; } ol.findings p { margin: 2px 0; }
details summary { cursor: pointer; } .status-error { color: #999; } .status-failed { color: #c62828; } .status-passed { color: #2e7d32; }
`;

function summaryLine(s: ClassStats): string {
  const m = s.summary;
  return `${m.submissions} submissions: ${m.passed} passed every scenario, ${m.failed} failed some, ${m.error} could not be graded. Mean score ${m.meanScore} of ${s.maxScore}, median ${m.median}.`;
}

/** Text with its common indentation removed (finding texts come indented for the terminal). */
function dedent(text: string): string {
  const lines = text.split('\n');
  const pad = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return Number.isFinite(pad) ? lines.map((l) => l.slice(pad)).join('\n') : text;
}

function findingsSection(s: ClassStats): string {
  if (!s.findings.length) return '<p>No finding was charged to any submission.</p>';
  const items = s.findings.map((f, i) => {
    const ex = f.example;
    const link = ex.report ? ` (<a href="${href(ex.report)}">report</a>)` : '';
    return `<li id="finding-${i + 1}" class="finding"><p><span class="kind">${esc(f.kind)}</span> <strong>${esc(f.title)}</strong><br>
in ${f.submissions} submission${f.submissions === 1 ? '' : 's'}; scenarios ${esc(f.scenarios.join(', '))}</p>
<details${i === 0 ? ' open' : ''}><summary>example: ${esc(ex.submission)}, scenario ${esc(ex.scenario)}${link}</summary>
<pre class="trace">${esc(ex.text ? dedent(ex.text) : '(no trace recorded)')}</pre></details></li>`;
  });
  return `<ol class="findings">${items.join('\n')}</ol>`;
}

function rowsSection(s: ClassStats): string {
  const head = s.scenarios.map((x, i) => `<th class="c" title="${esc(`${x.id}: ${x.title}`)}">${i + 1}</th>`).join('');
  const rows = s.results.map((r) => {
    const cells = s.scenarios
      .map((x) => {
        const st = r.scenarios.find((y) => y.id === x.id)?.status;
        return st === 'passed'
          ? '<td class="c p" title="passed">&#10003;</td>'
          : st === 'failed'
            ? '<td class="c f" title="failed">&#10007;</td>'
            : '<td class="c e" title="not run">&ndash;</td>';
      })
      .join('');
    const first = r.scenarios.flatMap((x) => x.findings)[0];
    const note = r.error ?? (r.diagnostics[0] ? `does not compile: ${r.diagnostics[0].message}` : (first?.title ?? ''));
    const name = r.report ? `<a href="${href(r.report)}">${esc(r.name)}</a>` : esc(r.name);
    return `<tr class="submission"><td>${name}</td><td class="status-${r.status}">${r.status}</td><td class="n">${r.score}/${r.maxScore}</td>${cells}<td>${esc(note)}</td></tr>`;
  });
  const legend = s.scenarios.map((x, i) => `${i + 1} ${esc(x.id)}`).join(' &middot; ');
  return `<p class="summary">Scenario columns: ${legend}</p>
<table class="rows"><thead><tr><th>submission</th><th>status</th><th>score</th>${head}<th>first finding or reason</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

/** The page's HTML. */
export async function renderClassReport(s: ClassStats): Promise<string> {
  const [hist, rates] = await Promise.all([histogramSvg(s.histogram, s.maxScore), passRateSvg(s.scenarios)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report: ${esc(s.exercise.title)}</title>
<style>${CSS}</style></head>
<body>
<h1>Class report: ${esc(s.exercise.title)}</h1>
<p class="summary">Exercise <code>${esc(s.exercise.id)}</code>. ${esc(summaryLine(s))}</p>
<div class="charts">
<section id="histogram"><h2>Scores</h2><figure>${hist}<figcaption>Submissions per score; not gradable ones (not compiling, unreadable, timed out) in red.</figcaption></figure></section>
<section id="pass-rates"><h2>Pass rate per scenario</h2><figure>${rates}<figcaption>Share of the graded submissions that pass each scenario.</figcaption></figure></section>
</div>
<section id="findings"><h2>Most common findings</h2>
<p class="summary">Each finding (kind and title) with the number of submissions charged with it, and one example with its minimised interleaving.</p>
${findingsSection(s)}</section>
<section id="submissions"><h2>Submissions</h2>
${rowsSection(s)}</section>
</body></html>
`;
}
