// Offline check of the built workbook (run after `astro build`): expected pages exist, every
// internal link and fragment resolves, no page loads anything from the network, chapters end
// with a Sources section, the exercise page carries the exercise island, and Pagefind
// indexed every page. No dependencies; exits 1 on the first report with failures.
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// TEARDOWN_OUT and TEARDOWN_BASE as the build had them (the sub-path build: dist-subpath, /teardown/)
const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(app, process.env.TEARDOWN_OUT || 'dist');
const base = (process.env.TEARDOWN_BASE || '/').replace(/\/?$/, '/');
const failures = [];
const fail = (msg) => failures.push(msg);

if (!existsSync(dist)) {
  console.error('dist/ not found: run `ASTRO_TELEMETRY_DISABLED=1 npx astro build` first');
  process.exit(1);
}

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
const htmlFiles = walk(dist).filter((f) => f.endsWith('.html'));
const pageOf = (urlPath) => join(dist, urlPath.replace(/^\//, ''), urlPath.endsWith('.html') ? '' : 'index.html');
const ids = new Map(
  htmlFiles.map((f) => [f, new Set([...readFileSync(f, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]))]),
);

const chapters = [
  '01-objects-ids-xarray',
  '02-users-and-wait-cnt',
  '03-who-destroys-whom',
  '04-pointing-without-referencing',
  '05-tombstones',
  '06-three-cases',
  '07-exploring-interleavings',
  '09-domain-sharing',
  '10-close-order',
];
const expected = [
  '/',
  '/start/reading-guide/',
  '/start/glossary/',
  ...chapters.map((c) => `/chapters/${c}/`),
  '/exercises/vdev-lifetime/',
  '/exercises/domain-sharing/',
  '/exercises/close-order/',
  '/checker/findings/',
  '/instructors/guide/',
];
for (const url of expected) if (!existsSync(pageOf(url))) fail(`missing page ${url}`);

for (const c of chapters) {
  const f = pageOf(`/chapters/${c}/`);
  if (existsSync(f) && !ids.get(f)?.has('sources')) fail(`chapter ${c} has no Sources section`);
}

const ex = pageOf('/exercises/vdev-lifetime/');
if (existsSync(ex) && !/<td-exercise[^>]*data-exercise="vdev-lifetime"/.test(readFileSync(ex, 'utf8')))
  fail('exercise page lacks the <td-exercise data-exercise="vdev-lifetime"> island');

for (const f of htmlFiles) {
  const html = readFileSync(f, 'utf8');
  for (const [, attr, url] of html.matchAll(/\s(src|href)="([^"]+)"/g)) {
    if (/^https?:\/\//.test(url)) {
      if (!url.startsWith('http://127.0.0.1')) fail(`${f}: external ${attr} ${url}`);
      continue;
    }
    if (!url.startsWith('/')) continue;
    if (!url.startsWith(base)) {
      fail(`${f}: link outside the base path ${base}: ${url}`);
      continue;
    }
    const [path, frag] = url.slice(base.length - 1).split('#');
    const target = /\.[a-z0-9]+$/i.test(path) ? join(dist, path) : pageOf(path);
    if (!existsSync(target)) fail(`${f}: broken link ${url}`);
    else if (frag && target.endsWith('.html') && !ids.get(target)?.has(frag)) fail(`${f}: missing fragment ${url}`);
  }
}

const entry = join(dist, 'pagefind', 'pagefind-entry.json');
if (!existsSync(entry)) fail('no Pagefind index (dist/pagefind/pagefind-entry.json)');
else {
  const count = Object.values(JSON.parse(readFileSync(entry, 'utf8')).languages).reduce((n, l) => n + l.page_count, 0);
  if (count < expected.length) fail(`Pagefind indexed ${count} pages, expected at least ${expected.length}`);
}

if (failures.length) {
  for (const f of failures) console.error(`FAIL ${f}`);
  console.error(`${failures.length} failed`);
  process.exit(1);
}
console.log(
  `site check: ${expected.length} pages, ${htmlFiles.length} HTML files, all links resolve, offline, indexed`,
);
